"""Notices: who is told of what, by a real SMTP server on loopback and on the home page;
the mail carries no face, no candidate's name and no narrative; a mail server that is
down holds up nothing, and its failures are retried and shown (issue 17)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cases.conftest import (
    PEOPLE,
    World,
    approve_the_model,
    train,
    under_commission_rules,
)
from tests.cases.leads import massachusetts_lead
from tests.cases.test_workflow import act
from tests.notify.conftest import Inbox, free_port, smtp_server

from facedocket.cases.directory import add_agency, add_user, update_user
from facedocket.gallery.galleries import ensure_gallery
from facedocket.gallery.jobs import submit
from facedocket.gallery.record import Enroller
from facedocket.gallery.runner import run_next
from facedocket.notify.deliver import deliver_due, outbox
from facedocket.notify.notices import notices_for
from facedocket.schedule.runs import run_due
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, EnrolmentJobRow, Notice, SearchRequest, User
from facedocket.store.schema.base import utcnow

SITE = "https://facedocket.example"


def mailing(world: World, port: int, **more: object) -> Settings:
    update = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    return world.settings.model_copy(update={**update, "public_url": SITE, **more})


def addresses(world: World, *usernames: str) -> None:
    with transaction(world.sessions) as session:
        for username in usernames:
            user = session.scalars(select(User).where(User.username == username)).one()
            update_user(session, "operator:test", user.id, email=f"{username}@agency.example")


def told(world: World) -> list[tuple[str, str]]:
    """(username, event) of every notice, in order."""
    with world.sessions() as session:
        rows = session.execute(
            select(User.username, Notice.event)
            .join(User, User.id == Notice.user_id)
            .order_by(Notice.id)
        )
        return [(username, event) for username, event in rows]


def test_intake_and_the_requester_are_told_and_the_mail_says_nothing_of_the_case(
    world: World, inbox: Inbox
) -> None:
    addresses(world, "officer", "intake")
    number = massachusetts_lead(world)  # submitted by the officer, approved by intake
    assert told(world) == [("intake", "request.submitted"), ("officer", "result.released")]

    assert deliver_due(mailing(world, inbox.port), world.sessions) == {"sent": 2, "failed": 0}
    assert [to for to, _ in inbox.mails] == [["intake@agency.example"], ["officer@agency.example"]]
    with world.sessions() as session:
        request = session.get_one(SearchRequest, number)
        secrets = [request.narrative, request.case_number, request.offence, *PEOPLE]
        secrets += [name.replace("_", " ") for name in PEOPLE]
    for _, mail in inbox.mails:
        assert not mail.is_multipart(), "a notice has no attachment (no face)"
        whole = mail.as_string()
        assert f"{SITE}/requests/{number}" in whole
        assert [secret for secret in secrets if secret in whole] == []
    assert inbox.mails[1][1]["Subject"] == (
        f"FaceDocket: The examiners concluded request {number}; its result can be read."
    )
    with world.sessions() as session:
        officer = session.scalars(select(User).where(User.username == "officer")).one()
        [shown] = notices_for(session, officer.id)
        assert (shown.mail_state, shown.link) == ("sent", f"/requests/{number}")
    assert deliver_due(mailing(world, inbox.port), world.sessions) == {"sent": 0, "failed": 0}


def test_emergency_supervisor_and_sworn_statement_reminders_and_overdue(
    world: World, inbox: Inbox, tmp_path: Path
) -> None:
    under_commission_rules(world)
    train(world, "frt.exam")
    approve_the_model(world, tmp_path)
    addresses(world, "officer", "frt.sup")
    number = world.draft(kind="emergency")
    act(world, "officer", "submit", number)
    assert told(world) == [("frt.sup", "emergency.waiting")]  # the unit has no intake
    act(world, "frt.sup", "approve", number, "The facts show an urgent risk to a child.")
    act(world, "frt.exam", "search", number)  # the 48-hour clock starts
    start = world.clock.at
    settings = mailing(world, inbox.port)

    run_due(settings, world.sessions, "w", start + timedelta(hours=35))
    assert len(told(world)) == 1, "more than 12 hours before the deadline: no reminder"
    run_due(settings, world.sessions, "w", start + timedelta(hours=37))
    soon = [("officer", "statement.due_soon"), ("frt.sup", "statement.due_soon")]
    assert told(world)[1:] == soon
    run_due(settings, world.sessions, "w", start + timedelta(hours=40))
    assert told(world)[1:] == soon, "each is told once"
    run_due(settings, world.sessions, "w", start + timedelta(hours=49))
    late = [("officer", "statement.overdue"), ("frt.sup", "statement.overdue")]
    assert told(world)[1:] == soon + late
    run_due(settings, world.sessions, "w", start + timedelta(hours=50))
    assert told(world)[1:] == soon + late
    with world.sessions() as session:
        marks = session.scalars(
            select(AuditEntry.subject_id).where(AuditEntry.action == "statement.overdue")
        ).all()
        assert marks == [str(number)]
    assert deliver_due(settings, world.sessions)["sent"] == 5
    subjects = sorted(mail["Subject"] for _, mail in inbox.mails)
    assert subjects[-1] == (
        f"FaceDocket: The sworn statement for emergency request {number} is overdue."
    )


def test_a_mail_server_that_is_down_holds_up_nothing_and_is_retried_until_it_answers(
    world: World,
) -> None:
    addresses(world, "intake")
    port = free_port()  # nothing listens there yet
    number = world.draft()
    act(world, "officer", "submit", number)  # the step commits with its notice, unmailed
    with world.sessions() as session:
        assert session.get_one(SearchRequest, number).state == "submitted"
    settings = mailing(world, port, notice_max_attempts=3)
    at = utcnow() + timedelta(seconds=1)  # notices keep the real time, not the workflow's
    assert deliver_due(settings, world.sessions, at) == {"sent": 0, "failed": 1}
    assert deliver_due(settings, world.sessions, at + timedelta(seconds=29))["failed"] == 0
    assert deliver_due(settings, world.sessions, at + timedelta(seconds=30))["failed"] == 1
    with world.sessions() as session:
        shown = outbox(session)
        [failing] = shown.failing
        assert (shown.pending, failing.attempts, failing.mail_state) == (1, 2, "pending")
        assert "ConnectionRefusedError" in failing.last_error
        assert failing.next_attempt_at == at + timedelta(seconds=90)  # 30 s + 60 s
    with smtp_server(Inbox(port)) as inbox:  # the server comes back
        sent = deliver_due(settings, world.sessions, at + timedelta(seconds=90))
    assert sent == {"sent": 1, "failed": 0}
    assert [to for to, _ in inbox.mails] == [["intake@agency.example"]]

    number = world.draft()
    act(world, "officer", "submit", number)
    for wait in (0, 30, 90):  # three tries, then it is given up and shown as failed
        deliver_due(settings, world.sessions, at + timedelta(seconds=200 + wait))
    with world.sessions() as session:
        [given_up] = [n for n in outbox(session).failing if n.mail_state == "failed"]
        assert given_up.attempts == 3
    assert deliver_due(settings, world.sessions, at + timedelta(days=1))["failed"] == 0


def test_without_a_mail_server_or_an_address_notices_are_on_the_home_page_only(
    world: World,
) -> None:
    number = world.draft()
    act(world, "officer", "submit", number)  # intake has no address
    with world.sessions() as session:
        [notice] = session.scalars(select(Notice)).all()
        assert (notice.mail_state, notice.text) == (
            "none",
            f"Request {number} was submitted and waits for intake review.",
        )
    assert deliver_due(world.settings, world.sessions) == {"sent": 0, "failed": 0}


def test_the_administrators_are_told_when_a_job_fails(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    batch = tmp_path / "imports" / "batch" / "Someone"
    batch.mkdir(parents=True)
    (batch / "1.jpg").write_bytes(b"read only when the job runs")
    settings = Settings(data_dir=tmp_path / "data", enrolment_dir=tmp_path / "imports")
    admin = Enroller("admin.one", "administrator")
    with transaction(sessions) as session:
        add_agency(session, "operator:test", "msp", "State Police")
        for username, role in (("admin.one", "administrator"), ("officer", "requester")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username,
                agency_code="msp",
                roles=[role],
            )
        ensure_gallery(session, "county", by=admin)
    job = submit(settings, sessions, "county", "batch", admin)
    shutil.rmtree(tmp_path / "imports" / "batch")  # gone before a worker takes the job
    assert run_next(settings, sessions) == job.id
    with sessions() as session:
        assert session.get_one(EnrolmentJobRow, job.id).state == "failed"
        [notice] = session.scalars(select(Notice)).all()
        user = session.get_one(User, notice.user_id)
    assert (user.username, notice.event, notice.link) == (
        "admin.one",
        "job.failed",
        f"/admin/enrolments/{job.id}",
    )
