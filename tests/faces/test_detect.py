"""Which face of a portrait is enrolled: the dominant one, or none when it is ambiguous."""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np
from PIL import Image
from tests.photos import lfw

from facedocket.faces.detect import Box, Detection, FaceDetector, distinct_faces, dominant_face
from facedocket.faces.images import DecodeLimits, decode_image

LIMITS = DecodeLimits(max_bytes=10**7, max_pixels=10**7, max_side=4096, max_concurrent=2)


def face(left: int, top: int, size: int) -> Detection:
    return Detection(
        box=Box(left, top, left + size, top + size),
        score=1.0,
        landmarks=np.zeros((5, 2), dtype=np.float32),
        shape=None,
    )


def test_single_face_is_dominant() -> None:
    only = face(10, 10, 50)
    assert dominant_face([only], 200, 200) is only


def test_much_larger_face_wins_wherever_it_is() -> None:
    big, small = face(0, 0, 100), face(150, 150, 40)
    assert dominant_face([small, big], 400, 400) is big


def test_central_face_wins_over_a_slightly_smaller_bystander() -> None:
    subject, bystander = face(80, 80, 90), face(180, 80, 75)
    assert dominant_face([bystander, subject], 250, 250) is subject


def test_two_similar_faces_off_centre_are_ambiguous() -> None:
    assert dominant_face([face(0, 0, 100), face(300, 0, 95)], 500, 250) is None


def test_a_bystander_cut_by_the_frame_counts_only_where_visible() -> None:
    # The bystander's box is larger, but half of it lies outside the photo.
    subject, bystander = face(80, 80, 100), face(-60, 60, 115)
    assert dominant_face([bystander, subject], 250, 250) is subject


def test_boxes_of_one_face_found_twice_are_one_face() -> None:
    best = (dlib.rectangle(77, 77, 182, 182), 1.9)
    again = (dlib.rectangle(37, 24, 163, 150), 0.02)  # the same face, another HOG filter
    elsewhere = (dlib.rectangle(190, 10, 240, 60), 0.5)
    assert distinct_faces([again, elsewhere, best]) == [best, elsewhere]


def test_real_portrait_with_a_duplicate_box_gives_one_face(faces: Path) -> None:
    # HOG returns two overlapping boxes for this face (scores 1.89 and 0.02).
    image = decode_image(lfw(faces, "John_Warner", 4).read_bytes(), LIMITS)
    (only,) = FaceDetector().detect(image)
    assert only.score > 1


def test_detection_sees_only_luminance(faces: Path) -> None:
    data = lfw(faces, "Aaron_Peirsol").read_bytes()
    colour = decode_image(data, LIMITS)
    grey = np.repeat(np.asarray(Image.fromarray(colour).convert("L"))[:, :, None], 3, axis=2)
    detector = FaceDetector()
    assert [d.box for d in detector.detect(colour)] == [d.box for d in detector.detect(grey)]


def test_cnn_finds_the_face_hog_misses(faces: Path) -> None:
    # HOG finds nothing in this portrait (hard side light) even upsampled twice; the CNN does.
    photo = faces / "yale" / "Yale_subject08" / "Yale_subject08_0007.jpg"
    image = decode_image(photo.read_bytes(), LIMITS)
    assert FaceDetector(cnn_fallback=False).detect(image) == []
    (found,) = FaceDetector().detect(image)
    assert 80 < found.box.width < 160
    assert found.box.left < 160 < found.box.right


def test_cnn_looks_when_hog_finds_only_a_face_away_from_the_centre(faces: Path) -> None:
    # HOG finds only a bystander cut by the left edge; the subject, head turned, is central.
    image = decode_image(lfw(faces, "Tung_Chee-hwa").read_bytes(), LIMITS)
    (bystander,) = FaceDetector(cnn_fallback=False).detect(image)
    assert bystander.box.right < 125
    found = FaceDetector().detect(image)
    assert len(found) == 2
    subject = dominant_face(found, 250, 250)
    assert subject is not None
    assert subject.box.left < 125 < subject.box.right


def test_cnn_fallback_finds_nothing_in_a_blank_photo() -> None:
    assert FaceDetector().detect(np.full((600, 800, 3), 128, np.uint8)) == []


def test_no_faces() -> None:
    assert dominant_face([], 100, 100) is None


def test_small_photos_may_be_upsampled_within_budget() -> None:
    detector = FaceDetector(max_upsample=3)
    assert detector._upsample_levels(np.zeros((112, 92, 3), np.uint8)) == [0, 1, 2, 3]
    assert detector._upsample_levels(np.zeros((1000, 1000, 3), np.uint8)) == [0, 1]
    assert FaceDetector(max_upsample=0)._upsample_levels(np.zeros((50, 50, 3), np.uint8)) == [0]
