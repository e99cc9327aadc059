"""Galleries and their enrolment jobs, the policy packs and the face models, for
administrators. Searching a gallery is not here: it happens only through the legal gate."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from sqlalchemy.orm import Session

from facedocket.gallery.galleries import (
    create_gallery,
    gallery_stats,
    get_gallery,
    list_galleries,
    list_models,
)
from facedocket.gallery.jobs import JobProgress, ask, get_job, list_jobs, progress_of, submit
from facedocket.gallery.record import Enroller
from facedocket.policy import list_policies
from facedocket.web.deps import Administrator, ReadSession, ServicesDep, WriteSession
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.record import (
    EnrolmentCreate,
    EnrolmentPublic,
    GalleryCreate,
    GalleryName,
    GalleryPublic,
    ModelPublic,
    PolicyPublic,
)

router = APIRouter(tags=["galleries"])


def gallery_public(session: Session, name: str) -> GalleryPublic:
    stats = gallery_stats(session, name)
    description = get_gallery(session, name).description
    return GalleryPublic(
        name=stats.name,
        description=description,
        persons=stats.persons,
        photos=stats.photos,
        templates_by_model=stats.templates_by_model,
        rejections_by_code=stats.rejections_by_code,
    )


def enrolment_public(progress: JobProgress) -> EnrolmentPublic:
    job = progress.job
    ended = job.state == "finished"
    return EnrolmentPublic(
        id=job.id,
        gallery=job.gallery,
        source=job.source,
        started_by=job.started_by,
        started_at=job.created_at,
        state=job.state,
        wanted=job.wanted,
        runs=job.runs,
        total=job.total,
        done=job.done,
        per_second=round(progress.pace.per_second, 2) if job.state == "running" else 0.0,
        seconds_left=progress.seconds_left,
        finished_at=job.finished_at,
        enrolled=job.enrolled if ended else None,
        refused=job.refused if ended else None,
        skipped=job.skipped if ended else None,
        unreadable=job.unreadable if ended else None,
        conflicts=job.conflicts if ended else None,
        error=job.error,
    )


def enrolment_of(session: Session, job_id: int) -> EnrolmentPublic:
    return enrolment_public(progress_of(get_job(session, job_id)))


@router.get("/galleries")
def galleries(session: ReadSession, admin: Administrator) -> list[GalleryPublic]:
    return [gallery_public(session, g.name) for g in list_galleries(session)]


@router.post("/galleries", status_code=201)
def new_gallery(session: WriteSession, admin: Administrator, body: GalleryCreate) -> GalleryPublic:
    create_gallery(session, admin.actor.username, body.name, body.description)
    return gallery_public(session, body.name)


@router.get("/galleries/{name}")
def gallery(session: ReadSession, admin: Administrator, name: GalleryName) -> GalleryPublic:
    return gallery_public(session, name)


@router.post("/galleries/{name}/enrolments", status_code=202)
def enrol(
    session: ReadSession,
    app: ServicesDep,
    admin: Administrator,
    name: GalleryName,
    body: EnrolmentCreate,
) -> EnrolmentPublic:
    """Queue the enrolment of a folder or manifest from the import folder; a worker
    (``facedocket worker``) runs it. Poll the job."""
    by = Enroller(admin.actor.username, "administrator")
    # submit commits the job in its own transaction; the answer reads it afterwards
    job = submit(app.settings, app.sessions, name, body.source, by)
    return enrolment_of(session, job.id)


@router.get("/enrolments")
def enrolments(session: ReadSession, admin: Administrator) -> list[EnrolmentPublic]:
    return [enrolment_public(progress_of(job)) for job in list_jobs(session)]


@router.get("/enrolments/{job_id}")
def enrolment(session: ReadSession, admin: Administrator, job_id: Id) -> EnrolmentPublic:
    return enrolment_of(session, job_id)


@router.post("/enrolments/{job_id}/{what}")
def ask_enrolment(
    session: ReadSession,
    app: ServicesDep,
    admin: Administrator,
    job_id: Id,
    what: Literal["pause", "resume", "cancel"],
) -> EnrolmentPublic:
    """Pause, resume or cancel a job; a running one stops at its next batch (409 when its
    state does not allow it)."""
    # ask commits its change in its own transaction; the answer reads it afterwards
    ask(app.sessions, job_id, what, Enroller(admin.actor.username, "administrator"))
    return enrolment_of(session, job_id)


@router.get("/policies")
def policies(app: ServicesDep, admin: Administrator) -> list[PolicyPublic]:
    return [
        PolicyPublic(
            id=p.id,
            version=p.version,
            title=p.title,
            jurisdiction=p.jurisdiction,
            status=p.status,
            bases=sorted(p.bases),
            galleries=list(p.galleries),
            in_force_here=p.id == app.settings.policy,
        )
        for p in list_policies()
    ]


@router.get("/models")
def models(session: ReadSession, admin: Administrator) -> list[ModelPublic]:
    """The face models that made templates or ran searches in this deployment."""
    return [ModelPublic.model_validate(m) for m in list_models(session)]
