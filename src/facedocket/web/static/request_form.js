// The request form shows the fields of the chosen legal basis only, and requires those.
// Without this script every basis's fields show, each group under its heading, none of
// them required by the browser, and the server says which the chosen basis needed.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const groups = document.querySelectorAll("fieldset[data-bases]");
  const show = () => {
    const chosen = document.querySelector('input[name="basis"]:checked');
    for (const group of groups) {
      const on = chosen !== null && group.dataset.bases.split(" ").includes(chosen.value);
      group.hidden = !on;
      for (const control of group.querySelectorAll("input, textarea, select")) {
        control.disabled = !on;
        if (control.hasAttribute("data-required")) {
          control.required = on;
        }
      }
    }
  };
  for (const radio of document.querySelectorAll('input[name="basis"]')) {
    radio.addEventListener("change", show);
  }
  show();
});
