"""The per-photo work of enrolment, run in worker processes.

Each process loads the models once (in ``start``) and then turns batches of photo bytes
into templates or refusals. Nothing here touches the database: results go back to the
parent, which alone writes, so a crash of a worker can never leave a half-written record.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from facedocket.faces.errors import FaceError
from facedocket.faces.pipeline import Face, FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.settings import Settings

STAGES = ("decode", "detect", "align", "embed")


@dataclass(frozen=True)
class Enrolled:
    position: int
    sha256: str
    width: int
    height: int
    box: dict[str, int]
    quality: dict[str, float]
    vector: bytes


@dataclass(frozen=True)
class Refused:
    position: int
    sha256: str
    code: str
    reason: str


Outcome = Enrolled | Refused
Job = tuple[int, str, bytes]
StageSeconds = dict[str, float]


@contextmanager
def timed(seconds: StageSeconds, stage: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - began


_pipeline: FacePipeline | None = None


def start(settings: Settings) -> None:
    """Process initialiser: build the pipeline and load every model now, not mid-batch."""
    global _pipeline  # noqa: PLW0603 - one pipeline per worker process is the point
    _pipeline = build_pipeline(settings)
    size = _pipeline.embedder.card.chip_size
    _pipeline.embedder.embed(np.zeros((1, size, size, 3), dtype=np.uint8))


def process(jobs: list[Job]) -> tuple[list[Outcome], StageSeconds]:
    """Templates or refusals for a batch of (position, sha256, bytes), plus seconds per stage."""
    assert _pipeline is not None, "worker.start must run first"
    return process_with(_pipeline, jobs)


def process_with(pipeline: FacePipeline, jobs: list[Job]) -> tuple[list[Outcome], StageSeconds]:
    seconds: StageSeconds = defaultdict(float)
    outcomes: list[Outcome] = []
    faces: list[tuple[Job, int, int, Face]] = []
    for job in jobs:
        position, sha256, data = job
        try:
            with timed(seconds, "decode"):
                image = pipeline.decode(data)
            with timed(seconds, "detect"):
                detection = pipeline.enrolment_detection(image)
            with timed(seconds, "align"):
                face = pipeline.align(image, detection)
        except FaceError as error:
            outcomes.append(Refused(position, sha256, error.code, error.message))
            continue
        faces.append((job, image.shape[1], image.shape[0], face))
    with timed(seconds, "embed"):
        vectors = pipeline.embed([face for *_, face in faces])
    for (job, width, height, face), vector in zip(faces, vectors, strict=True):
        outcomes.append(
            Enrolled(
                position=job[0],
                sha256=job[1],
                width=width,
                height=height,
                box=face.detection.box.as_dict(),
                quality=face.quality.as_dict(),
                vector=vector.astype(np.float32).tobytes(),
            )
        )
    return outcomes, seconds
