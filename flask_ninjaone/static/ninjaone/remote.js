// flask-ninjaone technician panels. Every control works without this file; it adds:
// - [data-ninjaone-remote] forms: open the tab inside the click (pop-up blockers allow it), show
//   "Connecting…", fetch the link as JSON, then point the tab at it — or close the tab and explain
//   why there is no link (offline devices still get an "open anyway" link);
// ([data-ninjaone-busy] forms get their busy button from jobs.js, loaded with this file);
// - [data-ninjaone-select-all=<form id>]: tick every asset checkbox of that form.
(function () {
  "use strict";

  function setBusy(button, busy) {
    if (!button) { return; }
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = button.dataset.busyText || "Working…";
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
    } else {
      button.textContent = button.dataset.label || button.textContent;
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }

  function say(form, text, kind, link) {
    var box = form.querySelector(".ninjaone-remote__message");
    if (!box) { return; }
    box.textContent = text;
    box.dataset.kind = kind;
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      anchor.textContent = "Open in NinjaOne anyway";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(anchor);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (!form.hasAttribute("data-ninjaone-remote") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button && button.disabled) { return; }
    var tab = window.open("", "_blank");
    if (tab) {
      try {
        tab.document.title = "Connecting to NinjaOne…";
        tab.document.body.textContent = "Connecting to NinjaOne…";
      } catch (ignored) { /* a blocked or cross-origin tab: it is only a placeholder */ }
      tab.opener = null;
    }
    say(form, "", "info");
    setBusy(button, true);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: "Unexpected answer (HTTP " + response.status + ")." }; });
    }).then(function (body) {
      if (body.ok && body.result === "ok" && body.url) {
        if (tab) { tab.location.replace(body.url); } else { window.open(body.url, "_blank", "noopener"); }
        say(form, "", "info");
      } else if (body.ok && body.url) {
        if (tab) { tab.close(); }
        say(form, body.message, "warning", body.url);
      } else {
        if (tab) { tab.close(); }
        say(form, body.message || "Remote Connect failed.", "error");
      }
    }).catch(function () {
      if (tab) { tab.close(); }
      say(form, "Could not reach the server. Check your connection and try again.", "error");
    }).then(function () { setBusy(button, false); });
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-ninjaone-select-all]")) { return; }
    var formId = box.getAttribute("data-ninjaone-select-all");
    document.querySelectorAll('input[name="asset_ids"][form="' + formId + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
