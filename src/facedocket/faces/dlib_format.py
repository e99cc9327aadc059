"""A reader for the primitives of dlib's binary serialisation, written from dlib's source.

Why our own reader: embeddings run on ONNX Runtime, so the weights must leave dlib's
``.dat`` file without dlib in the loop, and a damaged file must be refused, never turned
into a quietly different model. Every error is a `ModelFileError` naming the byte offset.

Format facts relied on (dlib/serialize.h, dlib/float_details.h, dlib/dnn/tensor.h):

* integers: a control byte (low 4 bits: byte count, 0x80: negative), then the magnitude
  in that many little-endian bytes;
* floating point: mantissa then exponent, both integers, value = mantissa * 2**exponent;
  exponents 32000, 32001 and 32002 stand for +inf, -inf and NaN;
* bool: ASCII ``1`` or ``0``; strings: length, then the bytes;
* tensors: version 2, then num_samples, k, nr, nc, then raw little-endian float32;
  alias tensors (shapes only): version 1, then the four dimensions.

The layer records and the network built from them are in `dlib_network`.
"""

from __future__ import annotations

import math
from typing import NoReturn

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Shape4 = tuple[int, int, int, int]

# float_details' reserved exponents (dlib/float_details.h).
_EXP_INF, _EXP_NINF, _EXP_NAN = 32000, 32001, 32002


class ModelFileError(ValueError):
    """The file is not the dlib model this code reads, or it is damaged or truncated."""


class Reader:
    """Reads dlib primitives in sequence; each error names the source and byte offset."""

    def __init__(self, data: bytes, source: str = "<bytes>") -> None:
        self._data = data
        self._pos = 0
        self.source = source

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def fail(self, message: str) -> NoReturn:
        raise ModelFileError(f"{self.source}: at byte {self._pos}: {message}")

    def _take(self, count: int, what: str) -> bytes:
        if count > self.remaining:
            self.fail(
                f"file ends inside {what}: {count} bytes needed, {self.remaining} left"
                " (truncated file?)"
            )
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def read_int(self, what: str, max_bytes: int = 8) -> int:
        """A signed integer; ``max_bytes`` is the C++ type's size, as dlib enforces."""
        control = self._take(1, what)[0]
        size = control & 0x0F
        # dlib never writes the 0x70 bits; seeing them means we are not at an integer.
        if control & 0x70 or size > max_bytes:
            self._pos -= 1
            self.fail(f"byte 0x{control:02x} cannot start an integer ({what})")
        magnitude = int.from_bytes(self._take(size, what), "little")
        return -magnitude if control & 0x80 else magnitude

    def read_uint(self, what: str, max_bytes: int = 8) -> int:
        value = self.read_int(what, max_bytes)
        if value < 0:
            self.fail(f"negative value {value} for unsigned {what}")
        return value

    def read_float(self, what: str) -> float:
        if self.remaining and self._data[self._pos] & 0x70:
            self.fail(f"{what} is not in dlib's binary float format (old ASCII format?)")
        mantissa = self.read_int(what, max_bytes=8)
        exponent = self.read_int(what, max_bytes=2)
        if exponent == _EXP_INF:
            return math.inf
        if exponent == _EXP_NINF:
            return -math.inf
        if exponent >= _EXP_NAN:
            return math.nan
        try:
            return math.ldexp(float(mantissa), exponent)
        except OverflowError:
            self.fail(f"{what} overflows: {mantissa} * 2**{exponent}")

    def read_bool(self, what: str) -> bool:
        byte = self._take(1, what)
        if byte not in (b"0", b"1"):
            self._pos -= 1
            self.fail(f"expected bool '0' or '1' for {what}, found {byte!r}")
        return byte == b"1"

    def read_string(self, what: str, max_length: int = 256) -> str:
        length = self.read_uint(what)
        if length > max_length:
            self.fail(f"implausible length {length} for {what}")
        raw = self._take(length, what)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            self.fail(f"{what} is not ASCII: {raw!r}")

    def _dims(self, what: str) -> Shape4:
        dims = tuple(self.read_int(f"{what} dimension") for _ in range(4))
        if min(dims) < 0:
            self.fail(f"negative dimension in {what}: {dims}")
        return (dims[0], dims[1], dims[2], dims[3])

    def read_tensor(self, what: str) -> Floats:
        """A dlib tensor as an array of shape (num_samples, k, nr, nc)."""
        version = self.read_int(f"{what} version")
        if version != 2:
            self.fail(f"unsupported tensor version {version} for {what} (expected 2)")
        dims = self._dims(what)
        count = dims[0] * dims[1] * dims[2] * dims[3]
        raw = self._take(4 * count, f"{what} data ({count} floats)")
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(dims)

    def read_alias_tensor(self, what: str) -> Shape4:
        version = self.read_int(f"{what} version")
        if version != 1:
            self.fail(f"unsupported alias_tensor version {version} for {what} (expected 1)")
        return self._dims(what)
