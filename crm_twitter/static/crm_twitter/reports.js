/* crm_twitter dashboard: a link to a collapsed section opens it (the sections are native <details>;
   without this the link still scrolls to the section's summary, one click away). */
(function () {
  "use strict";
  function openTarget() {
    const id = location.hash.slice(1);
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS" && !target.open) target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);
})();
