"""The structure of dlib's face-recognition ResNet, which its model file does not record.

Why it is written out here: dlib's ``.dat`` file holds the layers' parameters but not the
wiring (tags, skips, which tag each ``add_prev`` adds; see `dlib_network`). dlib supplies
that from the C++ type ``anet_type`` in ``examples/dnn_face_recognition_ex.cpp``; this
module transcribes that type, outermost layer first, so the converter can check the file
against it layer by layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from facedocket.faces.dlib_network import Wrapper

EMBEDDING_SIZE = 128


@dataclass(frozen=True)
class Step:
    wrapper: Wrapper
    kind: str = ""  # for layers: con, affine, relu, max_pool, avg_pool, add_prev, fc
    args: tuple[int, ...] = ()  # con: filters, size, stride; pool: size, stride; tag id; outputs


def layer(kind: str, *args: int) -> Step:
    return Step(Wrapper.LAYER, kind, args)


def _block(filters: int, stride: int) -> list[Step]:
    # block = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>, BN = affine
    return [
        layer("affine"),
        layer("con", filters, 3, 1),
        layer("relu"),
        layer("affine"),
        layer("con", filters, 3, stride),
    ]


def _ares(filters: int) -> list[Step]:
    # relu<add_prev1<block<N,affine,1,tag1<SUBNET>>>>
    tag1 = Step(Wrapper.TAG, args=(1,))
    return [layer("relu"), layer("add_prev", 1), *_block(filters, 1), tag1]


def _ares_down(filters: int) -> list[Step]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUBNET>>>>>>>
    return [
        layer("relu"),
        layer("add_prev", 2),
        layer("avg_pool", 2, 2),
        Step(Wrapper.SKIP, args=(1,)),
        Step(Wrapper.TAG, args=(2,)),
        *_block(filters, 2),
        Step(Wrapper.TAG, args=(1,)),
    ]


# anet_type, outermost first, ending on the layer that sits on input_rgb_image_sized<150>.
ANET: tuple[Step, ...] = (
    layer("fc", EMBEDDING_SIZE),
    layer("avg_pool", 0, 1),
    *_ares_down(256),  # alevel0
    *_ares(256), *_ares(256), *_ares_down(256),  # alevel1
    *_ares(128), *_ares(128), *_ares_down(128),  # alevel2
    *_ares(64), *_ares(64), *_ares(64), *_ares_down(64),  # alevel3
    *_ares(32), *_ares(32), *_ares(32),  # alevel4
    layer("max_pool", 3, 2),
    layer("relu"),
    layer("affine"),
    layer("con", 32, 7, 2),
)  # fmt: skip


def default_padding(window: int, stride: int) -> int:
    # dlib's template default for con_/max_pool_/avg_pool_, which its deserialiser enforces.
    return 0 if stride != 1 else window // 2
