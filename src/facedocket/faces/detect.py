"""Finding faces and their five landmarks with dlib's HOG detector and shape predictor.

The HOG detector finds faces of about 80 pixels and more. Small faces need the image
upsampled, which costs four times the work per doubling, so there are two modes: ``fast``
(enrolment of portrait photos: upsample only when nothing was found) and ``thorough``
(probes: upsample as far as allowed, so a small face in a crowd is not missed).

HOG runs on the photo's luminance: colour costs it three times the gradient work for no
more faces found (21 misses in 5839 development photos either way, in half the time).

HOG misses some clearly visible faces (turned, tilted, hard light). When it finds nothing
at all, dlib's CNN face detector (MMOD) looks once more: a hundred times slower, so it runs
only for those photos (well under 1% of portraits), on a copy scaled to a pixel budget.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import dlib
import face_recognition_models
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from facedocket.faces.images import RGBImage

# Upsampling stops before the image passes this many pixels: beyond it HOG costs seconds.
UPSAMPLE_PIXEL_BUDGET = 4_000_000
# Two boxes sharing this much of the smaller one are one face found twice: the HOG detector
# runs five filters (frontal, turned left, turned right, ...) and lets some overlaps through.
SAME_FACE_OVERLAP = 0.5
# The CNN fallback sees at most this many pixels: about 1 s on one core without BLAS, and
# a portrait's face is still well above the CNN's smallest (about 40 pixels) at that size.
CNN_PIXEL_BUDGET = 120_000


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(self.width, 0) * max(self.height, 0)

    def visible_area(self, width: int, height: int) -> int:
        """The area inside a ``width`` x ``height`` photo; a face cut by the edge counts less."""
        clipped = Box(
            max(self.left, 0), max(self.top, 0), min(self.right, width), min(self.bottom, height)
        )
        return clipped.area

    def overlap(self, other: Box) -> float:
        """Intersection as a share of the smaller box (1.0 when one holds the other)."""
        inner = Box(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        )
        smaller = min(self.area, other.area)
        return inner.area / smaller if smaller else 0.0

    def as_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "right": self.right, "bottom": self.bottom}


@dataclass(frozen=True)
class Detection:
    """A face found in an image: its box, the detector's confidence and five landmarks.

    ``landmarks`` is 5x2 (x, y) in dlib's order: the outer and inner corner of the eye on the
    image's right, the outer and inner corner of the other eye, and the base of the nose.
    """

    box: Box
    score: float
    landmarks: NDArray[np.float32]
    shape: dlib.full_object_detection


def default_landmark_model() -> Path:
    return Path(face_recognition_models.pose_predictor_five_point_model_location())


def default_cnn_model() -> Path:
    return Path(face_recognition_models.cnn_face_detector_model_location())


class FaceDetector:
    """dlib's HOG frontal face detector plus the 5-point shape predictor, loaded lazily.

    ``cnn_fallback`` adds dlib's CNN detector for photos where HOG finds no face at the
    centre (or none at all).
    """

    def __init__(
        self,
        max_upsample: int = 2,
        landmark_model: Path | None = None,
        *,
        cnn_fallback: bool = True,
        cnn_model: Path | None = None,
    ) -> None:
        self.max_upsample = max_upsample
        self.cnn_fallback = cnn_fallback
        self._landmark_model = landmark_model or default_landmark_model()
        self._cnn_model = cnn_model or default_cnn_model()
        # dlib's CNN detector keeps each run's layer outputs in the network object, so
        # two threads must not run it at once; HOG and the shape predictor are read-only.
        self._cnn_running = threading.Lock()

    @cached_property
    def _cnn(self) -> dlib.cnn_face_detection_model_v1:
        return dlib.cnn_face_detection_model_v1(str(self._cnn_model))

    @cached_property
    def _hog(self) -> dlib.fhog_object_detector:
        return dlib.get_frontal_face_detector()

    @cached_property
    def _predictor(self) -> dlib.shape_predictor:
        return dlib.shape_predictor(str(self._landmark_model))

    def detect(self, image: RGBImage, *, thorough: bool = False) -> list[Detection]:
        """Faces in ``image``, best detector score first."""
        levels = self._upsample_levels(image)
        if thorough:
            levels = levels[-1:]
        grey = luminance(image)
        for upsample in levels:
            rects, scores, _ = self._hog.run(grey, upsample, 0.0)
            if len(rects):
                break
        candidates = list(zip(rects, scores, strict=True))
        height, width = image.shape[:2]
        if self.cnn_fallback and not any(covers(r, width / 2, height / 2) for r in rects):
            # A portrait's subject is at its centre. HOG, trained on frontal faces, misses a
            # turned head there and may find only a bystander at the edge (or nothing): then
            # the CNN detector, which finds turned faces, looks too. A licence or booking
            # photo always has its face at the centre, so this costs enrolment next to nothing.
            candidates += self._cnn_faces(image)
        found = [self._describe(image, rect, score) for rect, score in distinct_faces(candidates)]
        return sorted(found, key=lambda d: d.score, reverse=True)

    def _cnn_faces(self, image: RGBImage) -> list[tuple[dlib.rectangle, float]]:
        """The CNN detector's faces, found on a copy no larger than the pixel budget.

        Its score is the CNN's confidence (about 1 for a clear face), not a HOG score.
        """
        height, width = image.shape[:2]
        scale = min(1.0, (CNN_PIXEL_BUDGET / (width * height)) ** 0.5)
        small = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
        with self._cnn_running:
            hits = list(self._cnn(small, 0))
        found = []
        for hit in hits:
            r = hit.rect
            rect = dlib.rectangle(
                round(r.left() / scale),
                round(r.top() / scale),
                round(r.right() / scale),
                round(r.bottom() / scale),
            )
            found.append((rect, float(hit.confidence)))
        return found

    def _upsample_levels(self, image: RGBImage) -> list[int]:
        pixels = image.shape[0] * image.shape[1]
        levels = [0]
        while (
            len(levels) <= self.max_upsample and pixels * 4 ** len(levels) <= UPSAMPLE_PIXEL_BUDGET
        ):
            levels.append(len(levels))
        return levels

    def _describe(self, image: RGBImage, rect: dlib.rectangle, score: float) -> Detection:
        shape = self._predictor(image, rect)
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        box = Box(rect.left(), rect.top(), rect.right(), rect.bottom())
        return Detection(box=box, score=float(score), landmarks=points, shape=shape)


def covers(rect: dlib.rectangle, x: float, y: float) -> bool:
    return bool(rect.left() <= x <= rect.right() and rect.top() <= y <= rect.bottom())


def luminance(image: RGBImage) -> NDArray[np.uint8]:
    """The 8-bit luminance (ITU-R 601, as Pillow computes it) of an RGB image."""
    return np.asarray(Image.fromarray(image).convert("L"), dtype=np.uint8)


def distinct_faces(
    candidates: list[tuple[dlib.rectangle, float]],
) -> list[tuple[dlib.rectangle, float]]:
    """Best score first, without boxes that mostly overlap a better-scored one.

    Left in, such a duplicate makes a one-person portrait "ambiguous", or a probe with one
    face ask the examiner to choose between two boxes of the same face.
    """
    kept: list[tuple[dlib.rectangle, float, Box]] = []
    for rect, score in sorted(candidates, key=lambda c: c[1], reverse=True):
        box = Box(rect.left(), rect.top(), rect.right(), rect.bottom())
        if all(box.overlap(other) < SAME_FACE_OVERLAP for _, _, other in kept):
            kept.append((rect, score, box))
    return [(rect, score) for rect, score, _ in kept]


def dominant_face(
    detections: list[Detection], width: int, height: int, ratio: float = 2.0
) -> Detection | None:
    """The one face that clearly dominates a portrait photo, or None when none does.

    A licence or booking photo holds one large, central face; a bystander is smaller or off
    to the side. The largest face wins when it is ``ratio`` times the area of the next, or
    somewhat larger (1.2 times) and covering the photo's centre. Otherwise the photo is
    ambiguous and must not be enrolled under one name. Sizes are the parts of the boxes
    inside the photo: a bystander cut by the frame is smaller than its box.
    """
    if not detections:
        return None

    def size(detection: Detection) -> int:
        return detection.box.visible_area(width, height)

    first, *rest = sorted(detections, key=size, reverse=True)
    if not rest:
        return first
    runner_up = size(rest[0])
    box = first.box
    central = box.left <= width / 2 <= box.right and box.top <= height / 2 <= box.bottom
    if size(first) >= ratio * runner_up or (central and size(first) >= 1.2 * runner_up):
        return first
    return None
