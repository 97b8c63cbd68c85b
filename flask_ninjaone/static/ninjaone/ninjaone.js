/* flask-ninjaone: small progressive enhancements. Every page works without this file.
   - [data-ninjaone-toggle-secret=<input id>]: show/hide a password field;
   - [data-ninjaone-copy=<element id>]: copy the text of an element or field (the redirect URI);
   - [data-ninjaone-status=<url>] with data-status="syncing": poll the status JSON and reload once the sync ends. */
(function () {
  "use strict";

  function reveal(button) { button.hidden = false; }

  document.querySelectorAll("[data-ninjaone-toggle-secret]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-ninjaone-toggle-secret"));
    if (!input) { return; }
    reveal(button);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    // Never leave the secret readable in the page after submitting.
    if (input.form) {
      input.form.addEventListener("submit", function () { input.type = "password"; });
    }
  });

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("[data-ninjaone-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-ninjaone-copy"));
    if (!source) { return; }
    reveal(button);
    button.addEventListener("click", function () {
      var text = "value" in source ? source.value : source.textContent.trim();
      var done = function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
        try { if (document.execCommand("copy")) { done(); } } catch (err) { /* selected: copy by hand */ }
      }
    });
  });

  var page = document.querySelector("[data-ninjaone-status]");
  if (page && page.getAttribute("data-status") === "syncing" && window.fetch) {
    var url = page.getAttribute("data-ninjaone-status");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (info) {
          if (info && info.status !== "syncing") { window.location.reload(); }
          else { window.setTimeout(poll, 5000); }
        })
        .catch(function () { window.setTimeout(poll, 15000); });
    };
    window.setTimeout(poll, 5000);
  }
})();
