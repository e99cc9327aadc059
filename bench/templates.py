"""FaceDocket's own templates for every photo of the set, computed once and cached.

The face used is the one enrolment would choose (the dominant face). A photo that
enrolment would refuse as ambiguous still gets a face, because a benchmark must score
every pair: by default the face nearest the photo's centre, standing in for the
examiner's choice of the named person (``ambiguous="largest"``: the largest face). A photo
with no face at all is "not detected". The cache key holds the model file's SHA-256, the
settings and the face code's own source, so a cached template is never one that today's
code would not produce.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from common import RESULTS, parallel_map, sha256_text, source_digest
from facedocket.faces import detect as detect_module
from facedocket.faces.detect import Detection
from facedocket.faces.errors import FaceError
from facedocket.faces.pipeline import Face, FacePipeline
from facedocket.faces.registry import build_pipeline, load_embedder
from facedocket.settings import Settings

DATA_DIR = RESULTS / "_data"
FACE_SOURCES = ("detect.py", "pipeline.py", "images.py", "models.py", "registry.py")
# How a photo's face was chosen; anything else (no_face, corrupt_image, ...) is a miss.
CHOSEN = ("dominant", "largest", "central")
FALLBACKS = ("largest", "central")


@dataclass(frozen=True)
class Record:
    path: str
    status: str
    vector: NDArray[np.float32] | None
    box: tuple[int, int, int, int]
    eye_distance: float
    detector_score: float

    @property
    def detected(self) -> bool:
        return self.status in CHOSEN


def settings_for(data_dir: Path = DATA_DIR) -> Settings:
    return Settings(data_dir=data_dir)


def cache_key(
    settings: Settings, flip: bool, ambiguous: str = "central", probe: bool = False
) -> str:
    embedder = load_embedder(settings.model, settings.data_dir)
    card = dataclasses.replace(embedder.card, flip_average=flip)
    faces_src = Path(detect_module.__file__).parent
    return sha256_text(
        embedder.file_sha256,
        repr(card),
        f"upsample={settings.max_upsample}",
        f"ambiguous={ambiguous}",
        f"probe={probe}",
        source_digest(faces_src, FACE_SOURCES),
    )[:16]


_pipeline: FacePipeline | None = None
_faces_dir: Path | None = None
_ambiguous = "central"
_probe = False


def _start(settings: Settings, flip: bool, faces: Path, ambiguous: str, probe: bool) -> None:
    global _pipeline, _faces_dir, _ambiguous, _probe  # noqa: PLW0603 - one per worker process
    _pipeline = build_pipeline(settings)
    _pipeline.embedder.card = dataclasses.replace(_pipeline.embedder.card, flip_average=flip)
    _faces_dir = faces
    _ambiguous = ambiguous
    _probe = probe


def central_face(found: list[Detection], width: int, height: int) -> Detection:
    """The face whose box centre is nearest the photo's centre."""

    def distance(d: Detection) -> float:
        box = d.box
        return float(
            np.hypot((box.left + box.right - width) / 2, (box.top + box.bottom - height) / 2)
        )

    return min(found, key=distance)


def choose_face(
    pipeline: FacePipeline, data: bytes, ambiguous: str = "central"
) -> tuple[str, Face | None]:
    """Enrolment's choice; the ``ambiguous`` rule's face if enrolment refuses the photo."""
    try:
        image = pipeline.decode(data)
        try:
            detection = pipeline.enrolment_detection(image)
            status = "dominant"
        except FaceError as error:
            if error.code != "ambiguous_faces":
                raise
            found = pipeline.detector.detect(image, thorough=False)
            if ambiguous == "central":
                detection = central_face(found, image.shape[1], image.shape[0])
            else:
                detection = max(found, key=lambda d: d.box.area)
            status = ambiguous
        return status, pipeline.align(image, detection)
    except FaceError as error:
        return error.code, None


def _embed_chunk(paths: list[str]) -> list[Record]:
    assert _pipeline is not None, "_start must run first"
    assert _faces_dir is not None, "_start must run first"
    chosen = [
        choose_face(_pipeline, (_faces_dir / path).read_bytes(), _ambiguous) for path in paths
    ]
    faces = [face for _, face in chosen if face is not None]
    vectors = iter(_pipeline.embed(faces, probe=_probe))
    records = []
    for path, (status, face) in zip(paths, chosen, strict=True):
        if face is None:
            records.append(Record(path, status, None, (0, 0, 0, 0), 0.0, 0.0))
            continue
        box = face.detection.box
        records.append(
            Record(
                path,
                status,
                next(vectors),
                (box.left, box.top, box.right, box.bottom),
                face.quality.eye_distance,
                face.detection.score,
            )
        )
    return records


def load_cache(path: Path) -> dict[str, Record]:
    if not path.is_file():
        return {}
    with np.load(path) as data:
        return {
            str(p): Record(
                str(p),
                str(s),
                v.astype(np.float32) if str(s) in CHOSEN else None,
                (int(b[0]), int(b[1]), int(b[2]), int(b[3])),
                float(e),
                float(c),
            )
            for p, s, v, b, e, c in zip(
                data["paths"],
                data["status"],
                data["vectors"],
                data["boxes"],
                data["eye"],
                data["score"],
                strict=True,
            )
        }


def save_cache(path: Path, records: dict[str, Record], dimension: int) -> None:
    ordered = [records[key] for key in sorted(records)]
    zero = np.zeros(dimension, dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        paths=np.array([r.path for r in ordered]),
        status=np.array([r.status for r in ordered]),
        vectors=np.stack([zero if r.vector is None else r.vector for r in ordered]),
        boxes=np.array([r.box for r in ordered], dtype=np.int32).reshape(-1, 4),
        eye=np.array([r.eye_distance for r in ordered], dtype=np.float32),
        score=np.array([r.detector_score for r in ordered], dtype=np.float32),
    )


def our_templates(
    faces: Path,
    paths: list[str],
    *,
    flip: bool = True,
    ambiguous: str = "central",
    probe: bool = False,
    workers: int = 2,
) -> tuple[dict[str, Record], str]:
    """Records for ``paths`` (and whatever else the cache holds), plus the cache key.

    ``probe``: templates as a search's probe is embedded (the card's probe augmentation),
    not as a gallery photo is.
    """
    settings = settings_for()
    # Computing the key also converts the model before the workers start.
    key = cache_key(settings, flip, ambiguous, probe)
    cache = RESULTS / f"templates-ours-{key}.npz"
    records = load_cache(cache)
    missing = sorted(set(paths) - set(records))
    if missing:
        computed = parallel_map(
            _embed_chunk,
            missing,
            workers=workers,
            chunk=32,
            initializer=_start,
            initargs=(settings, flip, faces, ambiguous, probe),
            label="FaceDocket templates",
        )
        records.update((r.path, r) for r in computed)
        save_cache(cache, records, load_embedder(settings.model, settings.data_dir).card.dimension)
    return records, key
