"""Errors of the face engine, each with a stable code a caller can act on.

The code is for programs (an enrolment report, an API response); the message is for people
and says exactly what was wrong with which input.
"""

from __future__ import annotations

from enum import StrEnum


class FaceCode(StrEnum):
    """Every code the face engine gives (the API answers each as a refusal code)."""

    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT_IMAGE = "corrupt_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    IMAGE_TOO_SMALL = "image_too_small"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    AMBIGUOUS_FACES = "ambiguous_faces"
    BAD_FACE_CHOICE = "bad_face_choice"


class FaceError(ValueError):
    """Input the face engine refuses; nothing has been written when this is raised."""

    def __init__(self, code: FaceCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ImageError(FaceError):
    """The bytes are not a usable photo (empty, corrupt, truncated, too large)."""


class NoFaceError(FaceError):
    """The photo decodes, but no face was found in it."""

    def __init__(self, message: str = "no face was found in the photo") -> None:
        super().__init__(FaceCode.NO_FACE, message)


class FaceChoiceError(FaceError):
    """The photo holds several faces and the caller did not say which one to use."""

    def __init__(self, count: int) -> None:
        super().__init__(
            FaceCode.SEVERAL_FACES,
            f"the photo holds {count} faces; choose one by its index (0 to {count - 1})",
        )
        self.count = count
