/* flask-ninjaone: feedback on long work. Every form works without this file; it adds:
   - [data-ninjaone-job] (components/run_progress.html): the click (not one on a button with its own
     formtarget or formmethod="get") disables the buttons at once (the
     clicked one shows a spinner and its data-busy-text until the run ends), posts with fetch, then polls the run's progress JSON and
     shows its sentence and bar where the button is, and the link to the run when it ends (with
     data-job-open-result, opens that link: a rule test's results); a page opened while a run works,
     or a progress box without a button, follows it the same way;
   - [data-ninjaone-busy] forms: a busy, disabled submit button while the page loads (no double post). */
(function () {
  "use strict";
  if (window.ninjaoneJobs) { return; }  // the script may be included by two head snippets
  window.ninjaoneJobs = true;
  var POLL_MS = 1000;

  function busy(button, on) {
    if (!button) { return; }
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = button.dataset.busyText || "Working…";
      var spinner = document.createElement("span");
      spinner.className = "ninjaone-spinner";
      spinner.setAttribute("aria-hidden", "true");
      button.insertBefore(spinner, button.firstChild);
      button.setAttribute("aria-busy", "true");
    } else if (button.dataset.label !== undefined) {
      button.textContent = button.dataset.label;
      delete button.dataset.label;
      button.removeAttribute("aria-busy");
    }
  }

  function buttons(form) { return form.querySelectorAll("button[type=submit], button:not([type])"); }
  function lock(form, on) {
    if (!form) { return; }  // a progress box without a button (the work was started by a whole-page post)
    form.toggleAttribute("data-working", on);
    buttons(form).forEach(function (b) { b.disabled = on; if (!on) { busy(b, false); } });
  }

  function show(box, run, message) {
    box.hidden = false;
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-job-text]");
    var link = box.querySelector("[data-job-link]");
    var refresh = box.querySelector("[data-job-refresh]");
    if (refresh) { refresh.remove(); }  // the script refreshes by itself
    if (!run) { box.dataset.state = "failed"; text.textContent = message || "Nothing was started."; link.hidden = true; return; }
    box.dataset.state = run.state;
    box.dataset.progressUrl = run.progress_url;
    var percent = run.progress && run.progress.percent;
    if (percent === null || percent === undefined) { bar.removeAttribute("value"); } else { bar.value = percent; bar.textContent = percent + " %"; }
    text.textContent = message && run.state !== "succeeded" && run.state !== "failed" ? message + " " + run.text : run.text;
    link.hidden = false;
    link.href = run.run_url;
    link.textContent = run.link_text || "View run #" + run.id;
  }

  function follow(job, url) {
    var form = job.querySelector("form");
    var box = job.querySelector("[data-ninjaone-job-status]");
    lock(form, true);
    if (form && !form.querySelector("[aria-busy=true]")) { busy(buttons(form)[0], true); }  // a page opened mid-run
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (run) {
        show(box, run);
        if (run.state === "queued" || run.state === "running") { setTimeout(function () { follow(job, url); }, POLL_MS); }
        else if (run.state === "succeeded" && job.hasAttribute("data-job-open-result")) { window.location.assign(run.run_url); }
        else { lock(form, false); }
      })
      .catch(function () { setTimeout(function () { follow(job, url); }, POLL_MS * 5); });
  }

  function start(job, form, submitter) {
    var box = job.querySelector("[data-ninjaone-job-status]");
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    lock(form, true);
    busy(submitter, true);
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (!answer.run) { show(box, null, answer.message); lock(form, false); return; }
        show(box, answer.run, answer.ok ? "" : answer.message);
        follow(job, answer.run.progress_url);
      })
      .catch(function () { lock(form, false); form.submit(); });  // the plain post still works
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var job = form.closest("[data-ninjaone-job]");
    // A button of the same form that posts elsewhere ("Open in NinjaOne", the bulk actions' confirmation
    // pages) is an ordinary navigation, not this job.
    var elsewhere = event.submitter && (event.submitter.hasAttribute("formtarget") ||
      event.submitter.hasAttribute("formaction") || event.submitter.getAttribute("formmethod") === "get");
    if (job && !elsewhere && window.fetch && window.FormData) {
      event.preventDefault();
      if (form.hasAttribute("data-working")) { return; }  // a second click: one job only
      start(job, form, event.submitter || buttons(form)[0]);
      return;
    }
    if (form.hasAttribute("data-ninjaone-busy")) {
      if (form.hasAttribute("data-working")) { event.preventDefault(); return; }
      var submitter = event.submitter || buttons(form)[0];
      if (submitter && !submitter.hasAttribute("formtarget")) {
        form.setAttribute("data-working", "");
        // After the submit event, so the browser still sends the clicked button's name and value.
        setTimeout(function () { busy(submitter, true); submitter.disabled = true; }, 0);
      }
    }
  });

  // Back to a page from the history cache: its busy buttons belong to a post that already ended.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-ninjaone-busy][data-working]").forEach(function (form) { lock(form, false); });
  });

  document.querySelectorAll("[data-ninjaone-job]").forEach(function (job) {
    var box = job.querySelector("[data-ninjaone-job-status]");
    var state = box && box.dataset.state;
    if (state === "queued" || state === "running") { follow(job, box.dataset.progressUrl); }
  });
})();
