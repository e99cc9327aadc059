// The examiner's sheet: zoom the probe and the candidate together, each around its own
// face, and show both at full size side by side (scrolling inside their row, so the page
// itself stays as wide as the screen). Only attributes and classes change: the pages'
// Content-Security-Policy forbids inline style.
"use strict";

function zoomTo(photo, times) {
  const width = photo.width.baseVal.value;
  const height = photo.height.baseVal.value;
  const [faceX, faceY] = photo.dataset.face.split(" ").map(Number);
  const shownWidth = width / times;
  const shownHeight = height / times;
  const left = Math.min(Math.max(faceX - shownWidth / 2, 0), width - shownWidth);
  const top = Math.min(Math.max(faceY - shownHeight / 2, 0), height - shownHeight);
  photo.setAttribute("viewBox", `${left} ${top} ${shownWidth} ${shownHeight}`);
}

document.querySelectorAll(".face-zoom[data-zoom]").forEach((controls) => {
  const section = document.getElementById(controls.dataset.zoom);
  const pair = section.querySelector(".face-pair");
  const photos = pair.querySelectorAll("svg.face-photo[data-face]");
  const range = controls.querySelector("input[type=range]");
  const full = controls.querySelector("button");
  range.addEventListener("input", () => {
    const times = Number(range.value);
    photos.forEach((photo) => zoomTo(photo, times));
  });
  full.addEventListener("click", () => {
    const on = pair.classList.toggle("face-pair--full");
    full.setAttribute("aria-pressed", String(on));
  });
  controls.hidden = false;
});
