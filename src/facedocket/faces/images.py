"""Turning untrusted bytes into an RGB pixel array, or a precise refusal.

Photos come from officers' phones, scanners and old databases. Everything is checked before
pixels are decoded: size in bytes, format, pixel count (a decompression bomb is refused from
its header alone), and a truncated file is an error rather than a half-grey face.

A face needs far fewer pixels than a modern camera takes, so a photo is decoded at a bounded
working size: a JPEG straight at 1/2, 1/4 or 1/8 scale (the decoder's DCT scaling, which
never builds the full-size image) to a longer side between half the bound and the bound,
anything else scaled down to the bound after decoding. Every photo whose longer side is
within the bound decodes exactly as before. Decodes also wait for one
of a bounded number of slots, so a burst of large uploads cannot multiply peak memory.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from facedocket.faces.errors import FaceCode, ImageError

if TYPE_CHECKING:
    from facedocket.settings import Settings

RGBImage = NDArray[np.uint8]

# Formats a camera, scanner or records system produces; anything else is refused, which
# also keeps Pillow's rarer (and historically less hardened) decoders out of reach.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "MPO"})
# Formats whose decoder can skip pixels (DCT scaling) instead of decoding them all.
DRAFT_FORMATS = frozenset({"JPEG", "MPO"})
MIN_SIDE = 32


@dataclass(frozen=True)
class DecodeLimits:
    """What a decode may cost: bytes and pixels read, the working size, decodes at once."""

    max_bytes: int
    max_pixels: int
    max_side: int
    max_concurrent: int

    @classmethod
    def of(cls, settings: Settings) -> DecodeLimits:
        return cls(
            max_bytes=settings.max_image_bytes,
            max_pixels=settings.max_image_pixels,
            max_side=settings.max_image_side,
            max_concurrent=settings.max_concurrent_decodes,
        )


@cache
def _decode_slots(count: int) -> threading.BoundedSemaphore:
    """One semaphore per bound, shared by every decode of this process."""
    return threading.BoundedSemaphore(count)


def decode_image(data: bytes, limits: DecodeLimits) -> RGBImage:
    """Decode ``data`` into an HxWx3 uint8 RGB array, upright per its EXIF orientation.

    The longer side of the result is at most ``limits.max_side`` (and, for a larger JPEG,
    at least half of it).
    """
    image = _opened(data, limits)
    with _decode_slots(limits.max_concurrent):
        return _pixels(image, limits.max_side)


def _opened(data: bytes, limits: DecodeLimits) -> Image.Image:
    """The image with its header checked; no pixel is decoded yet."""
    if not data:
        raise ImageError(FaceCode.EMPTY_FILE, "the file is empty")
    if len(data) > limits.max_bytes:
        raise ImageError(
            FaceCode.FILE_TOO_LARGE,
            f"the file is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes",
        )
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(
            FaceCode.NOT_AN_IMAGE, "the file is not an image in a known format"
        ) from None
    except Image.DecompressionBombError:
        # Pillow refuses absurd headers itself, before our own (lower) limit is checked.
        raise ImageError(
            FaceCode.TOO_MANY_PIXELS,
            "the image header claims a decompression-bomb size; "
            f"the limit is {limits.max_pixels:,} pixels",
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(
            FaceCode.CORRUPT_IMAGE, f"the image header is truncated or corrupt ({error})"
        ) from None
    if image.format not in ALLOWED_FORMATS:
        raise ImageError(
            FaceCode.UNSUPPORTED_FORMAT, f"image format {image.format} is not accepted"
        )
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageError(
            FaceCode.TOO_MANY_PIXELS,
            f"the image is {width}x{height} pixels; the limit is {limits.max_pixels:,} pixels",
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            FaceCode.IMAGE_TOO_SMALL,
            f"the image is {width}x{height} pixels; a side must be at least {MIN_SIDE}",
        )
    return image


def _pixels(image: Image.Image, max_side: int) -> RGBImage:
    bound = (max_side, max_side)
    try:
        with warnings.catch_warnings():
            # Pillow warns rather than fails on some bombs; make every warning an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format in DRAFT_FORMATS and max(image.size) > max_side:
                # DCT scaling halves a side at a time and Pillow picks the largest halving
                # that keeps the size asked for; asking for half the bound lets a photo just
                # over it (7360 for 4096) decode at 1/2 instead of in full.
                half = max_side / 2 / max(image.size)
                image.draft("RGB", (round(image.width * half), round(image.height * half)))
            image.load()
            if max(image.size) > max_side:
                image.thumbnail(bound, Image.Resampling.LANCZOS)
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
        raise ImageError(
            FaceCode.CORRUPT_IMAGE, f"the image data is truncated or corrupt ({error})"
        ) from None
    return np.asarray(rgb, dtype=np.uint8)
