"""Errors of the face engine, each with a stable code a caller can act on.

The code is for programs (an enrolment report, an API response); the message is for people
and says exactly what was wrong with which input.
"""

from __future__ import annotations


class FaceError(ValueError):
    """Input the face engine refuses; nothing has been written when this is raised."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ImageError(FaceError):
    """The bytes are not a usable photo (empty, corrupt, truncated, too large)."""


class NoFaceError(FaceError):
    """The photo decodes, but no face was found in it."""

    def __init__(self, message: str = "no face was found in the photo") -> None:
        super().__init__("no_face", message)


class FaceChoiceError(FaceError):
    """The photo holds several faces and the caller did not say which one to use."""

    def __init__(self, count: int) -> None:
        super().__init__(
            "several_faces",
            f"the photo holds {count} faces; choose one by its index (0 to {count - 1})",
        )
        self.count = count
