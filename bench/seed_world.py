"""A small seeded world for service benchmarks: staff with API tokens, a five-person
gallery, and court-ordered requests (one search each) submitted or approved.

Seeded through the library, as an agency's tools would, so every row has its entry on the
record and the services start from a record that verifies. The development keys (the
record's signing key, the TOTP seed key) are made here, before any service starts, so
two services never race to create them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from facedocket.accounts.seeds import SeedCipher
from facedocket.accounts.tokens import create_token
from facedocket.audit import signing_key
from facedocket.cases import requests
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.faces.registry import build_pipeline
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.kernel.actors import load_actor
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade

PEOPLE = ["Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody", "Adam_Sandler", "Alejandro_Toledo"]
STAFF = {
    "officer": ("bpd", "requester"),
    "intake": ("state-police", "intake_reviewer"),
    "supervisor": ("state-police", "supervisor"),
    "examiner": ("state-police", "examiner"),
    "examiner2": ("state-police", "examiner"),
}
OPERATOR = "operator:bench"
WHY = "The order names this image and this gallery."


@dataclass
class SeedWorld:
    tokens: dict[str, str] = field(default_factory=dict)
    approved: list[int] = field(default_factory=list)
    submitted: list[int] = field(default_factory=list)
    warm_up: list[int] = field(default_factory=list)


def seed(url: str, data_dir: Path, faces: Path, count: int) -> SeedWorld:
    """``count`` approved and ``count`` submitted requests, and two to warm up on."""
    settings = Settings(data_dir=data_dir, database_url=url)
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    signing_key(settings)
    SeedCipher.of(settings)
    world = SeedWorld()
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        add_agency(session, OPERATOR, "state-police", "Massachusetts State Police")
        add_agency(session, OPERATOR, "bpd", "Boston Police Department")
        for username, (agency, role) in STAFF.items():
            user = add_user(
                session,
                OPERATOR,
                username=username,
                full_name=username.title(),
                agency_code=agency,
                roles=[role],
                rank="Detective",
            )
            world.tokens[username], _ = create_token(session, user, "bench", now)
    lfw = faces / "lfw"
    items = [
        EnrolmentItem(name, name.replace("_", " "), lfw / name / f"{name}_0001.jpg")
        for name in PEOPLE
    ]
    enrol(settings, sessions, "rmv", items, workers=1)
    probe = (lfw / "Abdullah_Gul" / "Abdullah_Gul_0002.jpg").read_bytes()
    pipeline = build_pipeline(settings)
    for n in range(2 * count + 2):
        with transaction(sessions) as session:
            officer = load_actor(session, "officer")
            made = requests.create_request(
                session,
                settings,
                officer,
                RequestCreate.model_validate(court_order_request(f"{n:06d}", now)),
                [FileUpload(filename="probe.jpg", content=probe, source="Store camera")],
                FileUpload(filename="order.pdf", content=blank_order_pdf()),
                pipeline=pipeline,
            )
            requests.submit(session, settings, officer, made.id)
            if n >= count:
                intake = load_actor(session, "intake")
                requests.approve(session, settings, intake, made.id, WHY)
        group = world.submitted if n < count else world.approved
        (group if n < 2 * count else world.warm_up).append(made.id)
    engine.dispose()
    return world


def court_order_request(case: str, now: datetime) -> dict[str, Any]:
    """The form of a court-ordered request for one search of the "rmv" gallery, as the
    API takes it; ``case`` makes its case and docket numbers unique."""
    return {
        "case_number": f"BENCH-{case}",
        "offence": "Armed robbery (G.L. c. 265, s. 17)",
        "offence_class": "felony",
        "narrative": "A man robbed a store at gunpoint; the store camera recorded his face.",
        "gallery": "rmv",
        "searching_body": "state-police",
        "basis": {
            "kind": "court_order",
            "court": "Suffolk Superior Court",
            "docket_number": f"2684CR-{case}",
            "judge": "Hon. J. Example",
            "issued_on": (now - timedelta(days=1)).date().isoformat(),
            "expires_at": (now + timedelta(days=30)).isoformat(),
            "scope": "One facial recognition search of the RMV licence photos.",
            "searches_allowed": 1,
        },
    }


def blank_order_pdf() -> bytes:
    """A one-page PDF standing for the signed order (the gate reads no text from it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "PDF")
    return buffer.getvalue()
