"""The per-photo work of enrolment, run in worker processes or Ray actors.

Each worker loads the models once (in ``start``, or a Ray actor's constructor) and then
turns batches of photo bytes into templates or refusals. Nothing here touches the
database: results go back to the parent, which alone writes, so a crash of a worker can
never leave a half-written record. A worker process also dies with its parent: a killed
enrolment must not leave workers of hundreds of megabytes behind.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
class Rejected:
    """A photo the face engine rejects (no face, corrupt, too small): kept as an
    ``EnrolmentRejection`` with the engine's code, so a rerun skips it."""

    position: int
    sha256: str
    code: str
    reason: str


@dataclass(frozen=True)
class Skipped:
    """A photo the gallery already holds, or refused before: nothing to do."""

    position: int
    sha256: str


@dataclass(frozen=True)
class Unreadable:
    position: int
    reason: str


@dataclass(frozen=True)
class Aligned:
    """A photo whose face is found and aligned, waiting for the embedder."""

    position: int
    sha256: str
    width: int
    height: int
    face: Face


Outcome = Enrolled | Rejected | Skipped | Unreadable
Job = tuple[int, str, bytes]
StageSeconds = dict[str, float]


def read_photo(position: int, path: Path) -> tuple[str, bytes] | Unreadable:
    """The photo's SHA-256 and bytes; the hash is of exactly the bytes that get enrolled."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return Unreadable(position, str(error))
    return hashlib.sha256(data).hexdigest(), data


@contextmanager
def timed(seconds: StageSeconds, stage: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - began


_pipeline: FacePipeline | None = None


# prctl(2) option: the signal this process receives when the thread that made it ends.
PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


def start(settings: Settings, parent: int) -> None:
    """Process initialiser: tie this worker's life to ``parent``, then build the pipeline
    and load every model now, not mid-batch."""
    global _pipeline  # noqa: PLW0603 - one pipeline per worker process is the point
    die_with(parent)
    _pipeline = build_pipeline(settings)
    size = _pipeline.embedder.card.chip_size
    _pipeline.embedder.embed(np.zeros((1, size, size, 3), dtype=np.uint8))


def die_with(parent: int) -> None:
    """End this process when ``parent`` does, even by ``kill -9``, which runs no clean-up.

    Linux sends the signal itself (``PR_SET_PDEATHSIG``; it follows the parent thread that
    started the worker, which in enrolment lives as long as the pool). Everywhere, a
    watchdog thread sees the process re-parented and exits; the check after the ``prctl``
    covers a parent that died before it.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # nothing to save: a worker holds no state the parent has not written


def process(jobs: list[Job]) -> tuple[list[Outcome], StageSeconds]:
    """Templates or refusals for a batch of (position, sha256, bytes), plus seconds per stage."""
    assert _pipeline is not None, "worker.start must run first"
    return process_with(_pipeline, jobs)


def process_with(pipeline: FacePipeline, jobs: list[Job]) -> tuple[list[Outcome], StageSeconds]:
    seconds: StageSeconds = defaultdict(float)
    refused, aligned = align_with(pipeline, jobs, seconds)
    outcomes: list[Outcome] = [*refused, *embed_with(pipeline, aligned, seconds)]
    return outcomes, seconds


def align_with(
    pipeline: FacePipeline, jobs: list[Job], seconds: StageSeconds
) -> tuple[list[Rejected], list[Aligned]]:
    """Decode, detect and align each photo: the CPU half of the work."""
    refused: list[Rejected] = []
    aligned: list[Aligned] = []
    for position, sha256, data in jobs:
        try:
            with timed(seconds, "decode"):
                image = pipeline.decode(data)
            with timed(seconds, "detect"):
                detection = pipeline.enrolment_detection(image)
            with timed(seconds, "align"):
                face = pipeline.align(image, detection)
        except FaceError as error:
            refused.append(Rejected(position, sha256, error.code, error.message))
            continue
        aligned.append(Aligned(position, sha256, image.shape[1], image.shape[0], face))
    return refused, aligned


def embed_with(
    pipeline: FacePipeline, aligned: list[Aligned], seconds: StageSeconds
) -> list[Enrolled]:
    """Templates for aligned faces in one batch: the half a GPU takes over."""
    with timed(seconds, "embed"):
        vectors = pipeline.embed([a.face for a in aligned])
    return [
        Enrolled(
            position=a.position,
            sha256=a.sha256,
            width=a.width,
            height=a.height,
            box=a.face.detection.box.as_dict(),
            quality=a.face.quality.as_dict(),
            vector=vector.astype(np.float32).tobytes(),
        )
        for a, vector in zip(aligned, vectors, strict=True)
    ]
