// cstabox web UI: the little client script for the live parts. Every page works without it (forms post,
// search and sort reload the page); with it, live regions update over Server-Sent Events, the line
// table filters and sorts as one types, the number-rule check answers as one types, and dangerous
// buttons ask first. It loads nothing from anywhere but this appliance.

"use strict";

(function () {
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";

  /** POSTs JSON to the API with the session's CSRF token; resolves with { ok, status, body }. */
  async function postJson(url, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/json",
        "x-csrf-token": csrfToken(),
        accept: "application/json",
      },
      body: JSON.stringify(data),
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { ok: response.ok, status: response.status, body };
  }

  // ---- confirmations ---------------------------------------------------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question && !confirm(question)) event.preventDefault();
  });

  // ---- live regions ----------------------------------------------------------------------------

  function startLive() {
    const regions = Array.from(document.querySelectorAll("[data-live]"));
    if (regions.length === 0 || !globalThis.EventSource) return;
    const byName = new Map(regions.map((el) => [el.dataset.live, el]));
    const pending = new Map();
    const source = new EventSource("/live?r=" + encodeURIComponent(Array.from(byName.keys()).join(",")));

    const apply = (el, html) => {
      // Do not pull a field away from someone typing in it; apply once focus leaves the region.
      const active = document.activeElement;
      if (active && el.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
        pending.set(el, html);
        return;
      }
      el.innerHTML = html;
      el.classList.remove("live-stale");
      document.dispatchEvent(new CustomEvent("cstabox:region", { detail: el }));
    };
    document.addEventListener("focusout", () => {
      setTimeout(() => {
        for (const [el, html] of pending) {
          if (!el.contains(document.activeElement)) {
            pending.delete(el);
            apply(el, html);
          }
        }
      }, 0);
    });

    source.addEventListener("region", (event) => {
      const { name, html } = JSON.parse(event.data);
      const el = byName.get(name);
      if (el) apply(el, html);
    });
    source.addEventListener("expired", () => {
      source.close();
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    });
    source.addEventListener("error", () => {
      for (const el of byName.values()) el.classList.add("live-stale");
      // CLOSED means the server refused the stream (logged out, restarted): the page knows what to do.
      if (source.readyState === EventSource.CLOSED) setTimeout(() => location.reload(), 5000);
    });
    source.addEventListener("open", () => {
      for (const el of byName.values()) el.classList.remove("live-stale");
    });
    globalThis.addEventListener("pagehide", () => source.close());
  }

  // ---- line table: filter and sort in place ----------------------------------------------------

  function compareNumbers(a, b) {
    // As the server orders numbers: shorter digit strings first (99 before 100), then by text.
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }

  function startLineTable() {
    const table = document.getElementById("lines-table");
    if (!table) return;
    const body = table.tBodies[0];
    const search = document.getElementById("lines-search");
    if (search) {
      const filter = () => {
        const q = search.value.trim().toLowerCase();
        for (const row of body.rows) {
          const text = (row.dataset.number + " " + row.dataset.name).toLowerCase();
          row.hidden = q !== "" && !text.includes(q);
        }
      };
      search.addEventListener("input", filter);
      search.form?.addEventListener("submit", (event) => {
        event.preventDefault();
        filter();
      });
    }
    let current = { key: "number", direction: 1 };
    for (const link of table.querySelectorAll("th a[data-sort]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const key = link.dataset.sort;
        current = { key, direction: current.key === key ? -current.direction : 1 };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = a.dataset[key] ?? "";
          const y = b.dataset[key] ?? "";
          const primary = key === "number" ? compareNumbers(x, y) : x.localeCompare(y);
          return (primary || compareNumbers(a.dataset.number, b.dataset.number)) * current.direction;
        });
        for (const row of rows) body.appendChild(row);
        for (const other of table.querySelectorAll("th a[data-sort]")) other.removeAttribute("aria-sort");
        link.setAttribute("aria-sort", current.direction === 1 ? "ascending" : "descending");
      });
    }
  }

  // ---- number rules: check as one types ----------------------------------------------------------

  /** The rules as they are in the form now (saved or not), and which form row each came from. */
  function rulesInForm(form) {
    const count = Number(form.elements.namedItem("rows")?.value ?? 0);
    const rules = [];
    const rowOf = [];
    for (let i = 0; i < count; i++) {
      const pattern = form.elements.namedItem(`pattern.${i}`)?.value ?? "";
      const replacement = form.elements.namedItem(`replacement.${i}`)?.value ?? "";
      const regexBox = form.querySelector(`input[type="checkbox"][name="regex.${i}"]`);
      if (pattern === "" && replacement === "") continue;
      rules.push({ pattern, regex: regexBox ? regexBox.checked : true, replacement });
      rowOf.push(i);
    }
    return { rules, rowOf };
  }

  /** The same words the server uses for a check (src/http/pages/numbers.tsx describeCheck). */
  function describeCheck(check, rowOf) {
    if (check.matched === null) return `No rule matches; the number stays ${check.result}.`;
    const rule = (rowOf[check.matched] ?? check.matched) + 1;
    if (check.suppressed) return `Rule ${rule} matches and suppresses the number.`;
    return `Rule ${rule} matches: ${check.result}`;
  }

  function startRuleChecks() {
    for (const form of document.querySelectorAll("form[data-rule-list]")) {
      const list = form.dataset.ruleList;
      const input = form.elements.namedItem("check");
      const output = document.getElementById(`rule-check-result-${list}`);
      if (!(input instanceof HTMLInputElement) || !output) continue;
      let timer;
      let asked = 0;
      const run = async () => {
        const number = input.value.trim();
        const ticket = ++asked;
        if (number === "") {
          output.textContent = "";
          output.className = "";
          return;
        }
        const { rules, rowOf } = rulesInForm(form);
        try {
          const answer = await postJson("/api/number-rules/check", { list, number, rules });
          if (ticket !== asked) return; // a newer keystroke has its own answer coming
          if (answer.ok) {
            output.textContent = describeCheck(answer.body, rowOf);
            output.className = "ok";
          } else {
            output.textContent = answer.body?.error?.message ?? `The check failed (HTTP ${answer.status}).`;
            output.className = "error";
          }
        } catch (error) {
          if (ticket === asked) {
            output.textContent = `The check failed: ${error.message}`;
            output.className = "error";
          }
        }
      };
      const soon = () => {
        clearTimeout(timer);
        timer = setTimeout(run, 150);
      };
      input.addEventListener("input", soon);
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          run();
        }
      });
      // Editing a rule changes the answer too.
      form.addEventListener("input", (event) => {
        if (event.target !== input && input.value.trim() !== "") soon();
      });
      form.addEventListener("change", (event) => {
        if (
          event.target instanceof HTMLInputElement && event.target.type === "checkbox" &&
          input.value.trim() !== ""
        ) soon();
      });
    }
  }

  // ---- small conveniences ------------------------------------------------------------------------

  function startAutoSubmit() {
    for (const form of document.querySelectorAll("form[data-autosubmit]")) {
      form.addEventListener("change", () => form.requestSubmit());
    }
  }

  // ---- the menu: a <details> that needs no script; wide screens in older browsers open it ----------

  function startMenu() {
    const fold = document.querySelector("details.menu-fold");
    // Browsers with ::details-content show the entries on a wide screen by CSS alone.
    if (!fold || CSS.supports("selector(::details-content)")) return;
    if (matchMedia("(min-width: 1100px)").matches) fold.open = true;
  }

  function start() {
    startMenu();
    startLive();
    startLineTable();
    startRuleChecks();
    startAutoSubmit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
