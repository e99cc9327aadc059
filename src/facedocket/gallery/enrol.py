"""Bulk enrolment: many photos in, templates and refusals out, safe to interrupt.

Safety comes from three rules. Only this process writes to the database, in transactions
of whole photos (person, photo, template together). A photo is known by its SHA-256, and
photos already enrolled or refused in the gallery are skipped, so a rerun after a crash or
``kill -9`` resumes where the last commit ended, with nothing lost or doubled. The vector
index takes each batch after its commit, and is brought up to the database when opened,
so it can never hold what the record lacks.

Two engines do the per-photo work: this machine's processes (``local``), or Ray actors on
a cluster (``ray``, in ``ray_engine``). Both hand their outcomes back to this process,
which writes them all through the one ``_Writer``.
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

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.faces.registry import build_pipeline, load_embedder
from facedocket.faces.runtime import uses_gpu
from facedocket.gallery import worker
from facedocket.gallery.index import VectorIndex
from facedocket.gallery.indexes import open_index, save_index
from facedocket.gallery.record import Enroller, recorded_run
from facedocket.gallery.records import ensure_gallery, ensure_model_record
from facedocket.gallery.sources import EnrolmentItem
from facedocket.gallery.worker import (
    Enrolled,
    Job,
    Outcome,
    Refused,
    Skipped,
    StageSeconds,
    Unreadable,
)
from facedocket.settings import EnrolEngine, Settings
from facedocket.store.db import transaction
from facedocket.store.schema import EnrolmentRejection, Person, Photo, Template

Progress = Callable[[int, int], None]


@dataclass
class EnrolmentReport:
    gallery: str
    total: int
    enrolled: int = 0
    refused: int = 0
    skipped: int = 0
    unreadable: int = 0
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
    commit_every: int = 256,
    progress: Progress | None = None,
    by: Enroller | None = None,
) -> EnrolmentReport:
    """Enrol ``items`` into the gallery; refusals are recorded, never fatal.

    The gallery's creation and the run (started; finished or interrupted, with counts) go
    on the audit record here, whoever calls: ``by``, else the operating-system account.
    """
    who = Enroller.default(by)
    with transaction(sessions) as session:
        ensure_gallery(session, gallery_name, by=who)
    report = EnrolmentReport(gallery=gallery_name, total=len(items))
    with recorded_run(sessions, who, report, items, engine or settings.enrol_engine):
        _enrol(
            settings, sessions, report, items, engine, workers, batch_size, commit_every, progress
        )
    return report


def _enrol(
    settings: Settings,
    sessions: sessionmaker[Session],
    report: EnrolmentReport,
    items: list[EnrolmentItem],
    engine: EnrolEngine | None,
    workers: int | None,
    batch_size: int | None,
    commit_every: int,
    progress: Progress | None,
) -> None:
    began = time.perf_counter()
    gallery_name = report.gallery
    embedder = load_embedder(settings.model, settings.models_dir)
    with transaction(sessions) as session:
        gallery_id = ensure_gallery(session, gallery_name).id
        model_id = ensure_model_record(session, embedder).id
        known = _known_hashes(session, gallery_id)
    with sessions() as session:
        index = open_index(session, settings, gallery_id, model_id)
    writer = _Writer(sessions, gallery_id, model_id, items, report, index)
    size = batch_size or (settings.gpu_batch_size if uses_gpu() else settings.enrol_batch_size)
    if (engine or settings.enrol_engine) == "ray":
        from facedocket.gallery import ray_engine  # noqa: PLC0415 - Ray loads in seconds

        results = ray_engine.run(settings, items, known, workers, size)
    else:
        results = _run(settings, _batches(_jobs(items, known, writer), size), workers)
    pending: list[Outcome] = []
    for outcomes, seconds in results:
        for stage, spent in seconds.items():
            report.stage_seconds[stage] = report.stage_seconds.get(stage, 0.0) + spent
        pending.extend(outcomes)
        if len(pending) >= commit_every:
            writer.write(pending)
            pending = []
        if progress:
            progress(writer.done + len(pending), len(items))
    writer.write(pending)
    if progress:
        progress(len(items), len(items))
    if writer.changed_index:
        save_index(settings, index, gallery_id, model_id)
    report.seconds = time.perf_counter() - began
    report.report_path = _write_report(settings, gallery_name, writer.failures)


def _jobs(items: list[EnrolmentItem], known: set[str], writer: _Writer) -> Iterator[Job]:
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


def _known_hashes(session: Session, gallery_id: int) -> set[str]:
    photos = session.scalars(select(Photo.sha256).where(Photo.gallery_id == gallery_id))
    refused = session.scalars(
        select(EnrolmentRejection.sha256).where(EnrolmentRejection.gallery_id == gallery_id)
    )
    return set(photos) | set(refused)


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
    settings: Settings, batches: Iterator[list[Job]], workers: int | None
) -> Iterator[tuple[list[Outcome], StageSeconds]]:
    """Process batches in worker processes, keeping only a few in flight (bounded memory)."""
    count = workers or settings.workers or os.cpu_count() or 1
    if count == 1:
        pipeline = build_pipeline(settings)
        for batch in batches:
            yield worker.process_with(pipeline, batch)
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


@dataclass
class _Writer:
    """Writes outcomes in transactions of whole photos, then the batch's templates to the
    index, and keeps the report's counts. Every engine's outcomes come through here."""

    sessions: sessionmaker[Session]
    gallery_id: int
    model_id: int
    items: list[EnrolmentItem]
    report: EnrolmentReport
    index: VectorIndex
    failures: list[tuple[str, str, str, str]] = field(default_factory=list)
    # Photos written in this run: the same photo twice in one manifest is enrolled once,
    # whichever worker saw it (the local engine drops repeats before; Ray workers cannot).
    written: set[str] = field(default_factory=set)
    done: int = 0
    changed_index: bool = False

    def write(self, outcomes: list[Outcome]) -> None:
        self.done += len(outcomes)
        items = self.items
        enrolled: list[Enrolled] = []
        refused: list[Refused] = []
        for o in outcomes:
            if isinstance(o, Unreadable):
                self.report.unreadable += 1
                self.failures.append((str(items[o.position].path), "", "unreadable", o.reason))
            elif isinstance(o, Skipped) or o.sha256 in self.written:
                self.report.skipped += 1
            elif isinstance(o, Enrolled):
                self.written.add(o.sha256)
                enrolled.append(o)
            else:
                self.written.add(o.sha256)
                refused.append(o)
        if not enrolled and not refused:
            return
        with transaction(self.sessions) as session:
            persons = _persons(session, self.gallery_id, [items[o.position] for o in enrolled])
            photos = [
                Photo(
                    gallery_id=self.gallery_id,
                    person_id=persons[items[o.position].record_id].id,
                    sha256=o.sha256,
                    source=str(items[o.position].path),
                    width=o.width,
                    height=o.height,
                )
                for o in enrolled
            ]
            session.add_all(photos)
            session.flush()
            templates = [
                Template(
                    gallery_id=self.gallery_id,
                    person_id=photo.person_id,
                    photo_id=photo.id,
                    model_id=self.model_id,
                    vector=o.vector,
                    box=o.box,
                    quality=o.quality,
                )
                for photo, o in zip(photos, enrolled, strict=True)
            ]
            session.add_all(templates)
            session.add_all(
                EnrolmentRejection(
                    gallery_id=self.gallery_id,
                    sha256=o.sha256,
                    source=str(items[o.position].path),
                    code=o.code,
                    reason=o.reason,
                )
                for o in refused
            )
            session.flush()
            ids = np.array([t.id for t in templates], dtype=np.int64)
        # After the commit: an index may lag the record (opening it catches up), never lead.
        if enrolled:
            vectors = np.vstack([np.frombuffer(o.vector, dtype=np.float32) for o in enrolled])
            self.index.add(ids, vectors)
            self.changed_index = True
        self.report.enrolled += len(enrolled)
        self.report.refused += len(refused)
        self.failures.extend(
            (str(items[o.position].path), o.sha256, o.code, o.reason) for o in refused
        )


def _persons(session: Session, gallery_id: int, items: list[EnrolmentItem]) -> dict[str, Person]:
    """The persons of ``items`` by record id, creating those not yet in the gallery."""
    wanted = {item.record_id: item for item in items}
    found: dict[str, Person] = {}
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            (person.record_id, person)
            for person in session.scalars(
                select(Person).where(Person.gallery_id == gallery_id, Person.record_id.in_(chunk))
            )
        )
    new = [
        Person(gallery_id=gallery_id, record_id=key, name=item.name, attributes=item.attributes)
        for key, item in wanted.items()
        if key not in found
    ]
    session.add_all(new)
    session.flush()
    found.update((person.record_id, person) for person in new)
    return found


def _write_report(
    settings: Settings, gallery_name: str, failures: list[tuple[str, str, str, str]]
) -> Path | None:
    if not failures:
        return None
    folder = settings.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"enrolment-{gallery_name}-{stamp}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["photo", "sha256", "code", "reason"])
        writer.writerows(failures)
    return path
