// Polls the newest sync run and drives the progress bar; without JS the page still shows the history.
(function () {
  const bar = document.querySelector("[data-ninjaone-progress]");
  if (!bar) return;
  const url = bar.getAttribute("data-ninjaone-progress");
  const fill = bar.querySelector("progress");
  const label = bar.querySelector("[data-progress-label]");
  async function poll() {
    let body;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      body = await response.json();
    } catch (error) {
      setTimeout(poll, 5000);
      return;
    }
    const run = body.run;
    if (!run) return;
    bar.dataset.state = run.state;
    if (run.expected) {
      fill.max = run.expected;
      fill.value = Math.min(run.processed, run.expected);
    } else if (run.state !== "running") {
      fill.max = 1;
      fill.value = 1;
    } else {
      fill.removeAttribute("value");
    }
    label.textContent = run.state === "running"
      ? `Syncing… ${run.processed}${run.expected ? " of about " + run.expected : ""} devices`
      : `Last device sync ${run.state}: ${run.processed} devices` + (run.error ? ` — ${run.error}` : "");
    if (run.state === "running" || run.state === "queued") setTimeout(poll, 1000);
  }
  poll();
})();
