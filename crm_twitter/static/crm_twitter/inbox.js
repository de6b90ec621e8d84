/* crm_twitter inbox: keyboard shortcuts, composer modes, live countdowns, presence, lightbox.
   Works without it (plain forms and links); this only makes the common moves faster.

   Accessibility rules this file keeps (issue #23):
   - parts of the page that redraw themselves (queue results, presence, the composer's verdict) are
     redrawn only when what they show changed, and give the focus and the scroll position back;
   - screen readers hear a change once, through a quiet role=status region, never on every redraw
     and never while the agent is typing;
   - single-key shortcuts never act while a button, field or link has the focus (queue rows
     excepted) and can be turned off (remembered by this browser);
   - choosing in a list does not act by itself when the choice was made with arrow keys. */
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const QUEUE_KEY = "crm_twitter.queue";
  const SHORTCUTS_KEY = "crm_twitter.shortcuts";
  // How long the composer waits after the last keystroke before reading out a new finding.
  const VERDICT_PAUSE_MS = 1200;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function isTyping(target) {
    const t = target || document.activeElement;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }

  // Anything a key press already means something to: shortcuts stay out of its way.
  const CONTROLS = "a[href], button, input, select, textarea, summary, label, [contenteditable]:not([contenteditable='false']), " +
    "[role=button], [role=link], [role=tab], [role=radio], [role=checkbox], [role=menuitem], [role=option]";
  function isControl(el) {
    return !!(el && el.closest && el.closest(CONTROLS));
  }

  function parseHTML(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    return tpl.content;
  }

  /* Speak ``text`` through a role=status region (once: nothing is said when it is already there). */
  function announce(region, text) {
    if (region && text && region.textContent !== text) region.textContent = text;
  }

  /* ---------- shortcut preference ---------- */
  function shortcutsEnabled() {
    try { return localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch (e) { return true; }
  }
  function applyShortcutPreference() {
    const on = shortcutsEnabled();
    document.body.classList.toggle("shortcuts-off", !on);
    $$("[data-shortcuts-toggle]").forEach((box) => { box.checked = on; });
  }

  /* ---------- countdowns ---------- */
  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + String(m).padStart(2, "0") + "m";
    return m + "m";
  }
  function refreshCountdowns(root) {
    const left = document.body.dataset.left || "%(span)s left";
    const late = document.body.dataset.late || "%(span)s late";
    $$("time[data-countdown]", root).forEach((el) => {
      const iso = el.getAttribute("datetime");
      if (!iso) return;
      const delta = (new Date(iso).getTime() - Date.now()) / 1000;
      const state = delta < 0 ? "overdue" : delta < 3600 ? "soon" : "ok";
      const text = (delta < 0 ? late : left).replace("%(span)s", span(delta));
      if (el.textContent !== text) el.textContent = text;
      const pill = el.closest(".sla");
      if (pill && pill.className !== "sla sla-" + state) pill.className = "sla sla-" + state;
    });
  }

  /* ---------- queue page ---------- */
  function rows() { return $$(".case-row"); }
  function rememberQueue() {
    const list = rows().map((r) => r.dataset.href);
    if (!list.length) return;
    sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ list: list, back: location.pathname + location.search }));
  }
  function selectRow(index, focus) {
    const all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((r) => r.classList.remove("is-selected"));
    const row = all[index];
    row.classList.add("is-selected");
    sessionStorage.setItem(QUEUE_KEY + ".selected", row.dataset.case);
    if (focus !== false) { const link = $(".row-link", row); if (link) link.focus({ preventScroll: false }); }
    row.scrollIntoView({ block: "nearest" });
  }
  function selectedIndex() { return rows().findIndex((r) => r.classList.contains("is-selected") || r.contains(document.activeElement)); }
  function restoreSelection() {
    const id = sessionStorage.getItem(QUEUE_KEY + ".selected");
    const idx = rows().findIndex((r) => r.dataset.case === id);
    if (idx >= 0) rows()[idx].classList.add("is-selected");
  }

  /* Where the focus is in the queue results or the queue list, said in a way that survives a redraw. */
  function captureQueueFocus() {
    const state = { scrollX: window.scrollX, scrollY: window.scrollY, selector: null, index: -1 };
    const el = document.activeElement;
    const results = $("#queue-results"), nav = $("#queue-nav");
    if (!el || el === document.body || !((results && results.contains(el)) || (nav && nav.contains(el)))) return state;
    const row = el.closest(".case-row");
    if (row) {
      state.selector = '.case-row[data-case="' + CSS.escape(row.dataset.case) + '"] .row-link';
      state.index = rows().indexOf(row);
    } else if (el.dataset.queue) state.selector = '.queue-link[data-queue="' + CSS.escape(el.dataset.queue) + '"]';
    else if (el.id) state.selector = "#" + CSS.escape(el.id);
    else if (el.getAttribute("rel")) state.selector = '#queue-results a[rel="' + CSS.escape(el.getAttribute("rel")) + '"]';
    else state.selector = "#queue-title";
    return state;
  }
  /* After a redraw: the same case's row, else the row now at its place, else the queue's heading. */
  function restoreQueueFocus(state) {
    if (!state) return;
    const lost = !document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected;
    if (state.selector && lost) {
      let target = $(state.selector);
      if (!target && state.index >= 0) {
        const all = rows();
        const row = all.length ? all[Math.min(state.index, all.length - 1)] : null;
        target = row ? $(".row-link", row) : null;
      }
      target = target || $("#queue-title");
      if (target) target.focus({ preventScroll: true });
    }
    if (window.scrollY !== state.scrollY || window.scrollX !== state.scrollX) window.scrollTo(state.scrollX, state.scrollY);
  }

  /* ---------- case page ---------- */
  function neighbour(step) {
    try {
      const data = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "{}");
      const list = data.list || [];
      const i = list.indexOf(location.pathname);
      if (i < 0) return null;
      return list[i + step] || null;
    } catch (e) { return null; }
  }
  function backUrl() {
    try { return JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "{}").back || null; } catch (e) { return null; }
  }

  function focusComposerField(mode) {
    const field = mode === "note" ? $("#id_note_text") : $("#id_compose_text");
    if (field) field.focus({ preventScroll: true });
  }
  function setMode(mode, focus) {
    const composer = $("#composer");
    if (!composer) return;
    const choice = $("#mode-" + mode);
    if (!choice || choice.disabled) mode = mode === "public" ? "dm" : mode;
    composer.dataset.mode = mode;
    $$("[data-mode-choice]", composer).forEach((radio) => { radio.checked = radio.value === mode; });
    const channel = $("#compose-channel");
    if (mode !== "note" && channel && channel.value !== mode) {
      channel.value = mode;
      const text = $("#id_compose_text");
      if (text && window.htmx) htmx.trigger(text, "crm:channel");
    }
    if (focus) focusComposerField(mode);
  }

  let typingTimer = null;
  function markTyping() {
    const flag = $("#presence-typing");
    if (!flag) return;
    if (flag.value !== "1") { flag.value = "1"; document.body.dispatchEvent(new CustomEvent("crm:typing")); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { flag.value = "0"; }, 4000);
  }

  /* ---------- presence: redraw and speak only on change ---------- */
  function presenceState(value) {
    const [changed, list] = (value || "|").split("|");
    const ids = [], typing = [];
    (list || "").split(",").filter(Boolean).forEach((item) => {
      const isTypingNow = item.endsWith("t");
      const id = isTypingNow ? item.slice(0, -1) : item;
      ids.push(id);
      if (isTypingNow) typing.push(id);
    });
    return { changed: changed === "changed", ids: ids, typing: typing };
  }
  /* What a screen reader should hear after the presence box changed from ``before`` to ``box``:
     someone arrived or left, someone started typing, the case was changed by someone else. A typist
     stopping is not news. */
  function presenceNews(before, box) {
    const after = presenceState(box.dataset.state);
    const parts = [];
    if (after.changed && !before.changed) {
      const notice = $("[data-announce]", box);
      if (notice) parts.push(notice.textContent.trim());
    }
    const moved = after.ids.join(",") !== before.ids.join(",");
    const startedTyping = after.typing.some((id) => !before.typing.includes(id));
    if (moved || startedTyping) {
      const texts = $$(".viewer-text", box).map((el) => el.textContent.trim());
      const none = $(".viewers-none", box);
      parts.push(texts.length ? texts.join(", ") : none ? none.textContent.trim() : "");
    }
    return parts.filter(Boolean).join(" ");
  }
  let presenceBefore = null;

  /* ---------- composer verdict: update in place, speak once the agent pauses ---------- */
  let verdictSaid = "", verdictTimer = null;
  function withoutCounterText(root) {
    const copy = document.createElement("div");
    Array.from(root.childNodes).forEach((n) => copy.appendChild(n.cloneNode(true)));
    $$("[data-counter]", copy).forEach((c) => { c.textContent = ""; });
    return copy.innerHTML.replace(/\s+/g, " ").trim();
  }
  /* Only the length moved: change that text, leave everything else (and its nodes) alone. */
  function updateCounterOnly(current, fresh) {
    if (withoutCounterText(current) !== withoutCounterText(fresh)) return false;
    const pairs = $$("[data-counter]", current).map((c, i) => [c, $$("[data-counter]", fresh)[i]]);
    pairs.forEach(([old, neu]) => {
      if (!neu || old.textContent === neu.textContent) return;
      const a = old.lastChild, b = neu.lastChild;
      if (a && b && a.nodeType === Node.TEXT_NODE && b.nodeType === Node.TEXT_NODE) a.data = b.data;
      else old.replaceChildren(...Array.from(neu.childNodes).map((n) => n.cloneNode(true)));
    });
    return true;
  }
  function verdictNews() {
    const verdict = $("#compose-verdict");
    if (!verdict) return;
    const text = $$("[data-announce]", verdict).map((el) => el.textContent.replace(/\s+/g, " ").trim()).join(" ");
    clearTimeout(verdictTimer);
    if (text === verdictSaid) return;
    if (!text) { verdictSaid = ""; return; } // gone: nothing to say, but say it again if it comes back
    verdictTimer = setTimeout(() => { verdictSaid = text; announce($("#compose-status"), text); }, VERDICT_PAUSE_MS);
  }

  /* ---------- choose, then act (WCAG 3.2.2) ----------
     A [data-commit] field changed from the keyboard (arrow keys through a closed list, typing a date)
     is not chosen yet: it sends crm:commit on Enter or when the focus leaves it. A choice made with
     the mouse, or in the opened list, commits at once. */
  let keyedField = null;
  const uncommitted = new Set();
  function commit(field) {
    uncommitted.delete(field);
    field.dispatchEvent(new CustomEvent("crm:commit", { bubbles: true }));
  }
  document.addEventListener("keydown", (ev) => {
    const field = ev.target;
    if (!field.matches || !field.matches("[data-commit]")) return;
    if (ev.key === "Enter") {
      if (uncommitted.has(field)) { ev.preventDefault(); commit(field); }
      return;
    }
    if (ev.key === "Tab" || ev.key === "Escape") return;
    // The change a key causes is dispatched before the next task: remember whose key it was until then.
    keyedField = field;
    setTimeout(() => { if (keyedField === field) keyedField = null; }, 0);
  }, true);
  document.addEventListener("change", (ev) => {
    const field = ev.target;
    if (!field.matches || !field.matches("[data-commit]")) return;
    if (keyedField === field) uncommitted.add(field);
    else commit(field);
  });
  document.addEventListener("focusout", (ev) => { if (uncommitted.has(ev.target)) commit(ev.target); });

  /* ---------- keyboard shortcuts ---------- */
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.tagName === "TEXTAREA" && ev.target.form) {
      ev.preventDefault();
      ev.target.form.requestSubmit();
      return;
    }
    if (ev.key === "Escape" && isTyping(ev.target)) { ev.target.blur(); return; }
    if (ev.defaultPrevented || ev.isComposing || ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target)) return;
    const key = ev.key;
    const onRowLink = !!(ev.target.classList && ev.target.classList.contains("row-link"));
    // Never from a button, field or link (a speech-input user saying "next" on "Send DM" must not
    // switch modes): only from the page itself or a queue row, whose keys these are.
    if (isControl(ev.target) && !onRowLink) return;
    if (key.length === 1 && !shortcutsEnabled()) return;
    const onQueue = !!$("#queue-results");
    const onCase = !!$(".case-page");
    if (key === "?") { const d = $("#shortcuts-dialog"); if (d) d.showModal(); ev.preventDefault(); return; }
    if (key === "/") { const s = $("[data-search]"); if (s) { ev.preventDefault(); s.focus(); s.select(); } return; }
    if (onQueue) {
      if (key === "j" || key === "ArrowDown" && onRowLink) { ev.preventDefault(); selectRow(selectedIndex() + 1); }
      else if (key === "k" || key === "ArrowUp" && onRowLink) { ev.preventDefault(); selectRow(Math.max(0, selectedIndex() - 1)); }
      else if (key === "o" || key === "Enter" && !onRowLink) {
        const i = selectedIndex(); if (i >= 0) { rememberQueue(); location.href = rows()[i].dataset.href; }
      }
      return;
    }
    if (!onCase) return;
    if (key === "j" || key === "k") {
      const url = neighbour(key === "j" ? 1 : -1);
      if (url) location.href = url;
      ev.preventDefault();
    } else if (key === "r") {
      ev.preventDefault();
      const composer = $("#composer");
      setMode(composer && composer.dataset.mode !== "note" ? composer.dataset.mode : ($("#compose-channel") || {}).value || "public", true);
    } else if (key === "n") { ev.preventDefault(); setMode("note", true); }
    else if (key === "a") { const f = $("#take-form"); if (f) { ev.preventDefault(); f.requestSubmit(); } }
    else if (key === "e") { if (gotoEscalation()) ev.preventDefault(); }
    else if (key === "u") { ev.preventDefault(); location.href = backUrl() || ($("[data-back]") || {}).href; }
  });

  /* ---------- clicks ---------- */
  document.addEventListener("click", (ev) => {
    const t = ev.target;
    const close = t.closest(".flash-close");
    if (close) { close.parentElement.remove(); return; }
    if (t.closest("[data-shortcuts-open]")) { $("#shortcuts-dialog").showModal(); return; }
    if (t.closest("[data-reload]")) { ev.preventDefault(); location.reload(); return; }
    if (t.closest("[data-skip-composer]")) {
      const composer = $("#composer");
      if (composer) { ev.preventDefault(); setMode(composer.dataset.mode || "public", true); }
      return;
    }
    const sw = t.closest("[data-switch-mode]");
    if (sw) { setMode(sw.dataset.switchMode, true); return; }
    // A mode picked with the mouse goes straight to its text box; arrow keys stay in the radio group.
    const tab = t.closest(".composer .tab");
    if (tab && ev.detail > 0) {
      const choice = $("#mode-" + tab.dataset.mode);
      if (choice && !choice.disabled) setTimeout(() => focusComposerField(tab.dataset.mode), 0);
      return;
    }
    const thumb = t.closest("[data-lightbox]");
    if (thumb) {
      const box = $("#lightbox");
      if (box && box.showModal) {
        ev.preventDefault();
        $("#lightbox-img").src = thumb.dataset.full;
        $("#lightbox-img").alt = thumb.dataset.caption || "";
        $("#lightbox-caption").textContent = thumb.dataset.caption || "";
        box.showModal();
      }
      return;
    }
    const nav = t.closest("[data-nav]");
    if (nav) {
      ev.preventDefault();
      const url = neighbour(nav.dataset.nav === "next" ? 1 : -1);
      if (url) location.href = url;
      return;
    }
    const row = t.closest(".case-row");
    if (row && !t.closest("a, button, input, select")) { rememberQueue(); location.href = row.dataset.href; return; }
    if (t.closest(".row-link")) rememberQueue();
  });
  document.addEventListener("click", (ev) => {
    const box = $("#lightbox");
    if (box && ev.target === box) box.close();
  });

  document.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t.matches("[data-mode-choice]")) { setMode(t.value, false); return; }
    if (t.matches("[data-shortcuts-toggle]")) {
      try { localStorage.setItem(SHORTCUTS_KEY, t.checked ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
      applyShortcutPreference();
    }
  });
  document.addEventListener("input", (ev) => {
    if (ev.target.closest("#composer")) {
      markTyping();
      clearTimeout(verdictTimer); // still typing: the next verdict decides what to say
    }
  });
  document.addEventListener("focusin", (ev) => { if (isTyping(ev.target)) document.body.classList.add("typing"); });
  document.addEventListener("focusout", () => { document.body.classList.remove("typing"); });

  /* ---------- htmx hooks ---------- */
  // A polling element refreshes only while someone can see it and no field has the focus.
  document.addEventListener("htmx:beforeRequest", (ev) => {
    const elt = ev.detail.elt;
    if (!elt || !elt.hasAttribute("data-poll") || ev.detail.requestConfig.elt !== elt) return;
    if (document.visibilityState !== "visible" || document.body.classList.contains("typing")) ev.preventDefault();
  });
  let queueFocus = null;
  document.addEventListener("htmx:beforeSwap", (ev) => {
    const target = ev.detail.target;
    if (!target || !ev.detail.shouldSwap) return;
    if (target.id === "queue-results") {
      // The 20-second refresh: keep what is drawn when it shows the same cases and counts.
      const polled = ev.detail.requestConfig && ev.detail.requestConfig.elt === target;
      const found = /data-fingerprint="([^"]*)"/.exec(ev.detail.serverResponse || "");
      if (polled && found && found[1] && found[1] === target.dataset.fingerprint) { ev.detail.shouldSwap = false; return; }
      queueFocus = captureQueueFocus();
    } else if (target.id === "presence") {
      const fresh = $("[data-state]", parseHTML(ev.detail.serverResponse));
      const current = $("[data-state]", target);
      if (fresh && current && fresh.dataset.state === current.dataset.state) { ev.detail.shouldSwap = false; return; }
      presenceBefore = presenceState(current ? current.dataset.state : "|");
    } else if (target.id === "compose-verdict") {
      if (updateCounterOnly(target, parseHTML(ev.detail.serverResponse))) { ev.detail.shouldSwap = false; verdictNews(); }
    }
  });
  document.addEventListener("htmx:afterSwap", (ev) => {
    const target = ev.target; // the swapped-in element (outerHTML) or the filled one (innerHTML)
    refreshCountdowns(target);
    if (ev.target.id === "queue-results" || $("#queue-results")) restoreSelection();
    if (ev.target.id === "queue-results" && queueFocus) { restoreQueueFocus(queueFocus); queueFocus = null; }
    if (target.id === "presence" && presenceBefore) {
      const box = $("[data-state]", target);
      if (box) announce($("#presence-status"), presenceNews(presenceBefore, box));
      presenceBefore = null;
    }
    if (target.id === "compose-verdict") verdictNews();
    if (ev.target.id === "composer-fields") {
      const channel = $("#compose-channel");
      if (channel) setMode(channel.value, true);
    }
  });

  /* ---------- case page: actions update the page in place ----------
     Every form of the case page is a plain POST (it works without JavaScript: the server redirects
     back to the case). Here it is posted in the background instead; the server answers with the
     parts that changed (views.case.case_update, marked by the X-CRM-Case-Update header), each
     swapped in by its id, so the scroll positions, an open panel and a half-written reply stay.
     Any other answer (a form added elsewhere that still redirects) is shown as a whole page. */
  function oobSwap(fresh) {
    const swapped = [];
    $$("[hx-swap-oob]", fresh).forEach((node) => {
      const how = node.getAttribute("hx-swap-oob");
      node.removeAttribute("hx-swap-oob");
      const target = node.id && document.getElementById(node.id);
      if (!target) return;
      if (how === "innerHTML") {
        target.replaceChildren(...Array.from(node.childNodes));
        swapped.push(target);
      } else {
        target.replaceWith(node);
        swapped.push(node);
      }
    });
    return swapped;
  }
  function focusSelector(el) {
    if (!el || el === document.body) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    const form = el.closest("form");
    if (form && form.getAttribute("action") && el.name) {
      return 'form[action="' + CSS.escape(form.getAttribute("action")) + '"] [name="' + CSS.escape(el.name) + '"]' +
        (el.value ? '[value="' + CSS.escape(el.value) + '"]' : "");
    }
    return null;
  }
  /* A refused form comes back redrawn from the server: put back what the agent had entered (not the
     version token or the CSRF token, which the fresh form carries). */
  function refill(oldForm, sent) {
    const action = oldForm.getAttribute("action");
    const fresh = action && $('form[action="' + CSS.escape(action) + '"]');
    if (!fresh || fresh === oldForm) return;
    const names = new Set(Array.from(sent.keys()).filter((n) => n !== "version" && n !== "csrfmiddlewaretoken"));
    names.forEach((name) => {
      const values = sent.getAll(name).map(String);
      $$('[name="' + CSS.escape(name) + '"]', fresh).forEach((field) => {
        if (field.type === "checkbox" || field.type === "radio") field.checked = values.includes(field.value);
        else if (field.type !== "hidden" && field.type !== "file") field.value = values[0] || "";
      });
    });
    const details = fresh.closest("details");
    if (details) details.open = true;
  }
  let caseBusy = false;
  async function casePost(form, submitter) {
    if (caseBusy) return;
    caseBusy = true;
    const focusWas = focusSelector(submitter || document.activeElement);
    const scroller = $("#timeline-scroll");
    const atEnd = scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const sideScroll = ($("#side-col") || {}).scrollTop || 0;
    let response;
    const sent = new FormData(form, submitter || undefined);
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: sent,
        headers: { "HX-Request": "true", "HX-Current-URL": location.href, "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
    } catch (e) {
      caseBusy = false;
      form.submit(); // offline for a moment: the plain post says what happened
      return;
    }
    caseBusy = false;
    if (!response.headers.get("X-CRM-Case-Update")) { location.href = response.url; return; }
    const fresh = parseHTML(await response.text());
    const openPanels = $$("#side-col details[open], #action-bar details[open]").map((d) => focusSelector(d) || "").filter(Boolean);
    const swapped = oobSwap(fresh);
    const refused = !!$("#flash-stack .flash-error");
    if (refused) refill(form, sent);
    else if (form.closest("#action-bar details")) {
      const done = openPanels.indexOf("#" + form.closest("details").id);
      if (done >= 0) openPanels.splice(done, 1); // the action went through: its dropdown closes
    }
    swapped.forEach((node) => { if (window.htmx) htmx.process(node); refreshCountdowns(node); });
    openPanels.forEach((sel) => { const d = $(sel); if (d) d.open = true; });
    enhancePanels();
    initCaseNav();
    const side = $("#side-col");
    if (side) side.scrollTop = sideScroll;
    if (scroller && (atEnd || form.id === "compose-form" || form.id === "note-form")) scroller.scrollTop = scroller.scrollHeight;
    if (form.id === "note-form" && response.ok && !$("#flash-stack .flash-error")) form.reset();
    if (swapped.some((n) => n.id === "composer-fields")) {
      const channel = $("#compose-channel");
      if (channel) setMode(channel.value, false);
      const text = $("#id_compose_text");
      if (text && window.htmx) htmx.trigger(text, "crm:channel");
    }
    // The focus goes back to the control that acted when it is still there, else to the flash.
    const back = focusWas && $(focusWas);
    if (back && back.isConnected && !back.disabled) back.focus({ preventScroll: true });
    else if (!document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected) {
      const bar = $("#action-bar");
      if (bar) { bar.setAttribute("tabindex", "-1"); bar.focus({ preventScroll: true }); }
    }
    $$("#flash-stack .flash-success").forEach((f) => setTimeout(() => f.remove(), 7000));
  }
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (ev.defaultPrevented || !form.closest || !form.closest(".case-page")) return;
    if ((form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-full-page")) return;
    if (!window.fetch || !window.FormData) return;
    ev.preventDefault();
    casePost(form, ev.submitter);
  });

  /* ---------- case page: collapsible side panels, the activity toggle ---------- */
  const PANELS_KEY = "crm_twitter.panels.closed";
  const ACTIVITY_KEY = "crm_twitter.activity";
  function closedPanels() {
    try { return JSON.parse(localStorage.getItem(PANELS_KEY) || "[]"); } catch (e) { return []; }
  }
  function setPanel(panel, open) {
    const button = $(":scope > h2 > button[data-panel-toggle]", panel);
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("is-collapsed", !open);
    Array.from(panel.children).forEach((child) => { if (child.tagName !== "H2") child.hidden = !open; });
  }
  /* Each side panel's heading becomes a disclosure button (WAI-ARIA pattern); without JavaScript the
     panels simply stay open. */
  function enhancePanels() {
    const closed = closedPanels();
    $$("#side-col > .panel").forEach((panel) => {
      const heading = $(":scope > h2", panel);
      if (!heading || !panel.id) return;
      let button = $(":scope > button[data-panel-toggle]", heading);
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "panel-toggle";
        button.dataset.panelToggle = panel.id;
        button.append(...Array.from(heading.childNodes));
        heading.replaceChildren(button);
      }
      setPanel(panel, !closed.includes(panel.id));
    });
  }
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest && ev.target.closest("button[data-panel-toggle]");
    if (!button) return;
    const panel = document.getElementById(button.dataset.panelToggle);
    if (!panel) return;
    const open = button.getAttribute("aria-expanded") !== "true";
    setPanel(panel, open);
    const closed = closedPanels().filter((id) => id !== panel.id);
    if (!open) closed.push(panel.id);
    try { localStorage.setItem(PANELS_KEY, JSON.stringify(closed)); } catch (e) { /* this page only */ }
  });
  document.addEventListener("change", (ev) => {
    if (!ev.target.matches || !ev.target.matches("[data-activity-toggle]")) return;
    try { localStorage.setItem(ACTIVITY_KEY, ev.target.checked ? "on" : "off"); } catch (e) { /* this page only */ }
  });
  /* The escalation panel, opened if the agent had collapsed it, with the focus on its reason. */
  function gotoEscalation() {
    const panel = $("#escalation");
    if (panel && panel.classList.contains("is-collapsed")) setPanel(panel, true);
    const reason = $("#escalate-form input[name=reason]");
    if (!reason) return false;
    reason.focus();
    return true;
  }
  document.addEventListener("click", (ev) => {
    if (ev.target.closest && ev.target.closest("[data-goto-escalation]") && gotoEscalation()) ev.preventDefault();
  });
  function initCaseNav() {
    if (!$(".case-page")) return;
    $$('[data-nav="next"]').forEach((a) => { if (!neighbour(1)) a.setAttribute("aria-disabled", "true"); });
    $$('[data-nav="prev"]').forEach((a) => { if (!neighbour(-1)) a.setAttribute("aria-disabled", "true"); });
    const back = backUrl();
    if (back) $$("[data-back]").forEach((a) => { a.href = back; });
  }

  /* ---------- leaving the case: tell the others at once ---------- */
  window.addEventListener("pagehide", () => {
    const presence = $("#presence");
    if (!presence || !navigator.sendBeacon) return;
    const data = new FormData();
    data.append("leaving", "1");
    data.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(presence.getAttribute("hx-post"), data);
  });

  document.addEventListener("DOMContentLoaded", () => {
    // A refused form (a 422 from /compose/) is answered at the address it was posted to: show the
    // page's own address instead, so a reload opens the case rather than posting the message again.
    const pageUrl = document.body.dataset.pageUrl;
    if (pageUrl && location.pathname !== pageUrl && history.replaceState) history.replaceState(null, "", pageUrl);
    applyShortcutPreference();
    refreshCountdowns(document);
    setInterval(() => refreshCountdowns(document), 30000);
    if ($("#queue-results")) { rememberQueue(); restoreSelection(); }
    const composer = $("#composer");
    if (composer) setMode(composer.dataset.mode || "public", false);
    // Open a case on its latest messages, unless the URL points somewhere in the timeline.
    const scroller = $("#timeline-scroll");
    if (scroller) {
      const target = location.hash && location.hash !== "#timeline-end" ? document.getElementById(location.hash.slice(1)) : null;
      if (target && scroller.contains(target)) target.scrollIntoView({ block: "center" });
      else scroller.scrollTop = scroller.scrollHeight;
    }
    if ($(".case-page")) {
      // The case page scrolls inside its columns; the window itself must stay at the top.
      if ("scrollRestoration" in history) history.scrollRestoration = "manual";
      const main = $("#main");
      if (main) main.scrollTop = 0;
      initCaseNav();
      enhancePanels();
      const activity = $("[data-activity-toggle]");
      try { if (activity && localStorage.getItem(ACTIVITY_KEY) === "on") activity.checked = true; } catch (e) { /* default */ }
    }
    $$(".flash-success").forEach((f) => setTimeout(() => f.remove(), 7000));
  });
})();
