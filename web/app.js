// cstabox web UI: the little client script for the live parts. Every page works without it (forms post,
// search and sort reload the page); with it, live regions update over Server-Sent Events, paged tables
// filter as one types, the number-rule check answers as one types, and dangerous
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

  // ---- paged tables: filter as one types ------------------------------------------------------

  // A filter form marked `data-filter="<id>"` asks the server for the page its GET would give and puts
  // that page's element <id> (the table and its pager) in place, so typing keeps the focus; the address
  // follows, so reload and back work as without script.
  function startTableFilters() {
    for (const form of document.querySelectorAll("form[data-filter]")) {
      const targetId = form.dataset.filter;
      let timer = 0;
      let asked = 0;
      const refresh = async () => {
        const query = new URLSearchParams(new FormData(form));
        for (const [key, value] of Array.from(query)) if (value === "") query.delete(key);
        const url = form.getAttribute("action").split("#")[0] + (query.size ? "?" + query : "");
        const mine = ++asked;
        const response = await fetch(url, { credentials: "same-origin" });
        if (mine !== asked || !response.ok && response.status !== 400) return;
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById(targetId);
        const current = document.getElementById(targetId);
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        // Parts outside the table that say what the filter found (the card's count) follow it too.
        for (const part of page.querySelectorAll("[data-follows-filter][id]")) {
          document.getElementById(part.id)?.replaceWith(part);
        }
        history.replaceState(null, "", url + location.hash);
      };
      const soon = () => {
        clearTimeout(timer);
        timer = setTimeout(() => void refresh().catch(() => form.submit()), 250);
      };
      form.addEventListener("input", (event) => {
        if (event.target instanceof HTMLInputElement) soon();
      });
      form.addEventListener("change", (event) => {
        if (event.target instanceof HTMLSelectElement) soon();
      });
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        clearTimeout(timer);
        void refresh().catch(() => form.submit());
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
    startTableFilters();
    startRuleChecks();
    startAutoSubmit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
