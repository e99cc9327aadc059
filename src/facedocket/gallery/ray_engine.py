"""Batch enrolment on Ray: the per-photo work as Ray Data ``map_batches`` over the manifest.

Each actor holds its models for its whole life (one load per worker) and reads, hashes
and processes photos by path, so the driver never ships photo bytes. Photos the gallery
already holds are skipped on the workers against the known hashes, shared once through
the object store. Outcomes stream back to the driver, which alone writes them, through
the same writer as local enrolment: the idempotence and resume rules are the same.

On a cluster with GPUs the work is split in two stages: CPU actors decode, detect and
align (dlib's detector is CPU work), and one actor per GPU embeds the aligned chips in
large batches. Without GPUs one stage does everything, as the local engine does.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import ray
import ray.data
from numpy.typing import NDArray

from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.gallery import worker
from facedocket.gallery.sources import EnrolmentItem
from facedocket.gallery.worker import (
    Aligned,
    Enrolled,
    Job,
    Outcome,
    Rejected,
    Skipped,
    StageSeconds,
    Unreadable,
)
from facedocket.settings import Settings

Batch = dict[str, NDArray[Any]]
STAGE_COLUMNS = {stage: f"seconds_{stage}" for stage in worker.STAGES}


@dataclass(frozen=True)
class Plan:
    """How the work is laid on the cluster."""

    split: bool  # align on CPU actors, embed on separate (GPU) actors
    align_actors: int
    embed_actors: int
    embed_gpus: float


def plan(cpus: int, gpus: int, workers: int | None) -> Plan:
    if gpus:
        # One actor per GPU embeds; the rest of the cores find and align faces.
        return Plan(True, max(workers or cpus - gpus, 1), gpus, 1.0)
    return Plan(False, max(workers or cpus, 1), 0, 0.0)


def run(
    settings: Settings,
    items: list[EnrolmentItem],
    known: set[str],
    workers: int | None,
    batch_size: int,
) -> Iterator[tuple[list[Outcome], StageSeconds]]:
    """Outcomes of every item, batch by batch, as the actors finish them."""
    started = connect(settings, workers)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
        layout = plan(int(resources.get("CPU", 1)), int(resources.get("GPU", 0)), workers)
        rows = [{"position": i, "path": str(item.path)} for i, item in enumerate(items)]
        if not rows:
            return
        photos = ray.data.from_items(rows)
        known_digests = np.array(sorted(bytes.fromhex(h) for h in known), dtype="S32")
        outcomes = photos.map_batches(
            Photos,
            fn_constructor_kwargs={
                "settings": settings,
                "known": known_digests,
                "embed": not layout.split,
            },
            batch_size=settings.enrol_batch_size if layout.split else batch_size,
            compute=ray.data.ActorPoolStrategy(size=layout.align_actors),
            num_cpus=1,
            batch_format="numpy",
        )
        if layout.split:
            outcomes = outcomes.map_batches(
                Embeddings,
                fn_constructor_kwargs={"settings": settings},
                batch_size=settings.gpu_batch_size,
                compute=ray.data.ActorPoolStrategy(size=layout.embed_actors),
                num_cpus=0 if layout.embed_gpus else 1,
                num_gpus=layout.embed_gpus,
                batch_format="numpy",
            )
        for batch in outcomes.iter_batches(batch_size=None, batch_format="numpy"):
            yield from_columns(batch)
    finally:
        if started:
            ray.shutdown()


def connect(settings: Settings, workers: int | None) -> bool:
    """Join the configured cluster, or start a local Ray; True if this call started it."""
    if ray.is_initialized():
        return False
    if settings.ray_address:
        ray.init(address=settings.ray_address, log_to_driver=False)
    else:
        ray.init(
            num_cpus=workers or settings.workers or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
        )
    return True


class Photos:
    """A Ray actor: reads, hashes, skips known photos, then aligns (and maybe embeds)."""

    def __init__(self, settings: Settings, known: NDArray[np.bytes_], embed: bool) -> None:
        self.pipeline: FacePipeline = build_pipeline(settings)
        self.known = known
        self.embed = embed
        if embed:
            warm_up(self.pipeline)

    def __call__(self, batch: Batch) -> Batch:
        seconds: StageSeconds = defaultdict(float)
        outcomes: list[Outcome] = []
        jobs: list[Job] = []
        for position, path in zip(batch["position"].tolist(), batch["path"].tolist(), strict=True):
            read = worker.read_photo(position, Path(path))
            if isinstance(read, Unreadable):
                outcomes.append(read)
            elif self._known(read[0]):
                outcomes.append(Skipped(position, read[0]))
            else:
                jobs.append((position, read[0], read[1]))
        refused, aligned = worker.align_with(self.pipeline, jobs, seconds)
        outcomes.extend(refused)
        if self.embed:
            outcomes.extend(worker.embed_with(self.pipeline, aligned, seconds))
            aligned = []
        return to_columns(outcomes, aligned, seconds)

    def _known(self, digest: str) -> bool:
        key = np.array([bytes.fromhex(digest)], dtype="S32")
        at = int(np.searchsorted(self.known, key)[0])
        return at < len(self.known) and self.known[at] == key[0]


class Embeddings:
    """A Ray actor (on a GPU when there is one): embeds the chips the CPU actors aligned."""

    def __init__(self, settings: Settings) -> None:
        self.pipeline = build_pipeline(settings)
        warm_up(self.pipeline)

    def __call__(self, batch: Batch) -> Batch:
        waiting = np.flatnonzero(batch["kind"] == "aligned")
        if not len(waiting):
            return batch
        size = self.pipeline.embedder.card.chip_size
        chips = np.stack(
            [np.frombuffer(batch["chip"][i], np.uint8).reshape(size, size, 3) for i in waiting]
        )
        seconds: StageSeconds = defaultdict(float)
        with worker.timed(seconds, "embed"):
            vectors = self.pipeline.embedder.embed(chips)
        kinds = batch["kind"].astype(object)
        vector_column = batch["vector"].astype(object)
        chip_column = batch["chip"].astype(object)
        for i, vector in zip(waiting, vectors, strict=True):
            kinds[i] = "enrolled"
            vector_column[i] = vector.astype(np.float32).tobytes()
            chip_column[i] = b""
        embed_seconds = batch[STAGE_COLUMNS["embed"]].copy()
        embed_seconds[0] += seconds["embed"]
        return {
            **batch,
            "kind": kinds,
            "vector": vector_column,
            "chip": chip_column,
            STAGE_COLUMNS["embed"]: embed_seconds,
        }


def warm_up(pipeline: FacePipeline) -> None:
    """Load the embedder now, not in the middle of the first batch."""
    size = pipeline.embedder.card.chip_size
    pipeline.embedder.embed(np.zeros((1, size, size, 3), dtype=np.uint8))


def to_columns(outcomes: list[Outcome], aligned: list[Aligned], seconds: StageSeconds) -> Batch:
    """One row per photo, in columns that Ray moves as Arrow arrays."""
    rows: list[dict[str, Any]] = []
    for o in outcomes:
        row: dict[str, Any] = {"position": o.position, "sha256": getattr(o, "sha256", "")}
        if isinstance(o, Enrolled):
            row |= {
                "kind": "enrolled",
                "width": o.width,
                "height": o.height,
                "box": json.dumps(o.box),
                "quality": json.dumps(o.quality),
                "vector": o.vector,
            }
        elif isinstance(o, Rejected):
            row |= {"kind": "refused", "code": o.code, "reason": o.reason}
        elif isinstance(o, Unreadable):
            row |= {"kind": "unreadable", "reason": o.reason}
        else:
            row |= {"kind": "skipped"}
        rows.append(row)
    for a in aligned:
        rows.append(
            {
                "kind": "aligned",
                "position": a.position,
                "sha256": a.sha256,
                "width": a.width,
                "height": a.height,
                "box": json.dumps(a.face.detection.box.as_dict()),
                "quality": json.dumps(a.face.quality.as_dict()),
                "chip": np.ascontiguousarray(a.face.chip).tobytes(),
            }
        )
    columns: Batch = {
        "kind": np.array([r["kind"] for r in rows], dtype=object),
        "position": np.array([r["position"] for r in rows], dtype=np.int64),
        "sha256": np.array([r["sha256"] for r in rows], dtype=object),
        "code": np.array([r.get("code", "") for r in rows], dtype=object),
        "reason": np.array([r.get("reason", "") for r in rows], dtype=object),
        "width": np.array([r.get("width", 0) for r in rows], dtype=np.int64),
        "height": np.array([r.get("height", 0) for r in rows], dtype=np.int64),
        "box": np.array([r.get("box", "") for r in rows], dtype=object),
        "quality": np.array([r.get("quality", "") for r in rows], dtype=object),
        "vector": np.array([r.get("vector", b"") for r in rows], dtype=object),
        "chip": np.array([r.get("chip", b"") for r in rows], dtype=object),
    }
    for stage, column in STAGE_COLUMNS.items():
        spent = np.zeros(len(rows), dtype=np.float64)
        if rows:
            spent[0] = seconds.get(stage, 0.0)
        columns[column] = spent
    return columns


def from_columns(batch: Batch) -> tuple[list[Outcome], StageSeconds]:
    """The outcomes of a batch of rows, as the writer takes them."""
    outcomes: list[Outcome] = []
    for i, kind in enumerate(batch["kind"].tolist()):
        position = int(batch["position"][i])
        sha256 = str(batch["sha256"][i])
        if kind == "enrolled":
            outcomes.append(
                Enrolled(
                    position=position,
                    sha256=sha256,
                    width=int(batch["width"][i]),
                    height=int(batch["height"][i]),
                    box=json.loads(str(batch["box"][i])),
                    quality=json.loads(str(batch["quality"][i])),
                    vector=bytes(batch["vector"][i]),
                )
            )
        elif kind == "refused":
            outcomes.append(
                Rejected(position, sha256, str(batch["code"][i]), str(batch["reason"][i]))
            )
        elif kind == "unreadable":
            outcomes.append(Unreadable(position, str(batch["reason"][i])))
        elif kind == "skipped":
            outcomes.append(Skipped(position, sha256))
        else:
            raise RuntimeError(f"a photo came back {kind!r}: the embedding stage did not run")
    seconds = {stage: float(batch[column].sum()) for stage, column in STAGE_COLUMNS.items()}
    return outcomes, seconds
