"""The sheet's words for a face's quality, and the close-up around a face box."""

from __future__ import annotations

from facedocket.cases.sheet import Box, quality_words

GOOD = {"eye_distance": 62.4, "blur": 310.0, "roll": -3.2, "yaw": 0.04, "detector_score": 0.99}


def test_a_good_face_reads_as_such() -> None:
    assert quality_words(GOOD, floor=30) == [
        "enough detail (62 pixels between the eyes)",
        "sharp (sharpness 310)",
        "head level (3°)",
        "facing the camera (turn 0.04)",
    ]


def test_a_poor_face_says_what_is_wrong_against_the_policy() -> None:
    poor = GOOD | {"eye_distance": 18.0, "blur": 12.5, "roll": 31.0, "yaw": -0.4}
    words = quality_words(poor, floor=30)
    assert words[0] == "small: under the policy's 30 pixels (18 pixels between the eyes)"
    assert words[1].startswith("may be blurred")
    assert words[2].startswith("head strongly tilted (31°)")
    assert words[3].startswith("turned away")
    assert quality_words(GOOD | {"roll": 12.0, "yaw": 0.2}, floor=30)[2:] == [
        "head tilted (12°)",
        "turned slightly (turn 0.20)",
    ]


def test_an_unmeasured_face_says_so() -> None:
    assert quality_words({}, floor=30) == ["quality not measured"]


def test_a_close_up_is_square_around_the_face_with_a_margin() -> None:
    box = Box(left=100, top=50, right=200, bottom=180, width=640, height=480)
    assert box.around() == (46, 11, 208, 208)
    assert box.around(margin=0) == (85, 50, 130, 130)
