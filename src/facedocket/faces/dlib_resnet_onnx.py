"""Convert dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) to ONNX.

Why: dlib computes one embedding in about 110 ms on a CPU without BLAS; ONNX Runtime runs
the same network in a few milliseconds. The weights are read with numpy (`dlib_network`),
so the result does not depend on dlib, and the conversion is cached by the checksum of the
``.dat`` file, so it runs once per model file.

The file does not record the network's wiring, so `dlib_resnet_arch` transcribes it from
dlib's example code; the file must match it layer by layer (types, filter counts, kernel
sizes, strides, paddings), or conversion fails with `ModelFileError`.

dlib semantics reproduced (dlib/dnn/{input,layers,cpu_dlib}.h/.cpp):

* input: each channel is ``(pixel - mean) / 256`` in float32, planes in R, G, B order;
* ``con_``: cross-correlation with OIHW filters and the zero padding stored in the file;
  the following ``affine_`` (inference-time batch norm) is folded into its weights;
* pools: output size ``1 + (in + 2*pad - window) // stride``; averages exclude padding;
  a window of 0 means the whole input (``avg_pool_everything``);
* ``add_prev_``: the output takes the larger size in every dimension and the smaller
  operand counts as zero beyond its end. This is not hypothetical: in the last two stages
  a strided 3x3 convolution (8x8 -> 3x3, 4x4 -> 1x1) meets a 2x2 average-pooled shortcut
  (4x4, 2x2), so both channels and rows/columns are zero-padded, and the final global
  average runs over those zeros too;
* ``fc_``: ``input @ weights`` on the flattened (k, nr, nc) input, no bias here.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

from facedocket.faces import dlib_network as dn
from facedocket.faces.dlib_format import ModelFileError
from facedocket.faces.dlib_network import Wrapper
from facedocket.faces.dlib_resnet_arch import ANET, EMBEDDING_SIZE, Step, default_padding
from facedocket.faces.models import sha256_file
from facedocket.private_files import private_folder

INPUT_NAME = "chips"
OUTPUT_NAME = "embedding"
CHIP_SIZE = 150
OPSET = 17
# Bump when the generated graph changes, so cached conversions from older code are not reused.
CONVERTER_VERSION = 1


Shape = tuple[int, int, int]  # (channels, rows, columns) of one sample
_L = TypeVar("_L")


def _mismatch(index: int, step: Step, found: object, detail: str = "") -> ModelFileError:
    # Layers holding weights are named, not printed: their repr would run to megabytes.
    weighty = isinstance(found, dn.Conv | dn.Affine | dn.FullyConnected)
    shown = type(found).__name__ if weighty else repr(found)
    return ModelFileError(
        f"layer {index} should be {step.kind}{step.args} but the file holds {shown}"
        f"{': ' + detail if detail else ''}; this is not dlib's face recognition ResNet v1"
    )


def _expect(cls: type[_L], layer: object, index: int, step: Step) -> _L:
    if not isinstance(layer, cls):
        raise _mismatch(index, step, layer)
    return layer


def _out_size(size: int, window: int, stride: int, pad: int) -> int:
    # dlib's formula for convolutions and pools alike; equal to ONNX's floor mode.
    return 1 + (size + 2 * pad - window) // stride


class _Builder:
    """Emits ONNX nodes innermost layer first, tracking the current value and its shape."""

    def __init__(self, value: str, shape: Shape) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[TensorProto] = []
        self.value, self.shape = value, shape
        self._tags: dict[int, tuple[str, Shape]] = {}
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def const(self, prefix: str, array: npt.NDArray[Any]) -> str:
        name = self._name(prefix)
        self.weights.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        out = self._name(op_type.lower())
        node = helper.make_node(op_type, list(inputs), [out], name=out)
        node.attribute.extend(helper.make_attribute(k, v) for k, v in sorted(attrs.items()))
        self.nodes.append(node)
        return out

    def tag(self, tag_id: int) -> None:
        self._tags[tag_id] = (self.value, self.shape)

    def skip(self, tag_id: int) -> None:
        self.value, self.shape = self._tags[tag_id]

    def conv(self, index: int, step: Step, conv: dn.Conv, affine: dn.Affine | None) -> None:
        filters, size, stride = step.args
        pad = default_padding(size, stride)
        c, h, w = self.shape
        geometry = (
            conv.weights.shape,
            conv.stride_y,
            conv.stride_x,
            conv.padding_y,
            conv.padding_x,
        )
        if geometry != ((filters, c, size, size), stride, stride, pad, pad):
            raise _mismatch(index, step, geometry, "filter shape, stride or padding differs")
        # Folded in float64, rounded once: differs from dlib's two float32 steps in rounding only.
        weights = conv.weights.astype(np.float64)
        bias = conv.bias.astype(np.float64)
        if affine is not None:
            if affine.gamma.size != filters:
                raise _mismatch(index - 1, Step(Wrapper.LAYER, "affine"), affine.gamma.shape)
            weights *= affine.gamma.astype(np.float64)[:, None, None, None]
            bias = bias * affine.gamma + affine.beta
        self.value = self.op(
            "Conv",
            [self.value, self.const("w", weights.astype(np.float32)),
             self.const("b", bias.astype(np.float32))],
            kernel_shape=[size, size], strides=[stride, stride], pads=[pad] * 4,
        )  # fmt: skip
        self.shape = (filters, _out_size(h, size, stride, pad), _out_size(w, size, stride, pad))

    def pool(self, index: int, step: Step, pool: dn.Pool) -> None:
        size, stride = step.args
        pad = default_padding(size, stride)
        if pool != dn.Pool(step.kind[:3], size, size, stride, stride, pad, pad):
            raise _mismatch(index, step, pool)
        c, h, w = self.shape
        if size == 0:
            self.value, self.shape = self.op("GlobalAveragePool", [self.value]), (c, 1, 1)
            return
        geometry = {"kernel_shape": [size, size], "strides": [stride] * 2, "pads": [pad] * 4}
        if step.kind == "max_pool":
            self.value = self.op("MaxPool", [self.value], **geometry)
        else:
            # dlib averages over the window clipped to the input: padding is not counted.
            self.value = self.op("AveragePool", [self.value], count_include_pad=0, **geometry)
        self.shape = (c, _out_size(h, size, stride, pad), _out_size(w, size, stride, pad))

    def _zero_pad(self, value: str, shape: Shape, target: Shape) -> str:
        if shape == target:
            return value
        # ONNX pads are all begins then all ends (N, C, H, W); dlib's zeros come at the ends.
        ends = [0] + [t - s for s, t in zip(shape, target, strict=True)]
        pads = self.const("pads", np.array([0, 0, 0, 0, *ends], dtype=np.int64))
        return self.op("Pad", [value, pads], mode="constant")

    def add_prev(self, tag_id: int) -> None:
        other, other_shape = self._tags[tag_id]
        target = (
            max(self.shape[0], other_shape[0]),
            max(self.shape[1], other_shape[1]),
            max(self.shape[2], other_shape[2]),
        )
        self.value = self.op(
            "Add",
            [self._zero_pad(self.value, self.shape, target),
             self._zero_pad(other, other_shape, target)],
        )  # fmt: skip
        self.shape = target

    def fc(self, index: int, step: Step, fc: dn.FullyConnected) -> None:
        c, h, w = self.shape
        if fc.weights.shape != (c * h * w, step.args[0]):
            raise _mismatch(index, step, fc.weights.shape, "fc weight shape differs")
        flat = self.op("Flatten", [self.value], axis=1)
        self.value = self.op("MatMul", [flat, self.const("fc_w", fc.weights)])
        if fc.bias is not None:
            self.value = self.op("Add", [self.value, self.const("fc_b", fc.bias)])


def _build(net: dn.Network, b: _Builder) -> None:
    """Replay dlib's forward pass, from the layer on the input out to the fc layer."""
    steps = list(zip(ANET, net.layers, strict=True))
    i = len(steps) - 1
    while i >= 0:
        step, layer = steps[i]
        if step.wrapper is Wrapper.TAG:
            b.tag(step.args[0])
        elif step.wrapper is Wrapper.SKIP:
            b.skip(step.args[0])
        elif step.kind == "con":
            affine = None
            if i > 0 and steps[i - 1][0].kind == "affine":
                i -= 1
                affine = _expect(dn.Affine, steps[i][1], i, steps[i][0])
            b.conv(i, step, _expect(dn.Conv, layer, i, step), affine)
        elif step.kind == "relu":
            _expect(dn.Relu, layer, i, step)
            b.value = b.op("Relu", [b.value])
        elif step.kind in ("max_pool", "avg_pool"):
            b.pool(i, step, _expect(dn.Pool, layer, i, step))
        elif step.kind == "add_prev":
            _expect(dn.AddPrev, layer, i, step)
            b.add_prev(step.args[0])
        elif step.kind == "fc":
            b.fc(i, step, _expect(dn.FullyConnected, layer, i, step))
        else:
            raise _mismatch(i, step, layer, "no conversion for this layer kind")
        i -= 1


def _convert_bytes(data: bytes, source: str) -> onnx.ModelProto:
    net = dn.read_network(data, [step.wrapper for step in ANET], source)
    size = (net.input.nr, net.input.nc)
    if size != (CHIP_SIZE, CHIP_SIZE):
        raise ModelFileError(f"{source}: input layer expects {size} chips, not 150x150")
    mean = np.array([net.input.avg_red, net.input.avg_green, net.input.avg_blue], np.float32)
    b = _Builder(INPUT_NAME, (3, CHIP_SIZE, CHIP_SIZE))
    # Per-channel mean and 1/256 in float32: bit for bit dlib's input arithmetic. Done after
    # the transpose, where a (3, 1, 1) broadcast is far cheaper than a per-pixel one.
    planes = b.op("Transpose", [INPUT_NAME], perm=[0, 3, 1, 2])
    centred = b.op("Sub", [planes, b.const("mean", mean.reshape(3, 1, 1))])
    b.value = b.op("Mul", [centred, b.const("scale", np.array(1 / 256, np.float32))])
    _build(net, b)
    b.nodes.append(helper.make_node("Identity", [b.value], [OUTPUT_NAME], name=OUTPUT_NAME))
    chips = helper.make_tensor_value_info(
        INPUT_NAME, TensorProto.FLOAT, ["N", CHIP_SIZE, CHIP_SIZE, 3]
    )
    embedding = helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", EMBEDDING_SIZE])
    graph = helper.make_graph(
        b.nodes, "dlib_face_recognition_resnet_model_v1", [chips], [embedding], b.weights
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="facedocket",
        producer_version=str(CONVERTER_VERSION),
    )
    model.ir_version = 8  # what onnxruntime releases of the last years all load
    helper.set_model_props(model, {"source_sha256": hashlib.sha256(data).hexdigest()})
    onnx.checker.check_model(model, full_check=True)
    return model


def convert(dat_path: Path) -> onnx.ModelProto:
    """Build the ONNX model: input ``chips`` [N,150,150,3] float32 RGB 0..255 (HWC, as
    ``dlib.get_face_chip`` returns), output ``embedding`` [N,128], not normalised."""
    return _convert_bytes(Path(dat_path).read_bytes(), str(dat_path))


def _converted_path(cache_dir: Path, digest: str) -> Path:
    return Path(cache_dir) / f"dlib_resnet_v1-{digest}-c{CONVERTER_VERSION}.onnx"


def load_or_convert(dat_path: Path, cache_dir: Path) -> Path:
    """The cached ONNX file for ``dat_path``, converting on first use.

    Keyed by the SHA-256 of the model file (and the converter version), so a replaced model
    never reuses a stale conversion. Written to a temporary file and renamed, so a crash
    never leaves a partial model under the final name.
    """
    target = _converted_path(cache_dir, sha256_file(Path(dat_path)))
    if target.is_file():
        return target
    data = Path(dat_path).read_bytes()
    # The bytes converted name the file, even if the model was replaced a moment ago.
    target = _converted_path(cache_dir, hashlib.sha256(data).hexdigest())
    model = _convert_bytes(data, str(dat_path))
    private_folder(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".onnx")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(model.SerializeToString())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
