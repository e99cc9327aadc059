"""Turning untrusted bytes into an RGB pixel array, or a precise refusal.

Photos come from officers' phones, scanners and old databases. Everything is checked before
pixels are decoded: size in bytes, format, pixel count (a decompression bomb is refused from
its header alone), and a truncated file is an error rather than a half-grey face.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from facedocket.faces.errors import ImageError

RGBImage = NDArray[np.uint8]

# Formats a camera, scanner or records system produces; anything else is refused, which
# also keeps Pillow's rarer (and historically less hardened) decoders out of reach.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "MPO"})
MIN_SIDE = 32


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int) -> RGBImage:
    """Decode ``data`` into an HxWx3 uint8 RGB array, upright per its EXIF orientation."""
    if not data:
        raise ImageError("empty_file", "the file is empty")
    if len(data) > max_bytes:
        raise ImageError(
            "file_too_large",
            f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes",
        )
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError("not_an_image", "the file is not an image in a known format") from None
    except Image.DecompressionBombError:
        # Pillow refuses absurd headers itself, before our own (lower) limit is checked.
        raise ImageError(
            "too_many_pixels",
            "the image header claims a decompression-bomb size; "
            f"the limit is {max_pixels:,} pixels",
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(
            "corrupt_image", f"the image header is truncated or corrupt ({error})"
        ) from None
    if image.format not in ALLOWED_FORMATS:
        raise ImageError("unsupported_format", f"image format {image.format} is not accepted")
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels",
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            "image_too_small",
            f"the image is {width}x{height} pixels; a side must be at least {MIN_SIDE}",
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns rather than fails on some bombs; make every warning an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
        raise ImageError(
            "corrupt_image", f"the image data is truncated or corrupt ({error})"
        ) from None
    return np.asarray(rgb, dtype=np.uint8)
