// An enrolment job's page follows the job while it is queued or running: it asks the
// server how far it is every two seconds (no meta refresh, which moves a reader's focus
// and which axe-core flags) and shows the figures and refusals the server put in words.
// Once the job is in another state the page loads once more, with the buttons of that state.
"use strict";

const EVERY_MS = 2000;

function refusal(item) {
  const line = document.createElement("li");
  const source = document.createElement("code");
  source.textContent = item.source;
  line.append(source, `: ${item.reason}`);
  return line;
}

async function follow(box) {
  const answer = await fetch(box.dataset.progress, { headers: { Accept: "application/json" } });
  if (!answer.ok) return false; // signed out, say: the refresh link still works
  const view = await answer.json();
  if (view.state !== box.dataset.state) {
    window.location.reload();
    return false;
  }
  const bar = document.getElementById("progress");
  bar.max = view.total;
  bar.value = view.done;
  bar.textContent = `${view.done} of ${view.total}`;
  document.getElementById("job-state").textContent = view.status;
  document.getElementById("refusals").replaceChildren(...view.refused.map(refusal));
  document.getElementById("no-refusals").hidden = view.refused.length > 0;
  return true;
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("enrolment");
  if (!box) return;
  document.getElementById("live-note").hidden = false;
  const tick = async () => {
    if (await follow(box).catch(() => true)) window.setTimeout(tick, EVERY_MS);
  };
  window.setTimeout(tick, EVERY_MS);
});
