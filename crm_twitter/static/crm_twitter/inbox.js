/* crm_twitter inbox: keyboard shortcuts, composer tabs, live countdowns, presence, lightbox.
   Works without it (plain forms and links); this only makes the common moves faster. */
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const QUEUE_KEY = "crm_twitter.queue";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function isTyping(target) {
    const t = target || document.activeElement;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
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
      el.textContent = (delta < 0 ? late : left).replace("%(span)s", span(delta));
      const pill = el.closest(".sla");
      if (pill) pill.className = "sla sla-" + state;
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

  function setMode(mode, focus) {
    const composer = $("#composer");
    if (!composer) return;
    const tab = $('.tab[data-mode="' + mode + '"]', composer);
    if (!tab || tab.disabled) mode = mode === "public" ? "dm" : mode;
    composer.dataset.mode = mode;
    $$(".tab", composer).forEach((t) => t.setAttribute("aria-selected", String(t.dataset.mode === mode)));
    const channel = $("#compose-channel");
    if (mode !== "note" && channel && channel.value !== mode) {
      channel.value = mode;
      const text = $("#id_compose_text");
      if (text && window.htmx) htmx.trigger(text, "crm:channel");
    }
    if (focus) {
      const field = mode === "note" ? $("#id_note_text") : $("#id_compose_text");
      if (field) field.focus({ preventScroll: true });
    }
  }

  let typingTimer = null;
  function markTyping() {
    const flag = $("#presence-typing");
    if (!flag) return;
    if (flag.value !== "1") { flag.value = "1"; document.body.dispatchEvent(new CustomEvent("crm:typing")); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { flag.value = "0"; }, 4000);
  }

  /* ---------- keyboard ---------- */
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.tagName === "TEXTAREA" && ev.target.form) {
      ev.preventDefault();
      ev.target.form.requestSubmit();
      return;
    }
    if (ev.key === "Escape" && isTyping(ev.target)) { ev.target.blur(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target)) return;
    const onQueue = !!$("#queue-results");
    const onCase = !!$(".case-page");
    const key = ev.key;
    if (key === "?") { const d = $("#shortcuts-dialog"); if (d) d.showModal(); ev.preventDefault(); return; }
    if (key === "/") { const s = $("[data-search]"); if (s) { ev.preventDefault(); s.focus(); s.select(); } return; }
    if (onQueue) {
      if (key === "j" || key === "ArrowDown" && ev.target.classList.contains("row-link")) { ev.preventDefault(); selectRow(selectedIndex() + 1); }
      else if (key === "k" || key === "ArrowUp" && ev.target.classList.contains("row-link")) { ev.preventDefault(); selectRow(Math.max(0, selectedIndex() - 1)); }
      else if (key === "o" || key === "Enter" && !ev.target.closest("a,button")) {
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
    else if (key === "e") { const r = $("#escalate-form input[name=reason]"); if (r) { ev.preventDefault(); r.focus(); } }
    else if (key === "u") { ev.preventDefault(); location.href = backUrl() || ($("[data-back]") || {}).href; }
  });

  /* ---------- clicks ---------- */
  document.addEventListener("click", (ev) => {
    const t = ev.target;
    const close = t.closest(".flash-close");
    if (close) { close.parentElement.remove(); return; }
    if (t.closest("[data-shortcuts-open]")) { $("#shortcuts-dialog").showModal(); return; }
    if (t.closest("[data-reload]")) { ev.preventDefault(); location.reload(); return; }
    const sw = t.closest("[data-switch-mode]");
    if (sw) { setMode(sw.dataset.switchMode, true); return; }
    const tab = t.closest(".composer .tab");
    if (tab) { setMode(tab.dataset.mode, true); return; }
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
    if (ev.target.matches("[data-autosubmit]")) ev.target.form.requestSubmit();
  });
  document.addEventListener("input", (ev) => {
    if (ev.target.closest("#composer")) markTyping();
  });
  document.addEventListener("focusin", (ev) => { if (isTyping(ev.target)) document.body.classList.add("typing"); });
  document.addEventListener("focusout", () => { document.body.classList.remove("typing"); });

  /* ---------- htmx hooks ---------- */
  document.addEventListener("htmx:afterSwap", (ev) => {
    refreshCountdowns(ev.target);
    if (ev.target.id === "queue-results" || $("#queue-results")) restoreSelection();
    if (ev.target.id === "composer-fields") {
      const channel = $("#compose-channel");
      if (channel) setMode(channel.value, true);
    }
  });

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
      if (!neighbour(1)) $$('[data-nav="next"]').forEach((a) => a.setAttribute("aria-disabled", "true"));
      if (!neighbour(-1)) $$('[data-nav="prev"]').forEach((a) => a.setAttribute("aria-disabled", "true"));
      const back = backUrl();
      if (back) $$("[data-back]").forEach((a) => { a.href = back; });
    }
    $$(".flash-success").forEach((f) => setTimeout(() => f.remove(), 7000));
  });
})();
