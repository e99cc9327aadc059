"""Administrator pages: users and their roles, agencies, galleries with enrolment
progress, the policy packs and the face models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from facedocket import limits
from facedocket.accounts import standing
from facedocket.accounts.passwords import has_password, password_is_temporary, set_password
from facedocket.accounts.throttle import name_lock, unlock
from facedocket.accounts.tokens import list_tokens
from facedocket.accounts.totp import reset_totp, totp_enabled
from facedocket.accounts.web_sessions import open_web_sessions
from facedocket.cases.directory import (
    add_agency,
    add_user,
    get_user,
    list_agencies,
    list_users,
)
from facedocket.gallery.galleries import (
    create_gallery,
    gallery_stats,
    list_galleries,
    list_models,
)
from facedocket.gallery.jobs import (
    JobProgress,
    ask,
    get_job,
    list_jobs,
    progress_of,
    refused_by,
    submit,
)
from facedocket.gallery.progress import duration
from facedocket.gallery.record import Enroller
from facedocket.kernel.refusals import NotFound
from facedocket.kernel.roles import Role
from facedocket.notify.deliver import outbox
from facedocket.policy import PolicyError, list_packs, load_pack
from facedocket.policy.explain import explain, heading
from facedocket.schedule.runs import statuses
from facedocket.store.schema import EnrolmentJobRow
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import Administrator, Caller, ReadSession, ServicesDep, WriteSession
from facedocket.web.render import page
from facedocket.web.schemas.common import Id
from facedocket.web.services import Services
from facedocket.web.ui.forms import Paragraph, Short, done

router = APIRouter(prefix="/admin")

Roles = Annotated[list[Role], Form()]
Secret = Annotated[str, Form(max_length=1024)]
# Checked by ``add_user`` with the API's rule (``checked_username``), so the page refuses
# a NUL or a dotless i with the same words as the API rather than its own.
Username = Annotated[str, Form(max_length=4 * limits.USERNAME)]


@router.get("")
def overview(
    request: Request, session: ReadSession, app: ServicesDep, me: Administrator
) -> Response:
    return _overview(request, session, app, me)


def _overview(
    request: Request,
    session: Session,
    app: Services,
    me: Caller,
    status: int = 200,
    **sent: Any,
) -> Response:
    """The page; ``sent`` is a refused enrolment form's values and the reason, shown inline."""
    users = [
        (u, has_password(session, u.id), password_is_temporary(session, u.id))
        for u in list_users(session)
    ]
    galleries = [gallery_stats(session, g.name) for g in list_galleries(session)]
    return page(
        request,
        "admin.html",
        me,
        users=users,
        agencies=list_agencies(session),
        galleries=galleries,
        jobs=[progress_of(job) for job in list_jobs(session, limit=20)],
        duties=statuses(app.sessions, app.settings),
        outbox=outbox(session),
        mail_on=app.settings.smtp_host is not None,
        packs=list_packs(),
        today=utcnow().date(),
        current_policy=app.settings.policy,
        models=list_models(session),
        roles=list(Role),
        imports=str(app.settings.imports_dir),
        status=status,
        enrol_sent=sent,
    )


@router.get("/policies/{pack_id}")
def policy(
    request: Request, app: ServicesDep, me: Administrator, pack_id: str, at: date | None = None
) -> Response:
    """A pack's rules on a day, in the words and with the citations ``policy show`` prints."""
    try:
        pack = load_pack(pack_id)
    except PolicyError:
        raise NotFound(f"no policy pack {pack_id!r}") from None
    chosen = pack.at(at or utcnow().date())
    return page(
        request,
        "admin_policy.html",
        me,
        pack=pack,
        policy=chosen,
        heading=heading(chosen),
        rules=explain(chosen),
    )


@router.post("/agencies")
def new_agency(session: WriteSession, me: Administrator, code: Short, name: Short) -> Response:
    add_agency(session, me.actor.username, code, name)
    return done("/admin", "agency")


@router.post("/users")
def new_user(
    session: WriteSession,
    me: Administrator,
    username: Username,
    full_name: Short,
    agency_code: Short,
    roles: Roles,
    password: Secret,
    rank: Short = "",
) -> Response:
    user = add_user(
        session,
        me.actor.username,
        username=username,
        full_name=full_name,
        agency_code=agency_code,
        roles=[r.value for r in roles],
        rank=rank,
    )
    set_password(
        session, user, password, by=me.actor.username, role="administrator", temporary=True
    )
    return done("/admin", "user")


@router.get("/users/{user_id}")
def user(
    request: Request, session: ReadSession, app: ServicesDep, me: Administrator, user_id: Id
) -> Response:
    found = get_user(session, user_id)
    return page(
        request,
        "admin_user.html",
        me,
        user=found,
        roles=list(Role),
        totp=totp_enabled(session, found.id),
        lock=name_lock(session, found.username, utcnow()),
        temporary_password=password_is_temporary(session, found.id),
        web_sessions=open_web_sessions(session, app.settings, found.id, utcnow()),
        tokens=list_tokens(session, found.id),
    )


@router.post("/users/{user_id}")
def change_user(
    session: WriteSession,
    me: Administrator,
    user_id: Id,
    full_name: Short,
    roles: Roles,
    rank: Short = "",
    active: Annotated[bool, Form()] = False,
) -> Response:
    standing.change_user(
        session,
        me.actor.username,
        user_id,
        utcnow(),
        full_name=full_name,
        rank=rank,
        roles=[r.value for r in roles],
        active=active,
    )
    return done(f"/admin/users/{user_id}", "user")


@router.post("/users/{user_id}/password")
def reset_password(
    session: WriteSession, me: Administrator, user_id: Id, password: Secret
) -> Response:
    target = get_user(session, user_id)
    standing.reset_password(session, target, password, by=me.actor.username, at=utcnow())
    return done(f"/admin/users/{user_id}", "user")


@router.post("/users/{user_id}/unlock")
def unlock_user(session: WriteSession, me: Administrator, user_id: Id) -> Response:
    target = get_user(session, user_id)
    unlock(session, target, me.actor.username, "administrator", utcnow())
    return done(f"/admin/users/{user_id}", "unlocked")


@router.post("/users/{user_id}/totp")
def remove_second_factor(session: WriteSession, me: Administrator, user_id: Id) -> Response:
    reset_totp(session, get_user(session, user_id), me.actor.username)
    return done(f"/admin/users/{user_id}", "user")


@router.post("/users/{user_id}/sessions/end")
def end_sessions(session: WriteSession, me: Administrator, user_id: Id) -> Response:
    target = get_user(session, user_id)
    standing.end_sessions(session, target, utcnow(), by=me.actor.username)
    return done(f"/admin/users/{user_id}", "sessions")


@router.post("/users/{user_id}/sessions/{session_id}/end")
def end_session(session: WriteSession, me: Administrator, user_id: Id, session_id: Id) -> Response:
    target = get_user(session, user_id)
    standing.end_sessions(session, target, utcnow(), by=me.actor.username, only=session_id)
    return done(f"/admin/users/{user_id}", "sessions")


@router.post("/galleries")
def new_gallery(
    session: WriteSession, me: Administrator, name: Short, description: Paragraph = ""
) -> Response:
    create_gallery(session, me.actor.username, name, description)
    return done("/admin", "gallery")


@router.post("/enrolments")
def enrol(
    request: Request,
    session: ReadSession,
    app: ServicesDep,
    me: Administrator,
    source: Short,
    gallery: Short = "",
) -> Response:
    """With several galleries the form names none until the administrator chooses one."""
    if not gallery:
        galleries = list_galleries(session)
        if len(galleries) != 1:
            why = "Choose the gallery to enrol into."
            return _overview(request, session, app, me, 422, source=source, error=why)
        gallery = galleries[0].name
    by = Enroller(me.actor.username, "administrator")
    # submit commits the job in its own transaction
    job = submit(app.settings, app.sessions, gallery, source, by)
    return done(f"/admin/enrolments/{job.id}", "enrolling")


LIVE = ("queued", "running")  # the states the page follows by itself
REFUSALS_SHOWN = 200


@router.get("/enrolments/{job_id}")
def enrolment(request: Request, session: ReadSession, me: Administrator, job_id: Id) -> Response:
    job = get_job(session, job_id)
    return page(request, "enrolment.html", me, job=job, view=enrolment_view(session, job))


@router.get("/enrolments/{job_id}/progress")
def enrolment_progress(session: ReadSession, me: Administrator, job_id: Id) -> dict[str, Any]:
    """What the page's script shows while the job runs (``static/enrolment.js``)."""
    return enrolment_view(session, get_job(session, job_id))


def enrolment_view(session: Session, job: EnrolmentJobRow) -> dict[str, Any]:
    """The job's progress in words, as the page renders it and as its script updates it."""
    progress = progress_of(job)
    return {
        "state": job.state,
        "live": job.state in LIVE,
        "done": job.done,
        "total": job.total,
        "status": status_line(progress),
        "refused": [
            {"source": r.source, "reason": r.reason}
            for r in refused_by(session, job, REFUSALS_SHOWN)
        ],
    }


def status_line(progress: JobProgress) -> str:
    job = progress.job
    line = f"{job.state}{f' ({job.wanted} asked)' if job.wanted else ''}: "
    line += f"{job.done} of {job.total} photos"
    if job.state == "running":
        left = progress.seconds_left
        when = f"about {duration(left)} left" if left is not None else "time left unknown"
        line += f", {progress.pace.per_second:.1f} photos/s, {when}"
    elif job.state == "queued":
        line += ", waiting for a worker"
    elif job.state == "finished":
        line += (
            f"; {job.enrolled} enrolled, {job.refused} refused, {job.skipped} already done, "
            f"{job.unreadable} unreadable, {job.conflicts} enrolled under another record"
        )
    return line + "."


@router.post("/enrolments/{job_id}/{what}")
def ask_enrolment(
    app: ServicesDep, me: Administrator, job_id: Id, what: Literal["pause", "resume", "cancel"]
) -> Response:
    ask(app.sessions, job_id, what, Enroller(me.actor.username, "administrator"))
    return done(f"/admin/enrolments/{job_id}", what)
