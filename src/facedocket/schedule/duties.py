"""The scheduled duties: what each does, and when it is next due after a run.

Each duty runs inside the transaction that holds its ``duty_runs`` row (``runs.py``), so
what it changes commits with its audit entry and its next due time, or not at all. A duty
returns a short account of what it did, which the record keeps (counts and numbers only:
no names, no narrative).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append, checkpoint_if_due, signing_key
from facedocket.audit.witnesses import configured, submit_all
from facedocket.cases.basis import legal_basis
from facedocket.cases.followup import overdue
from facedocket.cases.retention import purge
from facedocket.kernel.actors import Actor, load_actor
from facedocket.kernel.refusals import NotFound
from facedocket.notify import notices
from facedocket.policy import Policy, check_searching_body, load_policy
from facedocket.private_files import private_folder
from facedocket.reports.files import write_folder
from facedocket.reports.quarterly import quarterly_export
from facedocket.settings import Settings
from facedocket.store.schema import Agency

# Who the record names for what the scheduler does on its own (the duties' entries, an
# overdue mark); purges and reports are taken in the name of ``DUTY_USER``.
SCHEDULER = "facedocket.scheduler"
SCHEDULER_ROLE = "scheduler"
# How long before a sworn statement is due its requester and supervisor are told.
REMINDER = timedelta(hours=12)


class DutyError(RuntimeError):
    """A duty cannot run as configured; the run fails with this reason and is retried."""


@dataclass(frozen=True)
class Context:
    session: Session
    settings: Settings
    at: datetime


class Interval:
    """Every so many minutes, from the setting of that name; 0 turns the duty off."""

    def __init__(self, setting: str, minutes_each: int = 1, needs: str | None = None) -> None:
        self.setting, self.minutes_each, self.needs = setting, minutes_each, needs

    def minutes(self, settings: Settings) -> int:
        """0 also when the setting the duty ``needs`` is empty (no witnesses configured)."""
        if self.needs is not None and not getattr(settings, self.needs):
            return 0
        return int(getattr(settings, self.setting)) * self.minutes_each

    def next_after(self, settings: Settings, at: datetime) -> datetime | None:
        minutes = self.minutes(settings)
        return at + timedelta(minutes=minutes) if minutes else None

    def words(self, settings: Settings) -> str:
        minutes = self.minutes(settings)
        hours, rest = divmod(minutes, 60)
        return "off" if not minutes else f"every {minutes} min" if rest else f"every {hours} h"


class QuarterStart:
    """Each quarter's first day, at ``DUTY_QUARTERLY_HOUR`` in the policy's local time."""

    def next_after(self, settings: Settings, at: datetime) -> datetime | None:
        return quarter_start_after(settings, at)

    def words(self, settings: Settings) -> str:
        return f"each quarter's first day, {settings.duty_quarterly_hour:02d}:00 local time"


@dataclass(frozen=True)
class Duty:
    """A duty runs inside the transaction that holds its row (``run``), or, if it waits
    on other servers, on its own sessions outside it (``run_alone``)."""

    name: str
    what: str
    when: Interval | QuarterStart
    run: Callable[[Context], dict[str, Any]] | None = None
    run_alone: Callable[[sessionmaker[Session], Settings], dict[str, Any]] | None = None

    def next_after(self, settings: Settings, at: datetime) -> datetime | None:
        """When it is due after a run at ``at``; None when the settings turn it off."""
        return self.when.next_after(settings, at)

    def every(self, settings: Settings) -> str:
        """How often, in words, for the administrator's page and ``duties list``."""
        return self.when.words(settings)


def duty_actor(session: Session, settings: Settings) -> Actor:
    if not settings.duty_user:
        raise DutyError("FACEDOCKET_DUTY_USER is not set: name the administrator it acts for")
    try:
        return load_actor(session, settings.duty_user)
    except NotFound as error:
        raise DutyError(f"FACEDOCKET_DUTY_USER: {error}") from None


def sign_checkpoint(context: Context) -> dict[str, Any]:
    row = checkpoint_if_due(context.session, signing_key(context.settings))
    return {"checkpoint": row.seq if row is not None else None}


def submit_to_witnesses(sessions: sessionmaker[Session], settings: Settings) -> dict[str, Any]:
    """The newest checkpoint to every configured witness (``audit/witnesses.py``); a
    witness that did not cosign fails the run, so it is retried sooner and shown."""
    outcomes = submit_all(sessions, configured(settings), settings.witness_timeout_seconds)
    problems = [str(outcome) for outcome in outcomes if outcome.problem is not None]
    if problems:
        raise DutyError("; ".join(problems))
    return {"cosigned": {outcome.witness: outcome.cosigned for outcome in outcomes}}


def purge_retention(context: Context) -> dict[str, Any]:
    actor = duty_actor(context.session, context.settings)
    return {"purged": len(purge(context.session, actor, context.at))}


def mark_statements(context: Context) -> dict[str, Any]:
    """Tell the requester and the supervisor of each emergency request whose sworn
    statement is due within ``REMINDER`` (once), and put each one missing past its deadline
    on the record as overdue and tell them again (once)."""
    session, at = context.session, context.at
    late = overdue(session, at)
    # What will be overdue by then, less what already is.
    soon = [r for r in overdue(session, at + REMINDER) if r not in late]
    reminded = [r.id for r in soon if notices.statement(session, r, "statement.due_soon")]
    marked = []
    for request in late:
        basis = legal_basis(request)
        if basis.statement_overdue_at is not None:
            continue
        basis.statement_overdue_at = at
        due = basis.statement_due_at.isoformat() if basis.statement_due_at else ""
        append(
            session,
            actor=SCHEDULER,
            role=SCHEDULER_ROLE,
            action="statement.overdue",
            subject_type="request",
            subject_id=request.id,
            details={"due_at": due},
            policy=load_policy(request.policy_id, at),
        )
        notices.statement(session, request, "statement.overdue")
        marked.append(request.id)
    return {"reminded": reminded, "marked_overdue": marked}


def past_quarter(policy: Policy, at: datetime) -> str:
    local = at.astimezone(policy.zone)
    number = (local.month - 1) // 3  # the quarter before this one, 0 meaning last year's Q4
    return f"{local.year}Q{number}" if number else f"{local.year - 1}Q4"


def quarter_start_after(settings: Settings, at: datetime) -> datetime:
    """The next first day of a quarter, at ``DUTY_QUARTERLY_HOUR`` local time."""
    local = at.astimezone(load_policy(settings.policy, at).zone)
    month = 3 * ((local.month - 1) // 3) + 1
    start = local.replace(month=month, day=1, hour=settings.duty_quarterly_hour, minute=0)
    start = start.replace(second=0, microsecond=0)
    while start <= local:
        start = start.replace(
            year=start.year + (start.month == 10), month=(start.month + 2) % 12 + 1
        )
    return start


def quarterly_reports(context: Context) -> dict[str, Any]:
    """The past quarter's per-search documentation of every searching body registered
    here, stored under ``DATA_DIR/reports/quarterly`` (each production on the record)."""
    session, settings = context.session, context.settings
    actor = duty_actor(session, settings)
    policy = load_policy(settings.policy, context.at)
    label = past_quarter(policy, context.at)
    stamp = context.at.strftime("%Y%m%dT%H%M%SZ")
    folders = private_folder(settings.data_dir / "reports" / "quarterly")
    bodies = [
        agency.code
        for agency in session.scalars(select(Agency).order_by(Agency.code))
        if check_searching_body(policy, agency.code).allowed
    ]
    for code in bodies:
        files = quarterly_export(session, settings, actor, label, code)
        write_folder(folders / f"{label}-{code}-{stamp}", files)
    return {"quarter": label, "bodies": bodies}


DUTIES = (
    Duty(
        "checkpoint",
        "Sign a checkpoint over the record, if entries came after the last one",
        Interval("duty_checkpoint_minutes"),
        run=sign_checkpoint,
    ),
    Duty(
        "witnesses",
        "Send the newest checkpoint to the witnesses to cosign",
        Interval("duty_witness_minutes", needs="witnesses"),
        run_alone=submit_to_witnesses,
    ),
    Duty(
        "retention",
        "Purge what the retention policy lets go, leaving tombstones",
        Interval("duty_retention_hours", 60),
        run=purge_retention,
    ),
    Duty(
        "statements",
        "Remind of sworn statements due within 12 hours; mark those overdue",
        Interval("duty_statements_minutes"),
        run=mark_statements,
    ),
    Duty(
        "quarterly",
        "Produce and store the past quarter's per-search documentation",
        QuarterStart(),
        run=quarterly_reports,
    ),
)
