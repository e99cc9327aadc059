"""Hostile and broken photos are refused with a precise code, before any pixel is trusted."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from facedocket.faces.errors import ImageError
from facedocket.faces.images import DecodeLimits, decode_image

LIMITS = DecodeLimits(max_bytes=5_000_000, max_pixels=20_000_000, max_side=4096, max_concurrent=2)


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for a huge image with almost no data: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageError) as caught:
        decode_image(data, replace(LIMITS, **limits))
    return caught.value.code


def test_decodes_colour_and_grey_to_rgb() -> None:
    colour = decode_image(encode(Image.new("RGB", (64, 48), (200, 10, 20))), LIMITS)
    grey = decode_image(encode(Image.new("L", (64, 48), 90), "PNG"), LIMITS)
    assert colour.shape == (48, 64, 3) and colour.dtype == np.uint8
    assert grey.shape == (48, 64, 3)
    assert np.all(grey == 90)


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (80, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    upright = decode_image(encode(image, exif=exif), LIMITS)
    assert upright.shape == (80, 40, 3)


def test_empty_file() -> None:
    assert refusal(b"") == "empty_file"


def test_text_is_not_an_image() -> None:
    assert refusal(b"%PDF-1.4 this is not a photo" * 10) == "not_an_image"


def test_file_over_the_byte_limit() -> None:
    data = encode(Image.new("RGB", (300, 300)))
    assert refusal(data, max_bytes=len(data) - 1) == "file_too_large"


def test_decompression_bomb_refused_from_header() -> None:
    assert refusal(png_claiming(60_000, 60_000)) == "too_many_pixels"
    assert refusal(png_claiming(5_000, 5_000)) == "too_many_pixels"


def test_truncated_jpeg(faces: Path) -> None:
    data = (faces / "lfw" / "Aaron_Peirsol" / "Aaron_Peirsol_0001.jpg").read_bytes()
    assert refusal(data[: len(data) // 2]) == "corrupt_image"


def test_corrupt_body_after_valid_header() -> None:
    data = bytearray(encode(Image.new("RGB", (200, 200), (1, 2, 3)), "PNG"))
    data[60:] = b"\xff" * (len(data) - 60)
    assert refusal(bytes(data)) == "corrupt_image"


def test_tiny_image() -> None:
    assert refusal(encode(Image.new("RGB", (20, 20)))) == "image_too_small"


def test_unsupported_format() -> None:
    assert refusal(encode(Image.new("RGB", (64, 64)), "ICO")) == "unsupported_format"


def test_messages_say_what_is_wrong() -> None:
    with pytest.raises(ImageError, match=r"5000x5000 pixels; the limit is 20,000,000"):
        decode_image(png_claiming(5_000, 5_000), LIMITS)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_decode_or_refuse_with_a_code(data: bytes) -> None:
    try:
        decode_image(data, LIMITS)
    except ImageError as error:
        refused = error
    else:
        return
    assert refused.code
    assert refused.message


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=64))
def test_damaged_jpeg_never_escapes_as_another_error(offset: int, junk: bytes) -> None:
    data = bytearray(encode(Image.new("RGB", (120, 90), (40, 90, 200))))
    position = offset % len(data)
    data[position : position + len(junk)] = junk
    try:
        decode_image(bytes(data), LIMITS)
    except ImageError as error:
        refused = error
    else:
        return
    assert refused.code in {
        "corrupt_image",
        "not_an_image",
        "unsupported_format",
        "image_too_small",
        "too_many_pixels",
    }


def test_a_large_jpeg_is_decoded_at_the_working_size() -> None:
    data = encode(Image.new("RGB", (5400, 3600), (30, 140, 90)))
    pixels = decode_image(data, replace(LIMITS, max_side=2048))
    assert pixels.shape == (900, 1350, 3)  # decoded at 1/4: between half the bound and it
    assert np.abs(pixels.astype(int) - (30, 140, 90)).max() <= 2
    just_over = decode_image(data, replace(LIMITS, max_side=5000))
    assert just_over.shape == (1800, 2700, 3)  # at 1/2, never in full


def test_a_large_jpeg_never_builds_its_full_size_image(monkeypatch: pytest.MonkeyPatch) -> None:
    data = encode(Image.new("RGB", (4400, 2900), (30, 140, 90)))
    sizes = []
    load = Image.Image.load

    def measured_load(image: Image.Image) -> object:
        loaded = load(image)
        sizes.append(image.size)
        return loaded

    monkeypatch.setattr(Image.Image, "load", measured_load)
    decode_image(data, replace(LIMITS, max_side=4096))
    assert sizes and max(max(size) for size in sizes) == 2200


def test_a_large_png_is_scaled_to_the_working_size() -> None:
    data = encode(Image.new("L", (3000, 1000), 77), "PNG")
    assert decode_image(data, replace(LIMITS, max_side=1024)).shape == (341, 1024, 3)


def test_the_bound_applies_to_the_upright_photo() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned: 3000 wide becomes 3000 high
    data = encode(Image.new("RGB", (3000, 1500)), exif=exif)
    assert decode_image(data, replace(LIMITS, max_side=1000)).shape == (750, 375, 3)
    png = encode(Image.new("RGB", (3000, 1500)), "PNG", exif=exif)
    assert decode_image(png, replace(LIMITS, max_side=1000)).shape == (1000, 500, 3)


def test_photos_within_the_bound_decode_exactly_as_before(faces: Path) -> None:
    photos = [
        next(iter(sorted((faces / dataset).glob("*/*")))) for dataset in ("lfw", "yale", "orl")
    ]
    for photo in photos:
        data = photo.read_bytes()
        bounded = decode_image(data, LIMITS)
        unbounded = decode_image(data, replace(LIMITS, max_side=100_000))
        reference = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        assert np.array_equal(bounded, unbounded) and np.array_equal(bounded, reference)


def test_concurrent_decodes_wait_for_a_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    load = Image.Image.load

    def slow_load(image: Image.Image) -> object:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return load(image)

    monkeypatch.setattr(Image.Image, "load", slow_load)
    data = encode(Image.new("RGB", (64, 64)))
    limits = replace(LIMITS, max_concurrent=2)
    with ThreadPoolExecutor(8) as pool:
        shapes = list(pool.map(lambda _: decode_image(data, limits).shape, range(8)))
    assert shapes == [(64, 64, 3)] * 8
    assert most == 2
