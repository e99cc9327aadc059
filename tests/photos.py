"""Real photos from the development set, read at run time and never stored in the repo."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def lfw(faces: Path, name: str, number: int = 1) -> Path:
    return faces / "lfw" / name / f"{name}_{number:04d}.jpg"


def side_by_side(*paths: Path) -> bytes:
    """One JPEG holding the given photos next to each other: a probe with several faces."""
    images = [Image.open(path).convert("RGB") for path in paths]
    canvas = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)))
    left = 0
    for image in images:
        canvas.paste(image, (left, 0))
        left += image.width
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def blank(width: int = 300, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(buffer, "JPEG")
    return buffer.getvalue()
