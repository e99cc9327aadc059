"""A whole court-ordered case on the embedded default, from enrolment to verified record.

It plays every role in turn, so a newcomer (or an agency evaluating FaceDocket) sees the
legal path a search must take. The examiners' conclusions are scripted from the data set's
labels; in real use an examiner compares the faces. The probe is the first photo, among
the gallery's people with two photos, that meets the policy's quality floor, so the demo
never has to override it; if none does, ``DemoError`` says so.
"""

from __future__ import annotations

import io
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.accounts.passwords import set_password
from facedocket.audit import checkpoint, signing_key, verify
from facedocket.cases import gate, requests, review
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.cases.sheet import review_sheet
from facedocket.cases.states import Conclusion
from facedocket.faces.errors import FaceError
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.kernel.actors import load_actor
from facedocket.policy import Policy, load_policy
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade
from facedocket.store.schema import Person, Photo, User

Say = Callable[[str], None]


class DemoError(RuntimeError):
    """The demo cannot run on these photos; the message says why, in plain words."""


@dataclass(frozen=True)
class DemoProbe:
    path: Path
    subject: str  # the person's folder name: their licence record id
    eye_distance: float
    skipped: int  # earlier candidates that were too small or showed no single face


GALLERY = "rmv"
OPERATOR = "operator:demo"
STAFF = [
    ("det.rivera", "Dana Rivera", "bpd", ["requester"], "Detective"),
    ("intake.chen", "Morgan Chen", "state-police", ["intake_reviewer"], "Sergeant"),
    ("exam.okafor", "Ade Okafor", "state-police", ["examiner"], "Trooper"),
    ("exam.lindqvist", "Sam Lindqvist", "state-police", ["examiner"], "Trooper"),
    ("sup.haddad", "Rana Haddad", "state-police", ["supervisor"], "Lieutenant"),
    ("audit.nguyen", "Linh Nguyen", "state-police", ["auditor"], "Auditor"),
    ("admin.obrien", "Pat O'Brien", "state-police", ["administrator"], "Systems administrator"),
]


def demo_settings(base: Settings) -> Settings:
    """An SQLite demo under the data folder, emptied except for the converted model."""
    folder = base.data_dir / "demo"
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.name != "models":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'facedocket.db'}")


def run_demo(faces: Path, settings: Settings, say: Say, gallery_size: int = 1000) -> None:
    """Run the demo case on an empty database (see ``demo_settings``)."""
    lfw = faces / "lfw"
    if not lfw.is_dir():
        raise FileNotFoundError(f"{lfw} does not exist: pass --faces with the development set")
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)

    say("1. The administrator registers agencies and staff.")
    with transaction(sessions) as session:
        add_agency(session, OPERATOR, "state-police", "Massachusetts State Police")
        add_agency(session, OPERATOR, "bpd", "Boston Police Department")
        for username, name, agency, roles, rank in STAFF:
            add_user(
                session,
                OPERATOR,
                username=username,
                full_name=name,
                agency_code=agency,
                roles=roles,
                rank=rank,
            )

    pipeline = build_pipeline(settings)
    people = sorted(p for p in lfw.iterdir() if p.is_dir())[:gallery_size]
    probe = choose_probe(people, pipeline, load_policy(settings.policy))
    truth = probe.subject
    items = [
        EnrolmentItem(person.name, person.name.replace("_", " "), sorted(person.glob("*.jpg"))[0])
        for person in people
    ]
    say(f"2. Enrolling {len(items)} licence photos into gallery {GALLERY!r}.")
    report = enrol(settings, sessions, GALLERY, items)
    say(f"   {report.enrolled} enrolled, {report.refused} refused ({report.per_second:.0f}/s).")

    say(f"3. Detective Rivera (Boston PD) writes a court-ordered request; probe {probe.path.name}")
    tried = f"; {probe.skipped} photo(s) tried first fell short" if probe.skipped else ""
    say(f"   ({probe.eye_distance:.0f} pixels between the eyes, above the floor{tried}).")
    number = _write_request(settings, sessions, probe.path, pipeline)
    say(f"   request {number} submitted.")

    with transaction(sessions) as session:
        intake = load_actor(session, "intake.chen")
        note = "The order names this store camera image and an RMV search; it is in force."
        requests.approve(session, settings, intake, number, note)
    say("4. Intake (State Police) confirms the order covers the request and approves it.")

    with transaction(sessions) as session:
        examiner = load_actor(session, "exam.okafor")
        search = gate.run_search(session, settings, examiner, number, pipeline)
        say(
            f"5. Examiner Okafor searches: {search.candidates_returned} candidate(s) "
            f"at threshold {search.threshold:.3f}."
        )

    _review(sessions, number, truth)
    say("6. Both examiners conclude each candidate (the second review is blind).")

    with transaction(sessions) as session:
        officer = load_actor(session, "det.rivera")
        released = review.released_results(session, officer, number)
    say(f"7. The detective reads the result: {released.outcome}.")
    say(f"   {released.notice}")
    for lead in released.leads:
        say(f"   possible lead: {lead.person_name} (licence record {lead.record_id})")

    key = signing_key(settings)
    with transaction(sessions) as session:
        checkpoint(session, key)
    with sessions() as session:
        result = verify(session, key.public_key())
    say(f"8. The auditor verifies the record: {result}")
    if not result.ok:
        raise RuntimeError("the demo's record did not verify")


def set_demo_passwords(settings: Settings) -> dict[str, tuple[str, list[str]]]:
    """A fresh random password for every demo user, so the pages can be tried as each."""
    chosen: dict[str, tuple[str, list[str]]] = {}
    with transaction(session_factory(make_engine(settings.db_url))) as session:
        for username, _, _, roles, _ in STAFF:
            password = secrets.token_urlsafe(12)
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None  # the demo made every one of them
            set_password(session, user, password, by=OPERATOR, role="administrator")
            chosen[username] = (password, roles)
    return chosen


def _write_request(
    settings: Settings, sessions: sessionmaker[Session], probe: Path, pipeline: FacePipeline
) -> int:
    now = datetime.now(UTC)
    form = RequestCreate.model_validate(
        {
            "case_number": "BPD-2026-004711",
            "offence": "Armed robbery (G.L. c. 265, s. 17)",
            "offence_class": "felony",
            "narrative": "A man robbed a convenience store at gunpoint; the store camera "
            "recorded his face. No suspect has been named.",
            "gallery": GALLERY,
            "searching_body": "state-police",
            "basis": {
                "kind": "court_order",
                "court": "Suffolk Superior Court",
                "docket_number": "2684CR004711",
                "judge": "Hon. J. Example",
                "issued_on": (now - timedelta(days=1)).date().isoformat(),
                "expires_at": (now + timedelta(days=30)).isoformat(),
                "scope": "One facial recognition search of the RMV licence photo database "
                "with the still image from the store camera of 12 Main St.",
                "searches_allowed": 1,
            },
        }
    )
    photo = FileUpload(
        filename=probe.name,
        content=probe.read_bytes(),
        source="Store camera, 12 Main St, still frame",
    )
    with transaction(sessions) as session:
        officer = load_actor(session, "det.rivera")
        request = requests.create_request(
            session, settings, officer, form, [photo], _order_pdf(form), pipeline=pipeline
        )
        requests.submit(session, settings, officer, request.id)
        return request.id


def _review(sessions: sessionmaker[Session], number: int, truth: str) -> None:
    """Both examiners conclude every candidate; the script knows who the probe shows (the
    sheet names nobody to an examiner before their conclusion: it knows the photos)."""
    with sessions() as session:
        photos_of_truth = set(
            session.scalars(
                select(Photo.id)
                .join(Person, Person.id == Photo.person_id)
                .where(Person.record_id == truth)
            )
        )
    for username, review_round in (("exam.okafor", 1), ("exam.lindqvist", 2)):
        with transaction(sessions) as session:
            actor = load_actor(session, username)
            for row in review_sheet(session, actor, number):
                same = row.photo_id in photos_of_truth
                review.record_conclusion(
                    session,
                    actor,
                    number,
                    row.candidate_id,
                    Conclusion.POSSIBLE_LEAD if same else Conclusion.EXCLUDED,
                    "Consistent face shape, eyes, nose and ears; worth investigating."
                    if same
                    else "Different face shape and features; excluded.",
                    review_round,
                )
    with transaction(sessions) as session:
        examiner = load_actor(session, "exam.okafor")
        rows = review_sheet(session, examiner, number)
        outcome = "lead" if any(r.photo_id in photos_of_truth for r in rows) else "no_lead"
        review.conclude(session, examiner, number, outcome)


def choose_probe(people: list[Path], pipeline: FacePipeline, policy: Policy) -> DemoProbe:
    """A probe the policy accepts without an override: another photo of an enrolled person.

    Each person is enrolled from their first photo; the probe is a person's last photo,
    tried from the middle of the list on, until one shows a single face at least the
    policy's ``probe_min_eye_distance`` pixels between the eyes.
    """
    repeat = [p for p in people if len(list(p.glob("*.jpg"))) >= 2]
    middle = len(repeat) // 2
    floor = policy.probe_min_eye_distance
    for skipped, subject in enumerate(repeat[middle:] + repeat[:middle]):
        path = sorted(subject.glob("*.jpg"))[-1]
        try:
            _, face = pipeline.probe_face(path.read_bytes())
        except FaceError:
            continue
        if face.quality.eye_distance >= floor:
            return DemoProbe(path, subject.name, face.quality.eye_distance, skipped)
    raise DemoError(
        f"no usable probe: of the {len(people)} people in the demo gallery, {len(repeat)} have "
        f"a second photo, and none of those shows one face at least {floor} pixels between "
        f"the eyes (policy {policy.id}'s floor for a search without an override); "
        "try a larger --gallery-size"
    )


def _order_pdf(form: RequestCreate) -> FileUpload:
    """A one-page order, rendered the way a scanned paper order arrives: as a PDF."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    basis = form.basis.model_dump()
    lines = [
        "COMMONWEALTH OF MASSACHUSETTS",
        f"{basis['court']}  -  Docket {basis['docket_number']}",
        "ORDER AUTHORIZING A FACIAL RECOGNITION SEARCH (G.L. c. 6, s. 220)",
        "",
        f"Case {form.case_number}: {form.offence}",
        f"Scope: {basis['scope']}",
        f"Issued {basis['issued_on']}, expires {basis['expires_at']}",
        f"Signed: {basis['judge']}",
    ]
    for row, line in enumerate(lines):
        draw.text((100, 120 + 60 * row), line, fill="black")
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return FileUpload(filename="order.pdf", content=buffer.getvalue(), source="Clerk's office")
