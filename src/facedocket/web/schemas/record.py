"""The audit record, its verification and checkpoints; galleries, enrolment jobs,
policies and models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from facedocket import limits
from facedocket.cases.schemas import PLAIN, line
from facedocket.gallery.galleries import GALLERY_NAME_RULE, checked_gallery_name
from facedocket.web.schemas.common import Public, Strict

GalleryName = Annotated[
    str,
    StringConstraints(max_length=limits.GALLERY_NAME),
    AfterValidator(checked_gallery_name),
    Field(description=GALLERY_NAME_RULE),
]


class EntryPublic(Public):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    policy_id: str | None
    policy_version: str | None
    entry_hash: str


class WitnessGapPublic(Public):
    """One configured witness against the record, as the auditor's verification page shows it."""

    witness: str
    url: str
    gap: bool = Field(
        description="Signed entries it has not cosigned, or its last answer a refusal."
    )
    checkpointed: int = Field(description="Entries the newest signed checkpoint covers.")
    cosigned: int = Field(description="Entries the newest checkpoint it cosigned covers.")
    behind: int = Field(description="Signed entries it has not cosigned.")
    cosigned_at: datetime | None
    tried_at: datetime | None
    last_answer: str | None = Field(
        description="Why it did not cosign, the last time it was asked."
    )
    summary: str


class VerificationPublic(Public):
    ok: bool
    summary: str
    entries: int
    checkpoints: int
    signatures_checked: bool
    last_seq: int
    uncovered: int
    problem: str | None
    first_bad: int | None
    reason: str
    witnesses: list[WitnessGapPublic] = Field(
        description="Each configured witness: what it cosigned, and the gap since."
    )


class CheckpointPublic(Public):
    seq: int
    head_hash: str
    key_fingerprint: str
    created_at: datetime


class GalleryCreate(Strict):
    name: GalleryName
    description: Annotated[str, line(limits.GALLERY_DESCRIPTION, 0), PLAIN] = ""


class GalleryPublic(Public):
    name: str
    description: str
    persons: int
    photos: int
    templates_by_model: dict[str, int]
    rejections_by_code: dict[str, int]


class EnrolmentCreate(Strict):
    source: Annotated[
        str,
        StringConstraints(min_length=1, max_length=1000),
        PLAIN,
    ] = Field(description="A folder per person, or a CSV manifest, under the import folder.")


class EnrolmentPublic(Public):
    id: int
    gallery: str
    source: str
    started_by: str
    started_at: datetime
    state: str = Field(description="queued, running, paused, finished, failed or cancelled.")
    wanted: str | None = Field(description="pause or cancel, asked of a running job.")
    runs: int = Field(description="Times a worker took the job up (resumes after restarts).")
    total: int
    done: int
    per_second: float = Field(description="Photos per second of the current run.")
    seconds_left: float | None = Field(description="At that rate; null when unknown.")
    finished_at: datetime | None
    enrolled: int | None
    refused: int | None
    skipped: int | None
    unreadable: int | None
    conflicts: int | None
    error: str


class PolicyPublic(Public):
    id: str
    version: str
    title: str
    jurisdiction: str
    status: str
    bases: list[str]
    galleries: list[str]
    in_force_here: bool = Field(description="The policy new requests are decided under.")


class ModelPublic(Public):
    name: str
    version: str
    file_sha256: str
    dimension: int
    threshold: float
    created_at: datetime
