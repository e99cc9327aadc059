"""The reference point: the popular ``face_recognition`` library with its own defaults.

It is installed at run time into a throwaway folder under ``bench/results/`` (never a
project dependency) and run exactly as its README shows: HOG detector upsampling once,
the 5-point landmarks, ``face_encodings`` with one jitter, Euclidean distance, tolerance
0.6. Every face of every photo is cached, so the choice of face is made at scoring time.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from common import RESULTS, parallel_map, sha256_text
from facedocket.faces.models import sha256_file

VENDOR = RESULTS / "_vendor"
VERSION = "1.3.0"
TOLERANCE = 0.6


def load_face_recognition() -> ModuleType:
    """Import face_recognition, installing it (without dependencies) on first use."""
    if str(VENDOR) not in sys.path:
        sys.path.insert(0, str(VENDOR))
    if not (VENDOR / "face_recognition" / "api.py").is_file():
        print(f"installing face_recognition=={VERSION} into {VENDOR}", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(VENDOR),
                f"face_recognition=={VERSION}",
            ],
            check=True,
        )
        importlib.invalidate_caches()
    # The 1.3.0 wheel still says 1.2.3 in __version__; its installed metadata is the truth.
    installed = importlib.metadata.version("face_recognition")
    if installed != VERSION:
        raise RuntimeError(f"expected face_recognition {VERSION}, found {installed}")
    return importlib.import_module("face_recognition")


@dataclass(frozen=True)
class Faces:
    """Every face the library found in one photo, in the order it returns them."""

    path: str
    boxes: NDArray[np.int32]  # (n, 4) top, right, bottom, left, as the library writes them
    encodings: NDArray[np.float64]  # (n, 128), unnormalised as the library returns them

    def first(self) -> NDArray[np.float64] | None:
        """``face_encodings(image)[0]``: the README's way to take "the" face of a photo."""
        return self.encodings[0] if len(self.encodings) else None

    def largest(self) -> NDArray[np.float64] | None:
        if not len(self.encodings):
            return None
        areas = (self.boxes[:, 2] - self.boxes[:, 0]) * (self.boxes[:, 1] - self.boxes[:, 3])
        chosen: NDArray[np.float64] = self.encodings[int(np.argmax(areas))]
        return chosen


_faces_dir: Path | None = None


def _start(faces: Path) -> None:
    global _faces_dir  # noqa: PLW0603 - one per worker process
    _faces_dir = faces
    load_face_recognition()


def encode(api: Any, image: NDArray[np.uint8]) -> tuple[list[Any], list[NDArray[np.float64]]]:
    """``face_locations`` and ``face_encodings`` on one image, detecting only once.

    This is the body of ``face_encodings(image)`` (whose defaults are upsample 1, HOG,
    the "small" landmark model, num_jitters=1) with the raw rectangles kept as boxes.
    """
    rects = api._raw_face_locations(image, 1, "hog")
    shapes = [api.pose_predictor_5_point(image, rect) for rect in rects]
    encodings = [
        np.array(api.face_encoder.compute_face_descriptor(image, shape, 1)) for shape in shapes
    ]
    return list(rects), encodings


def _encode_chunk(paths: list[str]) -> list[Faces]:
    assert _faces_dir is not None, "_start must run first"
    library = load_face_recognition()
    api = library.api
    found = []
    for path in paths:
        image = library.load_image_file(str(_faces_dir / path))
        rects, encodings = encode(api, image)
        boxes = np.array(
            [(r.top(), r.right(), r.bottom(), r.left()) for r in rects], dtype=np.int32
        ).reshape(-1, 4)
        vectors = np.array(encodings, dtype=np.float64).reshape(-1, 128)
        found.append(Faces(path, boxes, vectors))
    return found


def _load(path: Path) -> dict[str, Faces]:
    if not path.is_file():
        return {}
    with np.load(path) as data:
        owners, boxes, vectors = data["owner"], data["boxes"], data["vectors"]
        result = {}
        for index, name in enumerate(data["paths"]):
            mine = owners == index
            result[str(name)] = Faces(str(name), boxes[mine], vectors[mine])
        return result


def _save(path: Path, found: dict[str, Faces]) -> None:
    ordered = [found[key] for key in sorted(found)]
    np.savez(
        path,
        paths=np.array([f.path for f in ordered]),
        owner=np.concatenate(
            [np.full(len(f.boxes), i, dtype=np.int32) for i, f in enumerate(ordered)]
        ),
        boxes=np.concatenate([f.boxes for f in ordered]).reshape(-1, 4),
        vectors=np.concatenate([f.encodings for f in ordered]).reshape(-1, 128),
    )


def baseline_faces(faces: Path, paths: list[str], *, workers: int = 2) -> dict[str, Faces]:
    """Every face of ``paths`` per face_recognition, cached by its model file and version."""
    library = load_face_recognition()
    model = Path(library.api.face_recognition_models.face_recognition_model_location())
    key = sha256_text(VERSION, sha256_file(model))[:16]
    cache = RESULTS / f"templates-face_recognition-{key}.npz"
    found = _load(cache)
    missing = sorted(set(paths) - set(found))
    if missing:
        computed = parallel_map(
            _encode_chunk,
            missing,
            workers=workers,
            chunk=16,
            initializer=_start,
            initargs=(faces,),
            label="face_recognition encodings",
        )
        found.update((f.path, f) for f in computed)
        _save(cache, found)
    return found
