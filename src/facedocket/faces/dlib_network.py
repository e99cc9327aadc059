"""dlib DNN layer records and the nesting that holds them, read from a model file.

Why a declared structure: dlib's format carries no type information. dlib deserialises by
walking the C++ type of the network, and neither tag/skip layers nor the tag an
``add_prev`` refers to leave any trace beyond a version number. So the caller states the
network's wrapper structure (a `Wrapper` sequence, as the C++ type does for dlib), and
any disagreement with the file raises `ModelFileError`.

Record layouts follow the ``serialize`` functions in dlib/dnn/{core,layers,input,loss}.h.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from facedocket.faces.dlib_format import Floats, Reader

# dlib's layer_mode enum: affine layers after convolutions hold one gamma/beta per channel.
_CONV_MODE = 0
# dlib's fc_bias_mode enum.
_FC_HAS_BIAS, _FC_NO_BIAS = 0, 1


@dataclass(frozen=True)
class LossMetric:
    margin: float
    dist_thresh: float


@dataclass(frozen=True)
class InputRGBImageSized:
    avg_red: float
    avg_green: float
    avg_blue: float
    nr: int
    nc: int


@dataclass(frozen=True, eq=False)
class Conv:
    stride_y: int
    stride_x: int
    padding_y: int
    padding_x: int
    weights: Floats  # (num_filters, channels, nr, nc): dlib's filter layout is ONNX's OIHW
    bias: Floats  # (num_filters,)


@dataclass(frozen=True, eq=False)
class Affine:
    gamma: Floats  # (channels,)
    beta: Floats  # (channels,)


@dataclass(frozen=True)
class Relu:
    pass


@dataclass(frozen=True)
class Pool:
    kind: str  # "max" or "avg"
    nr: int  # 0 means "the whole input", as in avg_pool_everything
    nc: int
    stride_y: int
    stride_x: int
    padding_y: int
    padding_x: int


@dataclass(frozen=True)
class AddPrev:
    pass


@dataclass(frozen=True, eq=False)
class FullyConnected:
    weights: Floats  # (num_inputs, num_outputs): dlib computes input @ weights
    bias: Floats | None  # (num_outputs,), None for fc_no_bias


Layer = Conv | Affine | Relu | Pool | AddPrev | FullyConnected


class Wrapper(enum.Enum):
    """The kinds of nesting object in a network's type, outermost first."""

    LAYER = "add_layer"
    TAG = "add_tag_layer"
    SKIP = "add_skip_layer"


@dataclass(frozen=True, eq=False)
class Network:
    loss: LossMetric
    input: InputRGBImageSized
    layers: tuple[Layer | None, ...]  # aligned with the wrappers; None for tags and skips


def _finite(r: Reader, values: Floats, what: str) -> Floats:
    if not np.all(np.isfinite(values)):
        r.fail(f"{what} holds non-finite values (NaN or infinity)")
    return values


def _multipliers(r: Reader, what: str, count: int) -> None:
    # Training-only learning-rate and weight-decay factors: read to stay in step, unused.
    for _ in range(count):
        r.read_float(f"{what} multiplier")


def _read_conv(r: Reader, what: str) -> Conv:
    params = r.read_tensor(f"{what} params").reshape(-1)
    num_filters = r.read_int(f"{what} num_filters")
    nr, nc = r.read_int(f"{what} nr"), r.read_int(f"{what} nc")
    stride_y, stride_x = r.read_int(f"{what} stride_y", 4), r.read_int(f"{what} stride_x", 4)
    pad_y, pad_x = r.read_int(f"{what} padding_y", 4), r.read_int(f"{what} padding_x", 4)
    filters = r.read_alias_tensor(f"{what} filters")
    biases = r.read_alias_tensor(f"{what} biases")
    _multipliers(r, what, 4)
    if filters[0] != num_filters or filters[2:] != (nr, nc) or biases != (1, num_filters, 1, 1):
        r.fail(
            f"{what}: filter shape {filters} / bias shape {biases} contradict {num_filters}"
            f" filters of {nr}x{nc}"
        )
    size = math.prod(filters)
    if params.size != size + num_filters:
        r.fail(f"{what}: {params.size} parameters, expected {size} weights + {num_filters} biases")
    if min(stride_y, stride_x) < 1 or not (0 <= pad_y < nr and 0 <= pad_x < nc):
        r.fail(f"{what}: invalid stride ({stride_y}, {stride_x}) or padding ({pad_y}, {pad_x})")
    params = _finite(r, params, f"{what} params")
    return Conv(stride_y, stride_x, pad_y, pad_x, params[:size].reshape(filters), params[size:])


def _read_affine(r: Reader, what: str) -> Affine:
    params = r.read_tensor(f"{what} params").reshape(-1)
    gamma, beta = r.read_alias_tensor(f"{what} gamma"), r.read_alias_tensor(f"{what} beta")
    mode = r.read_int(f"{what} mode", 4)
    channels = gamma[1]
    if mode != _CONV_MODE or gamma != beta or gamma != (1, channels, 1, 1):
        r.fail(
            f"{what}: only per-channel (CONV_MODE) affine layers are supported, found mode"
            f" {mode} with gamma {gamma}, beta {beta}"
        )
    if params.size != 2 * channels:
        r.fail(f"{what}: {params.size} parameters, expected 2 x {channels}")
    params = _finite(r, params, f"{what} params")
    return Affine(params[:channels], params[channels:])


def _read_pool(r: Reader, what: str, kind: str) -> Pool:
    nr, nc = r.read_int(f"{what} nr"), r.read_int(f"{what} nc")
    stride_y, stride_x = r.read_int(f"{what} stride_y", 4), r.read_int(f"{what} stride_x", 4)
    pad_y, pad_x = r.read_int(f"{what} padding_y", 4), r.read_int(f"{what} padding_x", 4)
    if min(nr, nc, pad_y, pad_x) < 0 or min(stride_y, stride_x) < 1:
        r.fail(f"{what}: invalid window, stride or padding")
    return Pool(kind, nr, nc, stride_y, stride_x, pad_y, pad_x)


def _read_fc(r: Reader, what: str) -> FullyConnected:
    num_outputs, num_inputs = r.read_uint(f"{what} num_outputs"), r.read_uint(f"{what} num_inputs")
    params = r.read_tensor(f"{what} params").reshape(-1)
    weights = r.read_alias_tensor(f"{what} weights")
    r.read_alias_tensor(f"{what} biases")
    bias_mode = r.read_int(f"{what} bias_mode", 4)
    _multipliers(r, what, 4)
    if bias_mode not in (_FC_HAS_BIAS, _FC_NO_BIAS) or weights != (num_inputs, num_outputs, 1, 1):
        r.fail(
            f"{what}: bias mode {bias_mode}, weight shape {weights} for"
            f" {num_inputs} -> {num_outputs}"
        )
    size = num_inputs * num_outputs
    expected = size + (num_outputs if bias_mode == _FC_HAS_BIAS else 0)
    if params.size != expected:
        r.fail(f"{what}: {params.size} parameters, expected {expected}")
    params = _finite(r, params, f"{what} params")
    bias = params[size:] if bias_mode == _FC_HAS_BIAS else None
    return FullyConnected(params[:size].reshape(num_inputs, num_outputs), bias)


def read_layer(r: Reader, what: str) -> Layer:
    name = r.read_string(f"{what} type")
    what = f"{what} ({name})"
    if name == "con_4":
        return _read_conv(r, what)
    if name == "affine_":
        return _read_affine(r, what)
    if name == "relu_":
        return Relu()
    if name in ("max_pool_2", "avg_pool_2"):
        return _read_pool(r, what, name[:3])
    if name == "add_prev_":
        return AddPrev()
    if name == "fc_2":
        return _read_fc(r, what)
    r.fail(f"unsupported or unknown layer type {name!r} for {what}")


def _read_input(r: Reader) -> InputRGBImageSized:
    name = r.read_string("input layer type")
    if name != "input_rgb_image_sized":
        r.fail(f"expected input layer 'input_rgb_image_sized', found {name!r}")
    means = [r.read_float(f"input layer avg_{c}") for c in ("red", "green", "blue")]
    if not all(math.isfinite(m) for m in means):
        r.fail(f"input layer means are not finite: {means}")
    nr, nc = r.read_uint("input layer nr"), r.read_uint("input layer nc")
    return InputRGBImageSized(means[0], means[1], means[2], nr, nc)


def _read_loss(r: Reader) -> LossMetric:
    version = r.read_int("add_loss_layer version", 4)
    if version != 1:
        r.fail(f"not a dlib network: add_loss_layer version {version}, expected 1")
    name = r.read_string("loss layer type")
    if name != "loss_metric_2":
        r.fail(f"expected loss layer 'loss_metric_2', found {name!r}")
    return LossMetric(r.read_float("loss margin"), r.read_float("loss dist_thresh"))


def read_network(data: bytes, wrappers: Sequence[Wrapper], source: str = "<bytes>") -> Network:
    """Parse a ``loss_metric`` network whose nesting, outermost first, is ``wrappers``.

    dlib writes each wrapper's version on the way in, the input layer at the bottom, and
    each layer's record (plus training state we skip) on the way back out.
    """
    if not wrappers or wrappers[-1] is not Wrapper.LAYER:
        raise ValueError("the innermost wrapper must be a layer on top of the input")
    r = Reader(data, source)
    loss = _read_loss(r)
    versions: list[int] = []
    last = len(wrappers) - 1
    for i, wrapper in enumerate(wrappers):
        version = r.read_int(f"wrapper {i} ({wrapper.value}) version", 4)
        allowed = {Wrapper.TAG: (1,), Wrapper.SKIP: (1,)}.get(
            wrapper, (2, 3) if i == last else (1, 2)
        )
        if version not in allowed:
            r.fail(
                f"wrapper {i} should be {wrapper.value} (version {allowed}), found version"
                f" {version}: the file's network structure differs from the expected one"
            )
        versions.append(version)
    input_layer = _read_input(r)
    layers: list[Layer | None] = [None] * len(wrappers)
    for i in reversed(range(len(wrappers))):
        if wrappers[i] is not Wrapper.LAYER:
            continue
        what = f"layer {i}"
        layers[i] = read_layer(r, what)
        for flag in ("setup_called", "gradient_input_is_stale", "output_disabled"):
            r.read_bool(f"{what} {flag}")
        r.read_tensor(f"{what} x_grad")
        r.read_tensor(f"{what} cached_output")
        if i == last:
            r.read_tensor(f"{what} grad_final")
            if versions[i] >= 3:
                r.read_uint(f"{what} sample_expansion_factor", 4)
        elif versions[i] >= 2:
            r.read_tensor(f"{what} params_grad")
    if r.remaining:
        r.fail(f"{r.remaining} unexpected bytes after the end of the network")
    return Network(loss, input_layer, tuple(layers))
