// cstabox Phone page: one line through the line API, as any application would use it: lineOpen over
// HTTP, its calls live over the /api/events WebSocket (the session cookie authenticates it), and each
// operation a POST with the page's CSRF token. It loads nothing from anywhere but this appliance.

"use strict";

(function () {
  const root = document.getElementById("phone");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
  const state = { line: null, socket: null, calls: new Map() };

  /** Calls the JSON API; resolves with the body, throws an Error with the API's message. */
  async function api(method, path, data) {
    const response = await fetch("/api" + path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        "x-csrf-token": csrf(),
        ...(data === undefined ? {} : { "content-type": "application/json" }),
      },
      body: data === undefined ? undefined : JSON.stringify(data),
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new Error(body?.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
    }
    return body;
  }

  function showError(error) {
    const el = $("phone-error");
    el.textContent = error ? String(error.message ?? error) : "";
    el.hidden = !error;
  }

  async function run(action) {
    showError(null);
    try {
      await action();
    } catch (error) {
      showError(error);
    }
  }

  function setOpen(open) {
    for (
      const id of [
        "phone-dial-button",
        "phone-pickup-button",
        "phone-forward-button",
        "phone-unforward-button",
        "phone-dnd",
        "phone-close-button",
      ]
    ) {
      $(id).disabled = !open;
    }
  }

  // ---- the event WebSocket ----------------------------------------------------------------------

  function connect(line) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/events`);
    state.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ subscribe: [line] }));
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = () => {
      if (state.socket !== socket) return;
      $("phone-status").textContent = `Line ${line}: the event connection closed; reconnecting…`;
      setTimeout(() => state.line === line && connect(line), 2000);
    };
  }

  function onMessage(message) {
    if (message.type === "snapshot") {
      state.calls = new Map(message.calls.map((call) => [call.callId, call]));
      $("phone-status").textContent = `Line ${message.line} is open.`;
    } else if (message.type === "callState") {
      if (message.state === "idle") state.calls.delete(message.callId);
      else state.calls.set(message.callId, message);
    } else if (message.type === "lineState") {
      const why = message.reason ? `: ${message.reason}` : "";
      $("phone-status").textContent = `Line ${message.line} ${message.state}${why}`;
      if (message.state === "closed" && message.by === undefined) closeLocally();
    } else if (message.type === "addressState") {
      if (message.doNotDisturb !== undefined) $("phone-dnd").checked = message.doNotDisturb;
      if (message.forwarding) {
        const f = message.forwarding;
        $("phone-address").textContent = f.on
          ? `Forwarding ${f.mode} (${f.scope}) to ${f.to}`
          : "No forwarding.";
      }
    } else if (message.type === "error") {
      showError(new Error(`${message.code}: ${message.message}`));
    }
    render();
  }

  // ---- the call table ---------------------------------------------------------------------------

  const party = (p) => (p ? (p.name ? `${p.name} ` : "") + (p.number || "(withheld)") : "–");

  function button(label, action, id) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = id;
    b.addEventListener("click", () => run(action));
    return b;
  }

  const target = () => {
    const value = $("phone-target").value.trim();
    if (!value) throw new Error("enter the number to transfer, redirect or send first");
    return value;
  };

  function actionsFor(call) {
    const id = call.callId;
    const post = (op, data) => () => api("POST", `/calls/${id}/${op}`, data);
    const others = [...state.calls.values()].filter((c) => c.callId !== id);
    const held = call.state.startsWith("onhold");
    const active = others.find((c) => c.state === "connected");
    const list = [];
    // A call rings in both: `accepted` is one offered and accepted before answer (ECMA-269's offered mode).
    if (call.state === "offering" || call.state === "accepted") {
      list.push(button("Answer", post("answer"), "answer"));
      list.push(button("Redirect", () => api("POST", `/calls/${id}/redirect`, { to: target() }), "redirect"));
    }
    if (call.state === "connected") {
      list.push(button("Hold", post("hold"), "hold"));
      list.push(
        button(
          "Transfer",
          () => api("POST", `/calls/${id}/blind-transfer`, { to: target() }),
          "blind-transfer",
        ),
      );
      list.push(button("Consult", async () => {
        const answer = await api("POST", `/calls/${id}/setup-transfer`, { to: target() });
        $("phone-dialled").textContent = `Consulting ${answer.dialled}.`;
      }, "setup-transfer"));
      list.push(button("Digits", () => api("POST", `/calls/${id}/digits`, { digits: target() }), "digits"));
    }
    if (held) {
      list.push(button("Retrieve", post("unhold"), "unhold"));
      if (active) {
        const consultationCallId = active.callId;
        list.push(button("Swap", post("swap-hold", { otherCallId: consultationCallId }), "swap-hold"));
        list.push(
          button(
            "Complete transfer",
            post("complete-transfer", { consultationCallId, mode: "transfer" }),
            "complete-transfer",
          ),
        );
        list.push(
          button(
            "Conference",
            post("complete-transfer", { consultationCallId, mode: "conference" }),
            "conference",
          ),
        );
      }
    }
    if (call.state === "conferenced") {
      list.push(
        button(
          "Remove party",
          () => api("POST", `/calls/${id}/remove-from-conference`, { party: target() }),
          "remove-from-conference",
        ),
      );
    }
    if (call.state === "dialtone") {
      list.push(button("Dial", () => api("POST", `/calls/${id}/dial`, { digits: target() }), "dial"));
    }
    if (call.state === "busy") {
      list.push(button("Camp on", post("complete", { mode: "campon" }), "campon"));
      list.push(button("Call back", post("complete", { mode: "callback" }), "callback"));
      list.push(button("Intrude", post("complete", { mode: "intrude" }), "intrude"));
    }
    list.push(button("Hang up", post("drop"), "drop"));
    return list;
  }

  function render() {
    const body = $("phone-calls").querySelector("tbody");
    body.replaceChildren();
    for (const call of state.calls.values()) {
      const row = document.createElement("tr");
      row.dataset.callId = call.callId;
      row.dataset.state = call.state;
      const cells = [
        call.callId + (call.address === 1 ? " (Mobile)" : ""),
        call.state,
        party(call.parties.caller),
        party(call.parties.called),
        party(call.parties.connected),
      ];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        row.append(td);
      }
      const actions = document.createElement("td");
      actions.append(...actionsFor(call));
      row.append(actions);
      body.append(row);
    }
    $("phone-no-calls").hidden = state.calls.size > 0;
  }

  // ---- line, dialling, features -----------------------------------------------------------------

  function closeLocally() {
    const socket = state.socket;
    state.socket = null;
    state.line = null;
    socket?.close();
    state.calls.clear();
    setOpen(false);
    render();
  }

  $("phone-open").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const line = $("phone-line").value;
      if (state.line) closeLocally();
      const opened = await api("POST", `/lines/${encodeURIComponent(line)}/open`);
      state.line = line;
      $("phone-status").textContent = `Line ${line} is open` +
        (opened.partner ? ` (Mobile: ${opened.partner}).` : ".");
      setOpen(true);
      connect(line);
      const status = await api("GET", `/lines/${encodeURIComponent(line)}/status`);
      $("phone-dnd").checked = status.doNotDisturb === true;
      const on = status.forwarding.filter((f) => f.on);
      $("phone-address").textContent = on.length
        ? on.map((f) => `Forwarding ${f.mode} (${f.scope}) to ${f.to}`).join("; ")
        : "No forwarding.";
    });
  });

  $("phone-close-button").addEventListener("click", () =>
    run(async () => {
      const line = state.line;
      closeLocally();
      if (line) await api("POST", `/lines/${encodeURIComponent(line)}/close`);
      $("phone-status").textContent = `Line ${line} closed.`;
    }));

  $("phone-dial").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const to = $("phone-to").value;
      const answer = await api("POST", `/lines/${encodeURIComponent(state.line)}/calls`, { to });
      $("phone-dialled").textContent = `Dialled ${answer.dialled}` +
        (answer.dialled !== to ? ` (for ${to}).` : ".");
    });
  });

  $("phone-pickup-button").addEventListener(
    "click",
    () => run(() => api("POST", `/lines/${encodeURIComponent(state.line)}/pickup`, {})),
  );

  $("phone-forward").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const answer = await api("PUT", `/lines/${encodeURIComponent(state.line)}/forwarding`, {
        mode: $("phone-forward-mode").value,
        scope: $("phone-forward-scope").value,
        to: $("phone-forward-to").value,
      });
      // The addressState message says what the PBX set; here only the number after the rules.
      $("phone-dialled").textContent = `Forwarding set to ${answer.dialled}.`;
    });
  });

  $("phone-unforward-button").addEventListener(
    "click",
    () => run(() => api("DELETE", `/lines/${encodeURIComponent(state.line)}/forwarding`)),
  );

  $("phone-dnd").addEventListener(
    "change",
    (event) =>
      run(() =>
        api("PUT", `/lines/${encodeURIComponent(state.line)}/do-not-disturb`, { on: event.target.checked })
      ),
  );

  if (root.dataset.line) $("phone-open").requestSubmit();
})();
