"""A small world for the workflow tests: agencies, staff, an enrolled gallery, a clock."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.databases import SEEDS, Seed
from tests.people import add_admin
from tests.records import BENCH

from facedocket.cases import requests
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.governance.accuracy import read_accuracy
from facedocket.governance.register import approve_model, register_model
from facedocket.governance.training import record_training
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor, load_actor
from facedocket.policy import load_policy
from facedocket.settings import Settings
from facedocket.store.db import session_factory, transaction
from facedocket.store.schema import FaceModelRecord

GALLERY = "rmv"
PEOPLE = ["Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody", "Adam_Sandler", "Alejandro_Toledo"]
STAFF = {
    "officer": ("bpd", ["requester"]),
    "other.officer": ("bpd", ["requester"]),
    "intake": ("state-police", ["intake_reviewer"]),
    "examiner": ("state-police", ["examiner"]),
    "examiner2": ("state-police", ["examiner"]),
    "supervisor": ("state-police", ["supervisor"]),
    "auditor": ("state-police", ["auditor"]),
    "local.examiner": ("bpd", ["examiner", "intake_reviewer", "supervisor"]),
}


class Clock:
    """A settable clock standing in for the workflow's ``clock.now``."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class World:
    settings: Settings
    sessions: sessionmaker[Session]
    pipeline: FacePipeline
    faces: Path
    clock: Clock

    def actor(self, username: str) -> Actor:
        with self.sessions() as session:
            return load_actor(session, username)

    def photo(self, name: str, number: int = 1) -> Path:
        return self.faces / "lfw" / name / f"{name}_{number:04d}.jpg"

    def form(self, **basis: Any) -> RequestCreate:
        kind = basis.pop("kind", "court_order")
        bodies = [b.id for b in load_policy(self.settings.policy).searchers.bodies or []]
        # The State Police, unless the policy names a single body (then chosen for you).
        body = basis.pop("searching_body", None if len(bodies) == 1 else "state-police")
        fields: dict[str, Any] = {"kind": kind}
        if kind in ("court_order", "warrant"):
            fields |= {
                "court": "Suffolk Superior Court",
                "docket_number": "2684CR000001",
                "judge": "Hon. J. Example",
                "issued_on": (self.clock.at - timedelta(days=1)).date().isoformat(),
                "expires_at": (self.clock.at + timedelta(days=10)).isoformat(),
                "scope": "One search of the RMV gallery with the attached still image.",
                "searches_allowed": 1,
            }
        else:
            fields["facts"] = (
                "A child was taken from a playground an hour ago; the abductor's face is on camera."
            )
        return RequestCreate.model_validate(
            {
                "case_number": "BPD-2026-1",
                "offence": "Armed robbery",
                "offence_class": "felony",
                "narrative": "A store was robbed at gunpoint; the camera shows the robber.",
                "gallery": GALLERY,
                "searching_body": body,
                "basis": fields | basis,
            }
        )

    def draft(self, username: str = "officer", probe: str = "Abdullah_Gul", **basis: Any) -> int:
        form = self.form(**basis)
        order = order_pdf() if form.basis.kind in ("court_order", "warrant") else None
        with transaction(self.sessions) as session:
            created = requests.create_request(
                session,
                self.settings,
                self.actor(username),
                form,
                [
                    FileUpload(
                        filename="probe.jpg",
                        content=self.photo(probe, 2).read_bytes(),
                        source="Store camera, still frame",
                    )
                ],
                order,
                pipeline=self.pipeline,
            )
            return created.id


def order_pdf() -> FileUpload:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "PDF")
    return FileUpload(filename="order.pdf", content=buffer.getvalue())


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> FacePipeline:
    return build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("models")))


def add_staff(session: Session) -> None:
    """The two agencies and everyone in ``STAFF``."""
    add_agency(session, "operator:test", "state-police", "Massachusetts State Police")
    add_agency(session, "operator:test", "bpd", "Boston Police Department")
    for username, (agency, roles) in STAFF.items():
        add_user(
            session,
            "operator:test",
            username=username,
            full_name=username.title(),
            agency_code=agency,
            roles=roles,
            rank="Detective",
        )


def seed_world(engine: Engine, folder: Path, request: pytest.FixtureRequest) -> None:
    """The world's staff and enrolled gallery, written once into a template (tests/conftest)
    on the clock each ``world`` starts at."""
    with pytest.MonkeyPatch.context() as patch:
        fake_time = Clock()
        patch.setattr(clock, "now", fake_time)
        make_world(
            session_factory(engine),
            folder,
            request.getfixturevalue("faces"),
            request.getfixturevalue("pipeline"),
            fake_time,
        )


SEEDS["world"] = Seed("world", seed_world)


@pytest.fixture
def world(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    faces: Path,
    pipeline: FacePipeline,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    """The staff and the enrolled gallery: the test's database and data folder are copies
    of those ``seed_world`` made (``SEEDS``), so only the clock is set here."""
    fake_time = Clock()
    monkeypatch.setattr(clock, "now", fake_time)
    return World(Settings(data_dir=tmp_path / "data"), sessions, pipeline, faces, fake_time)


def make_world(
    sessions: sessionmaker[Session],
    folder: Path,
    faces: Path,
    pipeline: FacePipeline,
    fake_time: Clock,
) -> World:
    """The staff and an enrolled gallery on ``sessions`` (``fake_time`` already patched in)."""
    settings = Settings(data_dir=folder / "data")
    with transaction(sessions) as session:
        add_staff(session)
    items = [
        EnrolmentItem(name, name.replace("_", " "), faces / "lfw" / name / f"{name}_0001.jpg")
        for name in PEOPLE
    ]
    enrol(settings, sessions, GALLERY, items, workers=1, pipeline=pipeline)
    return World(settings, sessions, pipeline, faces, fake_time)


@pytest.fixture
def live(world: World) -> World:
    """The world on the real clock, which processes the test spawns read."""
    world.clock.at = datetime.now(UTC)
    return world


def under_commission_rules(world: World) -> World:
    """The 2022 commission's rules: one State Police unit searches, trained, with an
    approved model; ``admin`` keeps the training records and the algorithm register."""
    world.settings = world.settings.model_copy(update={"policy": "ma-commission-2022"})
    with transaction(world.sessions) as session:
        add_agency(session, "operator:test", "state-police-frt-unit", "MSP face unit")
        for username, role in (("frt.sup", "supervisor"), ("frt.exam", "examiner")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username,
                agency_code="state-police-frt-unit",
                roles=[role],
                rank="Sergeant",
            )
        add_admin(session)
    return world


def train(world: World, examiner: str, expires_days: int | None = None) -> None:
    """A course completed 30 days ago, expiring in ``expires_days`` (never, if None)."""
    today = world.clock.at.date()
    with transaction(world.sessions) as session:
        record_training(
            session,
            world.actor("admin"),
            examiner,
            "FISWG facial comparison",
            today - timedelta(days=30),
            today + timedelta(days=expires_days) if expires_days is not None else None,
        )


def approve_the_model(world: World, folder: Path) -> None:
    """Register the enrolled model with measured accuracy, and approve it."""
    results = folder / "accuracy.json"
    results.write_text(json.dumps(BENCH))
    with transaction(world.sessions) as session:
        model = session.scalars(select(FaceModelRecord)).one()
        register_model(session, world.actor("admin"), model, read_accuracy(results))
        approve_model(session, world.actor("admin"), model.id, "Measured on the benchmark.")
