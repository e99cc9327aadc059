"""Bulk enrolment: many photos in, templates and refusals out, safe to interrupt.

Safety comes from three rules. Only this process writes to the database, in transactions
of whole photos (person, photo, template together). A photo is known by its SHA-256, and
photos already enrolled or refused in the gallery are skipped, so a rerun after a crash or
``kill -9`` resumes where the last commit ended, with nothing lost or doubled. The vector
index takes each batch after its commit, and is brought up to the database when opened,
so it can never hold what the record lacks.

Two engines do the per-photo work: this machine's processes (``local``), or Ray actors on
a cluster (``ray``, in ``ray_engine``). Both hand their outcomes back to this process,
which writes them all through the one ``Writer``.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline, load_embedder
from facedocket.faces.runtime import uses_gpu
from facedocket.gallery import worker
from facedocket.gallery.galleries import ensure_gallery, ensure_model_record
from facedocket.gallery.indexes import open_index, save_index
from facedocket.gallery.record import Enroller, recorded_run
from facedocket.gallery.sources import EnrolmentItem
from facedocket.gallery.worker import Job, Outcome, Skipped, StageSeconds, Unreadable
from facedocket.gallery.writer import Failure, Writer, recorded_refusals
from facedocket.private_files import open_private, private_folder
from facedocket.settings import EnrolEngine, Settings
from facedocket.store.db import transaction
from facedocket.store.schema import Photo

Progress = Callable[[int, int], None]


@dataclass
class EnrolmentReport:
    gallery: str
    total: int
    enrolled: int = 0
    refused: int = 0
    skipped: int = 0
    unreadable: int = 0
    conflicts: int = 0
    seconds: float = 0.0
    stage_seconds: StageSeconds = field(default_factory=dict)
    report_path: Path | None = None

    @property
    def per_second(self) -> float:
        processed = self.enrolled + self.refused
        return processed / self.seconds if self.seconds else 0.0


def enrol(
    settings: Settings,
    sessions: sessionmaker[Session],
    gallery_name: str,
    items: list[EnrolmentItem],
    *,
    engine: EnrolEngine | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    commit_every: int | None = None,
    progress: Progress | None = None,
    by: Enroller | None = None,
    pipeline: FacePipeline | None = None,
) -> EnrolmentReport:
    """Enrol ``items`` into the gallery; refusals are recorded, never fatal.

    The gallery's creation and the run (started; finished or interrupted, with counts) go
    on the audit record here, whoever calls: ``by``, else the operating-system account.
    A run in this process (one worker) uses ``pipeline`` when given, a pipeline of
    ``settings.model`` with its models already loaded, rather than loading them again (a
    second or more); worker processes and Ray actors always build their own.
    """
    if pipeline is not None and pipeline.embedder.card.name != settings.model:
        raise ValueError(
            f"the pipeline given runs {pipeline.embedder.card.name}, the settings name "
            f"{settings.model}"
        )
    who = Enroller.default(by)
    with transaction(sessions) as session:
        ensure_gallery(session, gallery_name, by=who)
    report = EnrolmentReport(gallery=gallery_name, total=len(items))
    with recorded_run(sessions, who, report, items, engine or settings.enrol_engine):
        _enrol(
            settings,
            sessions,
            report,
            who,
            items,
            engine,
            workers,
            batch_size,
            commit_every,
            progress,
            pipeline,
        )
    return report


def _enrol(
    settings: Settings,
    sessions: sessionmaker[Session],
    report: EnrolmentReport,
    who: Enroller,
    items: list[EnrolmentItem],
    engine: EnrolEngine | None,
    workers: int | None,
    batch_size: int | None,
    commit_every: int | None,
    progress: Progress | None,
    pipeline: FacePipeline | None,
) -> None:
    began = time.perf_counter()
    gallery_name = report.gallery
    # The templates are recorded as the model that makes them.
    embedder = pipeline.embedder if pipeline else load_embedder(settings.model, settings.models_dir)
    with transaction(sessions) as session:
        gallery_id = ensure_gallery(session, gallery_name).id
        model_id = ensure_model_record(session, embedder).id
        refusals = recorded_refusals(session, gallery_id)
        known = _enrolled_hashes(session, gallery_id) | refusals.keys()
    with sessions() as session:
        index = open_index(session, settings, gallery_id, model_id)
    writer = Writer(
        sessions,
        gallery_name,
        gallery_id,
        model_id,
        items,
        report,
        index,
        photo_root=settings.photo_root,
        by=who,
        refusals=refusals,
    )
    size = batch_size or (settings.gpu_batch_size if uses_gpu() else settings.enrol_batch_size)
    if (engine or settings.enrol_engine) == "ray":
        from facedocket.gallery import ray_engine  # noqa: PLC0415 - Ray loads in seconds

        results = ray_engine.run(settings, items, known, workers, size)
    else:
        results = _run(settings, _batches(_jobs(items, known, writer), size), workers, pipeline)
    pending: list[Outcome] = []
    for outcomes, seconds in results:
        for stage, spent in seconds.items():
            report.stage_seconds[stage] = report.stage_seconds.get(stage, 0.0) + spent
        pending.extend(outcomes)
        if len(pending) >= (commit_every or settings.enrol_commit_every):
            writer.write(pending)
            pending = []
        if progress:
            progress(writer.done + len(pending), len(items))
    writer.write(pending, final=True)
    if progress:
        progress(len(items), len(items))
    if writer.changed_index:
        save_index(settings, index, gallery_id, model_id)
    report.seconds = time.perf_counter() - began
    report.report_path = _write_report(settings, gallery_name, writer.failures)


def _jobs(items: list[EnrolmentItem], known: set[str], writer: Writer) -> Iterator[Job]:
    """Photos to process on this machine: read and hashed here, the known ones skipped."""
    for position, item in enumerate(items):
        read = worker.read_photo(position, item.path)
        if isinstance(read, Unreadable):
            writer.write([read])
            continue
        digest, data = read
        if digest in known:
            writer.write([Skipped(position, digest)])
            continue
        known.add(digest)
        yield position, digest, data


def _enrolled_hashes(session: Session, gallery_id: int) -> set[str]:
    return set(session.scalars(select(Photo.sha256).where(Photo.gallery_id == gallery_id)))


def _batches(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    batch: list[Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(
    settings: Settings,
    batches: Iterator[list[Job]],
    workers: int | None,
    pipeline: FacePipeline | None,
) -> Iterator[tuple[list[Outcome], StageSeconds]]:
    """Process batches in worker processes, keeping only a few in flight (bounded memory)."""
    count = workers or settings.workers or os.cpu_count() or 1
    if count == 1:
        here = pipeline or build_pipeline(settings)
        for batch in batches:
            yield worker.process_with(here, batch)
        return
    # Spawned, not forked: the parent may hold threads (ONNX Runtime, OpenMP) that a fork
    # would copy in a locked state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, context, worker.start, (settings, os.getpid())) as pool:
        in_flight: set[Future[tuple[list[Outcome], StageSeconds]]] = set()
        for batch in batches:
            in_flight.add(pool.submit(worker.process, batch))
            if len(in_flight) >= 2 * count:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
        for future in in_flight:
            yield future.result()


def _write_report(settings: Settings, gallery_name: str, failures: list[Failure]) -> Path | None:
    if not failures:
        return None
    folder = settings.data_dir / "reports"
    private_folder(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"enrolment-{gallery_name}-{stamp}.csv"
    with open_private(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["photo", "sha256", "code", "reason"])
        writer.writerows(failures)
    return path
