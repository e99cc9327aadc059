"""Writing enrolment outcomes: whole photos per transaction, then the index, then the report.

Every engine's outcomes come through the one ``Writer``. Besides the rows, it accounts for
every photo of the run in the report, resumed or not: a photo refused in an earlier run is
listed again with its recorded reason (the database keeps refusals with the progress, so a
``kill -9`` loses none), and a photo that is enrolled under one record but listed under
another is a conflict, named in the report and on the audit record, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.index import VectorIndex
from facedocket.gallery.record import Enroller, log
from facedocket.gallery.sources import EnrolmentItem, stored_location
from facedocket.gallery.worker import Enrolled, Outcome, Rejected, Skipped, Unreadable
from facedocket.store.db import transaction
from facedocket.store.schema import EnrolmentRejection, Person, Photo, Template

if TYPE_CHECKING:
    from facedocket.gallery.enrol import EnrolmentReport

# (photo location, sha256, code, reason): one row of the enrolment report.
Failure = tuple[str, str, str, str]
CONFLICT = "same_photo_other_record"
# Repeats waiting to be checked against the database before a transaction is worth it.
SETTLE_EVERY = 500


@dataclass(frozen=True)
class Conflict:
    """The photo at ``location`` is enrolled under one record and was listed under another."""

    location: str
    sha256: str
    enrolled_record: str
    enrolled_name: str
    record_id: str
    name: str

    @property
    def failure(self) -> Failure:
        reason = (
            f"the same photo is enrolled under record {self.enrolled_record!r} "
            f"({self.enrolled_name}); not enrolled under record {self.record_id!r} ({self.name})"
        )
        return (self.location, self.sha256, CONFLICT, reason)


def recorded_refusals(session: Session, gallery_id: int) -> dict[str, tuple[str, str]]:
    """(code, reason) of each photo the gallery refused, by SHA-256."""
    rows = session.execute(
        select(EnrolmentRejection.sha256, EnrolmentRejection.code, EnrolmentRejection.reason).where(
            EnrolmentRejection.gallery_id == gallery_id
        )
    )
    return {sha: (code, reason) for sha, code, reason in rows}


@dataclass
class Writer:
    """Writes outcomes in transactions of whole photos, then the batch's templates to the
    index, and keeps the report's counts and rows."""

    sessions: sessionmaker[Session]
    gallery: str
    gallery_id: int
    model_id: int
    items: list[EnrolmentItem]
    report: EnrolmentReport
    index: VectorIndex
    photo_root: Path | None
    by: Enroller  # who the record names for the conflicts found
    refusals: dict[str, tuple[str, str]]  # recorded before this run, then this run's too
    failures: list[Failure] = field(default_factory=list)
    # Photos enrolled in this run, by the position of the item that enrolled them: the same
    # photo twice in one manifest is enrolled once, whichever worker saw it.
    enrolled_here: dict[str, int] = field(default_factory=dict)
    # Repeats of a photo (already in the gallery, or met earlier in this run) to account
    # for; one whose first sighting is still with a worker waits for it.
    repeats: list[Skipped] = field(default_factory=list)
    unsettled: int = 0
    done: int = 0
    changed_index: bool = False

    def write(self, outcomes: Iterable[Outcome], *, final: bool = False) -> None:
        enrolled: list[Enrolled] = []
        refused: list[Rejected] = []
        for o in outcomes:
            self.done += 1
            if isinstance(o, Unreadable):
                self.report.unreadable += 1
                path = self.location(o.position)
                self.failures.append((path, "", "unreadable", o.reason))
            elif isinstance(o, Skipped) or self.seen(o.sha256):
                self.report.skipped += 1
                self.repeats.append(Skipped(o.position, o.sha256))
                self.unsettled += 1
            elif isinstance(o, Enrolled):
                self.enrolled_here[o.sha256] = o.position
                enrolled.append(o)
            else:
                self.refusals[o.sha256] = (o.code, o.reason)
                refused.append(o)
        if not enrolled and not refused and not final and self.unsettled < SETTLE_EVERY:
            return
        with transaction(self.sessions) as session:
            ids = self._insert(session, enrolled, refused)
            conflicts = self._settle(session, final)
            self._record(session, conflicts)
        # After the commit: an index may lag the record (opening it catches up), never lead.
        if enrolled:
            vectors = np.vstack([np.frombuffer(o.vector, dtype=np.float32) for o in enrolled])
            self.index.add(ids, vectors)
            self.changed_index = True
        self.report.enrolled += len(enrolled)
        self.report.refused += len(refused)
        self.report.conflicts += len(conflicts)
        self.failures.extend(
            (self.location(o.position), o.sha256, o.code, o.reason) for o in refused
        )
        self.failures.extend(conflict.failure for conflict in conflicts)

    def seen(self, sha256: str) -> bool:
        return sha256 in self.enrolled_here or sha256 in self.refusals

    def location(self, position: int) -> str:
        return stored_location(self.items[position].path, self.photo_root)

    def _insert(
        self, session: Session, enrolled: list[Enrolled], refused: list[Rejected]
    ) -> np.ndarray:
        items = self.items
        persons = _persons(session, self.gallery_id, [items[o.position] for o in enrolled])
        photos = [
            Photo(
                gallery_id=self.gallery_id,
                person_id=persons[items[o.position].record_id].id,
                sha256=o.sha256,
                source=self.location(o.position),
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
                source=self.location(o.position),
                code=o.code,
                reason=o.reason,
            )
            for o in refused
        )
        session.flush()
        return np.array([t.id for t in templates], dtype=np.int64)

    def _settle(self, session: Session, final: bool) -> list[Conflict]:
        """Account for the repeats: a refused photo's row again, a conflict where the photo
        is enrolled under another record; the rest (same record) are simply done."""
        shas = {s.sha256 for s in self.repeats if not self.seen(s.sha256)}
        owners = _owners(session, self.gallery_id, shas)
        conflicts: list[Conflict] = []
        waiting: list[Skipped] = []
        for repeat in self.repeats:
            item = self.items[repeat.position]
            if repeat.sha256 in self.refusals:
                code, reason = self.refusals[repeat.sha256]
                self.failures.append((self.location(repeat.position), repeat.sha256, code, reason))
                continue
            if repeat.sha256 in self.enrolled_here:
                first = self.items[self.enrolled_here[repeat.sha256]]
                owner = (first.record_id, first.name)
            elif repeat.sha256 in owners:
                owner = owners[repeat.sha256]
            else:
                if not final:  # its first sighting is still with a worker
                    waiting.append(repeat)
                continue
            if owner[0] != item.record_id:
                location = self.location(repeat.position)
                conflicts.append(
                    Conflict(location, repeat.sha256, *owner, item.record_id, item.name)
                )
        self.repeats, self.unsettled = waiting, 0
        return conflicts

    def _record(self, session: Session, conflicts: list[Conflict]) -> None:
        for conflict in conflicts:
            details = {
                "photo": conflict.location,
                "photo_sha256": conflict.sha256,
                "enrolled_under": conflict.enrolled_record,
                "enrolled_name": conflict.enrolled_name,
                "not_enrolled_under": conflict.record_id,
                "not_enrolled_name": conflict.name,
            }
            log(session, self.by, "gallery.enrolment_conflict", self.gallery, details)


def _owners(session: Session, gallery_id: int, shas: set[str]) -> dict[str, tuple[str, str]]:
    """(record id, name) of the person each of these enrolled photos belongs to."""
    found: dict[str, tuple[str, str]] = {}
    keys = sorted(shas)
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(Photo.sha256, Person.record_id, Person.name)
            .join(Person, Person.id == Photo.person_id)
            .where(Photo.gallery_id == gallery_id, Photo.sha256.in_(keys[start : start + 500]))
        )
        found.update((sha, (record_id, name)) for sha, record_id, name in rows)
    return found


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
