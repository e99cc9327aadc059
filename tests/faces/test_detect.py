"""Which face of a portrait is enrolled: the dominant one, or none when it is ambiguous."""

from __future__ import annotations

import numpy as np

from facedocket.faces.detect import Box, Detection, FaceDetector, dominant_face


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


def test_no_faces() -> None:
    assert dominant_face([], 100, 100) is None


def test_small_photos_may_be_upsampled_within_budget() -> None:
    detector = FaceDetector(max_upsample=3)
    assert detector._upsample_levels(np.zeros((112, 92, 3), np.uint8)) == [0, 1, 2, 3]
    assert detector._upsample_levels(np.zeros((1000, 1000, 3), np.uint8)) == [0, 1]
    assert FaceDetector(max_upsample=0)._upsample_levels(np.zeros((50, 50, 3), np.uint8)) == [0]
