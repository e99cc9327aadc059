"""Galleries and their enrolment jobs, the policy packs and the face models, for
administrators. Searching a gallery is not here: it happens only through the legal gate."""

from __future__ import annotations

from fastapi import APIRouter

from facedocket.cases.errors import NotFound
from facedocket.gallery.jobs import EnrolmentJob, resolve_source
from facedocket.gallery.records import (
    create_gallery,
    gallery_stats,
    get_gallery,
    list_galleries,
    list_models,
)
from facedocket.policy import list_policies
from facedocket.store.db import transaction
from facedocket.web.deps import Administrator, ServicesDep
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
from facedocket.web.services import Services

router = APIRouter(tags=["galleries"])


def gallery_public(app: Services, name: str) -> GalleryPublic:
    with app.sessions() as session:
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


def enrolment_public(job: EnrolmentJob) -> EnrolmentPublic:
    report = job.report
    return EnrolmentPublic(
        id=job.id,
        gallery=job.gallery,
        source=job.source,
        started_by=job.started_by,
        started_at=job.started_at,
        state=job.state,
        total=job.total,
        done=job.done,
        finished_at=job.finished_at,
        enrolled=report.enrolled if report else None,
        refused=report.refused if report else None,
        skipped=report.skipped if report else None,
        error=job.error,
    )


@router.get("/galleries")
def galleries(app: ServicesDep, admin: Administrator) -> list[GalleryPublic]:
    with app.sessions() as session:
        names = [g.name for g in list_galleries(session)]
    return [gallery_public(app, name) for name in names]


@router.post("/galleries", status_code=201)
def new_gallery(app: ServicesDep, admin: Administrator, body: GalleryCreate) -> GalleryPublic:
    with transaction(app.sessions) as session:
        create_gallery(session, admin.actor.username, body.name, body.description)
    return gallery_public(app, body.name)


@router.get("/galleries/{name}")
def gallery(app: ServicesDep, admin: Administrator, name: GalleryName) -> GalleryPublic:
    return gallery_public(app, name)


@router.post("/galleries/{name}/enrolments", status_code=202)
def enrol(
    app: ServicesDep, admin: Administrator, name: GalleryName, body: EnrolmentCreate
) -> EnrolmentPublic:
    """Start enrolling a folder or manifest from the import folder; poll the job."""
    with app.sessions() as session:
        get_gallery(session, name)
    items = resolve_source(app.settings, body.source)
    return enrolment_public(app.jobs.start(name, items, body.source, admin.actor.username))


@router.get("/enrolments")
def enrolments(app: ServicesDep, admin: Administrator) -> list[EnrolmentPublic]:
    return [enrolment_public(job) for job in app.jobs.all()]


@router.get("/enrolments/{job_id}")
def enrolment(app: ServicesDep, admin: Administrator, job_id: Id) -> EnrolmentPublic:
    job = app.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no enrolment job {job_id} (jobs are kept until the server restarts)")
    return enrolment_public(job)


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
def models(app: ServicesDep, admin: Administrator) -> list[ModelPublic]:
    """The face models that made templates or ran searches in this deployment."""
    with app.sessions() as session:
        return [ModelPublic.model_validate(m) for m in list_models(session)]
