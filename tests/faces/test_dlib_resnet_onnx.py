"""The ONNX conversion of dlib's face ResNet must compute what dlib computes.

The decisive check runs dlib itself (``compute_face_descriptor`` on a 150x150 chip) and the
converted model on the same chips from real photos. Photos are read at run time from the
development set (``FACEDOCKET_FACES_DIR``); none is copied into the repository.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import dlib
import face_recognition_models
import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
import pytest
from PIL import Image

from facedocket.faces import dlib_resnet_onnx
from facedocket.faces.dlib_format import ModelFileError
from facedocket.faces.dlib_resnet_onnx import convert, load_or_convert

Chips = npt.NDArray[np.uint8]  # (N, 150, 150, 3) RGB
DAT = Path(face_recognition_models.face_recognition_model_location())
LANDMARKS = Path(face_recognition_models.pose_predictor_five_point_model_location())
TOLERANCE = 1e-4  # max abs difference per embedding component
WANTED_CHIPS, WANTED_PEOPLE = 8, 4


def faces_dir() -> Path:
    """The development photo set: $FACEDOCKET_FACES_DIR, else ``shared/`` beside the checkout."""
    if "FACEDOCKET_FACES_DIR" in os.environ:
        return Path(os.environ["FACEDOCKET_FACES_DIR"])
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo.parent / "shared" / "data" / "faces", Path("/work/shared/data/faces")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


class _Chipper:
    """dlib's own detection, 5-point landmarks and 150x150 chip, as FaceDocket uses them."""

    def __init__(self) -> None:
        self._detect = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(LANDMARKS))

    def __call__(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
        found = self._detect(image, 1)
        if not found:
            return None
        shape = self._landmarks(image, found[0])
        chip: npt.NDArray[np.uint8] = dlib.get_face_chip(image, shape, size=150, padding=0.25)
        return chip


def _photos() -> Iterator[tuple[str, npt.NDArray[np.uint8]]]:
    """(person, RGB image) from the development set, or a photo a package ships."""
    lfw = faces_dir() / "lfw"
    if lfw.is_dir():
        people = [p for p in sorted(lfw.iterdir()) if len(list(p.glob("*.jpg"))) >= 2]
        for person in people[:12]:
            for path in sorted(person.glob("*.jpg"))[:2]:
                with Image.open(path) as img:
                    yield person.name, np.asarray(img.convert("RGB"))
        return
    try:  # scikit-image ships a portrait; used only where the data set is absent
        data = importlib.import_module("skimage.data")
    except ImportError:
        return
    yield "astronaut", np.asarray(data.astronaut(), dtype=np.uint8)


@pytest.fixture(scope="module")
def face_chips() -> Chips:
    chips: list[npt.NDArray[np.uint8]] = []
    people: set[str] = set()
    chipper = _Chipper()
    for person, image in _photos():
        chip = chipper(image)
        if chip is not None:
            chips.append(chip)
            people.add(person)
        if len(chips) >= WANTED_CHIPS and len(people) >= WANTED_PEOPLE:
            break
    if not chips:
        pytest.skip(
            f"no face photos: {faces_dir()} has no lfw/ folder (set FACEDOCKET_FACES_DIR)"
            " and no installed package ships a usable portrait"
        )
    return np.stack(chips)


@pytest.fixture(scope="module")
def model() -> onnx.ModelProto:
    return convert(DAT)


@pytest.fixture(scope="module")
def session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def _onnx(session: ort.InferenceSession, chips: Chips) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = session.run(None, {"chips": chips.astype(np.float32)})[0]
    return out


def _dlib(chips: Chips) -> npt.NDArray[np.float64]:
    net = dlib.face_recognition_model_v1(str(DAT))
    return np.array([np.array(net.compute_face_descriptor(chip)) for chip in chips])


@pytest.mark.slow
def test_matches_dlib_on_real_faces(session: ort.InferenceSession, face_chips: Chips) -> None:
    expected = _dlib(face_chips)
    got = _onnx(session, face_chips)
    worst = float(np.abs(got - expected).max())
    assert worst <= TOLERANCE, f"max abs difference {worst:.3g} over {len(face_chips)} faces"
    # Raw descriptors are about unit length; a mix-up in scaling would show here first.
    assert np.allclose(np.linalg.norm(got, axis=1), np.linalg.norm(expected, axis=1), atol=1e-4)


def test_matches_dlib_on_synthetic_chips(session: ort.InferenceSession) -> None:
    # Runs without the photo set: noise and hard edges exercise every pixel and channel.
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, size=(2, 150, 150, 3), dtype=np.uint8)
    ramp = np.broadcast_to(np.arange(150, dtype=np.uint8)[None, :, None], (150, 150, 3))
    flat = np.zeros((150, 150, 3), np.uint8)
    flat[:, :, 0] = 255  # a pure red chip tells the channel order apart
    chips = np.concatenate([noise, ramp[None].copy(), flat[None]])
    worst = float(np.abs(_onnx(session, chips) - _dlib(chips)).max())
    assert worst <= TOLERANCE, f"max abs difference {worst:.3g}"


def test_batch_equals_single_runs(session: ort.InferenceSession) -> None:
    chips = np.random.default_rng(3).integers(0, 256, size=(5, 150, 150, 3), dtype=np.uint8)
    batch = _onnx(session, chips)
    singles = np.concatenate([_onnx(session, chips[i : i + 1]) for i in range(len(chips))])
    assert batch.shape == (5, 128)
    np.testing.assert_allclose(batch, singles, rtol=0, atol=1e-6)


def test_model_is_valid_onnx_with_documented_io(model: onnx.ModelProto) -> None:
    onnx.checker.check_model(model, full_check=True)
    (chips,) = model.graph.input
    (embedding,) = model.graph.output
    dims = [d.dim_param or d.dim_value for d in chips.type.tensor_type.shape.dim]
    assert (chips.name, chips.type.tensor_type.elem_type, dims) == (
        "chips",
        onnx.TensorProto.FLOAT,
        ["N", 150, 150, 3],
    )
    dims = [d.dim_param or d.dim_value for d in embedding.type.tensor_type.shape.dim]
    assert (embedding.name, dims) == ("embedding", ["N", 128])
    props = {p.key: p.value for p in model.metadata_props}
    assert props["source_sha256"] == hashlib.sha256(DAT.read_bytes()).hexdigest()


def test_cache_reuses_the_file_keyed_by_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_or_convert(DAT, tmp_path / "cache")
    assert hashlib.sha256(DAT.read_bytes()).hexdigest() in first.name
    assert sorted(p.name for p in first.parent.iterdir()) == [first.name]  # no temp files

    def no_conversion(*_: object) -> None:
        raise AssertionError("converted again although the cache holds the model")

    monkeypatch.setattr(dlib_resnet_onnx, "_convert_bytes", no_conversion)
    assert load_or_convert(DAT, tmp_path / "cache") == first


def _first_conv_weights(data: bytes | bytearray) -> int:
    """Offset of the first float32 weight of the first convolution in the model file."""
    name = data.index(b"\x05con_4") + 6
    # params tensor header: version 2, then dims 4736 (32 filters x 3x7x7 + 32 biases), 1, 1, 1
    header = b"\x01\x02" + b"\x02\x80\x12" + b"\x01\x01" * 3
    assert data[name : name + len(header)] == header
    return name + len(header)


def test_a_changed_model_file_gets_its_own_cache_entry(tmp_path: Path) -> None:
    data = bytearray(DAT.read_bytes())
    data[_first_conv_weights(data)] ^= 1  # lowest mantissa bit: valid model, new checksum
    changed = tmp_path / "changed.dat"
    changed.write_bytes(bytes(data))
    original = load_or_convert(DAT, tmp_path / "cache")
    other = load_or_convert(changed, tmp_path / "cache")
    assert other != original
    assert other.read_bytes() != original.read_bytes()


def test_a_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        load_or_convert(DAT, tmp_path)
    assert list(tmp_path.iterdir()) == []


def _corrupt(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "model.dat"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("keep", [0, 1, 40, 5_000, 11_000_000, -1])
def test_truncated_file_is_refused(tmp_path: Path, keep: int) -> None:
    data = DAT.read_bytes()
    path = _corrupt(tmp_path, data[:keep] if keep >= 0 else data[:-1])
    with pytest.raises(ModelFileError, match=r"file ends inside .*truncated file\?"):
        convert(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"\x05con_4", b"\x05con_9", r"unknown layer type 'con_9'"),
        (b"\x0dloss_metric_2", b"\x0dloss_metric_9", r"expected loss layer 'loss_metric_2'"),
        (b"\x07affine_", b"\x07relu___", r"unknown layer type 'relu___'"),
    ],
)
def test_damaged_record_is_refused(tmp_path: Path, old: bytes, new: bytes, message: str) -> None:
    data = DAT.read_bytes()
    assert old in data
    with pytest.raises(ModelFileError, match=message):
        convert(_corrupt(tmp_path, data.replace(old, new, 1)))


def test_non_finite_weight_is_refused(tmp_path: Path) -> None:
    data = bytearray(DAT.read_bytes())
    start = _first_conv_weights(data)
    data[start : start + 4] = np.array([np.nan], "<f4").tobytes()
    with pytest.raises(ModelFileError, match="non-finite values"):
        convert(_corrupt(tmp_path, bytes(data)))


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="1 unexpected bytes after the end"):
        convert(_corrupt(tmp_path, DAT.read_bytes() + b"\0"))


def test_other_dlib_model_is_refused() -> None:
    # A genuine dlib file of another kind must not be mistaken for the face ResNet.
    with pytest.raises(ModelFileError, match=LANDMARKS.name):
        convert(LANDMARKS)


def test_model_file_error_is_a_value_error() -> None:
    assert issubclass(ModelFileError, ValueError)
