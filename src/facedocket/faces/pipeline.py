"""Photo in, faces and templates out: decode, detect, align, measure, embed.

Two entry points match the two ways photos arrive. A gallery photo is a portrait: its one
dominant face is enrolled, or the photo is refused with the reason. A probe may show
several people: every face is returned with its box, and the caller must choose one.
"""

from __future__ import annotations

from dataclasses import dataclass

import dlib
import numpy as np
from numpy.typing import NDArray

from facedocket.faces.detect import Detection, FaceDetector, dominant_face
from facedocket.faces.errors import FaceChoiceError, FaceCode, FaceError, NoFaceError
from facedocket.faces.images import DecodeLimits, RGBImage, decode_image
from facedocket.faces.models import Embedder
from facedocket.faces.quality import FaceQuality, measure_quality


@dataclass(frozen=True)
class Face:
    """One face of a photo, aligned and measured, not yet embedded."""

    index: int
    detection: Detection
    chip: NDArray[np.uint8]
    quality: FaceQuality


@dataclass(frozen=True)
class Photo:
    """A decoded photo and the faces found in it, best detector score first.

    Sizes and boxes are in the working image's pixels: the photo itself unless its longer
    side passed the decode bound (``DecodeLimits.max_side``), then the photo scaled to it.
    """

    width: int
    height: int
    faces: list[Face]


class FacePipeline:
    def __init__(self, detector: FaceDetector, embedder: Embedder, limits: DecodeLimits) -> None:
        self.detector = detector
        self.embedder = embedder
        self.limits = limits

    def decode(self, data: bytes) -> RGBImage:
        return decode_image(data, self.limits)

    def find_faces(self, data: bytes, *, thorough: bool) -> Photo:
        image = self.decode(data)
        detections = self.detector.detect(image, thorough=thorough)
        faces = [self.align(image, detection, i) for i, detection in enumerate(detections)]
        return Photo(width=image.shape[1], height=image.shape[0], faces=faces)

    def align(self, image: RGBImage, detection: Detection, index: int = 0) -> Face:
        card = self.embedder.card
        chip = np.asarray(
            dlib.get_face_chip(
                image, detection.shape, size=card.chip_size, padding=card.chip_padding
            ),
            dtype=np.uint8,
        )
        return Face(index, detection, chip, measure_quality(detection, chip))

    def enrolment_face(self, data: bytes) -> tuple[Photo, Face]:
        """The single dominant face of a gallery portrait, or a FaceError saying why not."""
        image = self.decode(data)
        detection = self.enrolment_detection(image)
        photo = Photo(width=image.shape[1], height=image.shape[0], faces=[])
        return photo, self.align(image, detection)

    def enrolment_detection(self, image: RGBImage) -> Detection:
        detections = self.detector.detect(image, thorough=False)
        if not detections:
            raise NoFaceError()
        chosen = dominant_face(detections, image.shape[1], image.shape[0])
        if chosen is None:
            raise FaceError(
                FaceCode.AMBIGUOUS_FACES,
                f"the photo holds {len(detections)} faces of similar size; "
                "a gallery photo must show one person",
            )
        return chosen

    def probe_face(self, data: bytes, choice: int | None = None) -> tuple[Photo, Face]:
        """The probe face the examiner chose; a photo with several faces needs ``choice``."""
        photo = self.find_faces(data, thorough=True)
        if not photo.faces:
            raise NoFaceError()
        if choice is None:
            if len(photo.faces) > 1:
                raise FaceChoiceError(len(photo.faces))
            choice = 0
        if not 0 <= choice < len(photo.faces):
            raise FaceError(
                FaceCode.BAD_FACE_CHOICE,
                f"face {choice} does not exist; the photo holds {len(photo.faces)} face(s)",
            )
        return photo, photo.faces[choice]

    def embed(self, faces: list[Face], *, probe: bool = False) -> NDArray[np.float32]:
        """Templates for ``faces`` in one batched inference; ``probe`` for a search's probe."""
        size = self.embedder.card.chip_size
        if not faces:
            return self.embedder.embed(np.zeros((0, size, size, 3), dtype=np.uint8))
        return self.embedder.embed(np.stack([face.chip for face in faces]), probe=probe)
