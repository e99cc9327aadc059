"""The examiner's sheet: the probe beside each candidate, what this viewer may read of the
conclusions, and the photos' quality in words.

What a viewer may read is decided here, never by a parameter the caller chooses. An
examiner compares faces before knowing whose they are: a candidate's name and licence
record reach them only once they recorded their own conclusion on that candidate (good
practice against bias), and another examiner's conclusions only once their own are final.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.requests import open_case
from facedocket.cases.review import candidates_of, reviews_of
from facedocket.cases.states import State
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import load_policy
from facedocket.store.schema import Photo, Review, Search, SearchRequest, Template, User

HIDDEN = "(hidden until yours are final)"
# Under this variance of the Laplacian on the aligned chip a face may be blurred: the
# softest tenth of news photos (80 random LFW photos measured: deciles 16 to 67, median 34).
SHARP_BLUR = 15.0
LEVEL_DEGREES = 10.0
STRONG_TILT_DEGREES = 25.0
# The nose's offset from the eyes' midline, as a share of the eye distance.
FRONTAL_YAW = 0.1
TURNED_AWAY_YAW = 0.25


@dataclass(frozen=True)
class Box:
    """A face's box in the pixels of the image it was found in (``width`` x ``height``)."""

    left: int
    top: int
    right: int
    bottom: int
    width: int
    height: int

    def around(self, margin: float = 0.3) -> tuple[int, int, int, int]:
        """A square centred on the face, ``margin`` of its size on every side, as an SVG
        viewBox (x, y, width, height): the close-ups of two faces show them alike."""
        side = max(self.right - self.left, self.bottom - self.top)
        half = side // 2 + int(side * margin)
        centre_x, centre_y = (self.left + self.right) // 2, (self.top + self.bottom) // 2
        return (centre_x - half, centre_y - half, 2 * half, 2 * half)


@dataclass(frozen=True)
class ShownReview:
    """A conclusion as this viewer reads it; ``hidden`` ones say nothing but that they exist."""

    round: int
    hidden: bool
    conclusion: str = ""
    reasons: str = ""
    examiner: str = ""
    at: datetime | None = None

    def __str__(self) -> str:
        return HIDDEN if self.hidden else f"{self.conclusion}: {self.reasons}"


@dataclass(frozen=True)
class CandidateView:
    """One line of an examiner's review sheet; no name before the viewer may know it."""

    candidate_id: int
    search_id: int
    rank: int
    score: float
    person_name: str | None
    record_id: str | None
    photo_id: int
    quality: dict[str, Any]
    quality_words: list[str]
    box: Box | None
    first: ShownReview | None
    second: ShownReview | None
    # "agree" or "disagree" once both reviews are final and readable; else None.
    agreement: str | None

    @property
    def first_review(self) -> str | None:
        return None if self.first is None else str(self.first)

    @property
    def second_review(self) -> str | None:
        return None if self.second is None else str(self.second)


@dataclass(frozen=True)
class ProbeView:
    """The probe of one search: its document, the face searched, its quality in words."""

    search_id: int
    document_id: int
    box: Box | None
    quality_words: list[str]


def review_sheet(session: Session, actor: Actor, request_id: int) -> list[CandidateView]:
    """The candidates of every search of a request, as this caller may see them."""
    request, actor = open_case(session, actor, request_id)
    role = _viewer_role(actor)
    rows = candidates_of(session, request)
    ids = [c.id for c, _ in rows]
    reviews = reviews_of(session, ids)
    shown = readable(request, role, actor.user_id, ids, reviews)
    complete = {r for r in (1, 2) if ids and all((c, r) in reviews for c in ids)}
    names = _examiner_names(session, reviews.values())
    floors = {s.id: _floor(s) for s in request.searches}
    faces = _gallery_faces(session, [c.template_id for c, _ in rows])
    log(session, actor, role, "results.viewed", request.id, {"conclusions_shown": len(shown)})
    views = []
    for candidate, person in rows:
        seen = {
            r: _seen(review, (candidate.id, r) in shown, names)
            for r in (1, 2)
            if (review := reviews.get((candidate.id, r))) is not None
        }
        named = identity_shown(request, role, actor.user_id, candidate.id, reviews)
        quality, box = faces.get(candidate.template_id, ({}, None))
        views.append(
            CandidateView(
                candidate_id=candidate.id,
                search_id=candidate.search_id,
                rank=candidate.rank,
                score=candidate.score,
                person_name=person.name if named else None,
                record_id=person.record_id if named else None,
                photo_id=candidate.photo_id,
                quality=quality,
                quality_words=quality_words(quality, floors[candidate.search_id]),
                box=box,
                first=seen.get(1),
                second=seen.get(2),
                agreement=_agreement(seen, complete),
            )
        )
    return views


def probes(request: SearchRequest) -> dict[int, ProbeView]:
    """Each search's probe, by search id, with the face it searched boxed."""
    return {
        s.id: ProbeView(
            search_id=s.id,
            document_id=s.probe_document_id,
            box=_box(s.probe_box, s.probe_width, s.probe_height),
            quality_words=quality_words(s.probe_quality, _floor(s)),
        )
        for s in request.searches
    }


def readable(
    request: SearchRequest,
    role: Role,
    viewer_id: int,
    candidate_ids: list[int],
    reviews: dict[tuple[int, int], Review],
) -> set[tuple[int, int]]:
    """The conclusions (candidate, round) a viewer may read.

    Supervisors and auditors, who review nothing, read them all, as does anyone once the
    case is concluded. An examiner reads their own; another examiner's only once their own
    are final (a conclusion on every candidate) and the other round is complete, so the
    second examiner cannot learn the first's conclusions before making theirs, whatever
    round they ask for, and the first cannot watch the second's as they are made.
    """
    if role != Role.EXAMINER or request.state in (State.CONCLUDED, State.CLOSED):
        return set(reviews)
    own = {key for key, review in reviews.items() if review.examiner_id == viewer_id}
    done = {candidate for candidate, _ in own}
    if not candidate_ids or done != set(candidate_ids):
        return own
    complete = {r for r in (1, 2) if all((c, r) in reviews for c in candidate_ids)}
    return own | {key for key in reviews if key[1] in complete}


def identity_shown(
    request: SearchRequest,
    role: Role,
    viewer_id: int,
    candidate_id: int,
    reviews: dict[tuple[int, int], Review],
) -> bool:
    """Whether a viewer may know whom a candidate is: an examiner once they concluded on
    that candidate or the case is concluded; supervisors and auditors always."""
    if role != Role.EXAMINER or request.state in (State.CONCLUDED, State.CLOSED):
        return True
    return any(
        review.examiner_id == viewer_id
        for (candidate, _), review in reviews.items()
        if candidate == candidate_id
    )


def quality_words(quality: dict[str, Any], floor: int) -> list[str]:
    """A face's measured quality as an examiner reads it, the figures in brackets."""
    if not quality:
        return ["quality not measured"]
    eyes = float(quality.get("eye_distance", 0))
    blur = float(quality.get("blur", 0))
    roll = abs(float(quality.get("roll", 0)))
    yaw = abs(float(quality.get("yaw", 0)))
    size = "enough detail" if eyes >= floor else f"small: under the policy's {floor} pixels"
    sharp = "sharp" if blur >= SHARP_BLUR else "may be blurred"
    if roll < LEVEL_DEGREES:
        tilt = "head level"
    elif roll < STRONG_TILT_DEGREES:
        tilt = "head tilted"
    else:
        tilt = "head strongly tilted"
    if yaw < FRONTAL_YAW:
        turn = "facing the camera"
    elif yaw < TURNED_AWAY_YAW:
        turn = "turned slightly"
    else:
        turn = "turned away"
    return [
        f"{size} ({eyes:.0f} pixels between the eyes)",
        f"{sharp} (sharpness {blur:.0f})",
        f"{tilt} ({roll:.0f}°)",
        f"{turn} (turn {yaw:.2f})",
    ]


def _viewer_role(actor: Actor) -> Role:
    role = actor.role_for(Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR)
    if role is None:
        raise Refused(
            "only the searching body's examiners and supervisors, and auditors, see "
            "candidate lists",
            code=RefusalCode.WRONG_ROLE,
        )
    return role


def _floor(search: Search) -> int:
    """The probe size floor of the policy version the search ran under."""
    return load_policy(search.policy_id, at=search.run_at).probe_min_eye_distance


def _box(box: dict[str, Any], width: int | None, height: int | None) -> Box | None:
    if not box or not width or not height:
        return None
    left, top, right, bottom = (int(box[side]) for side in ("left", "top", "right", "bottom"))
    return Box(left, top, right, bottom, width, height)


def _gallery_faces(
    session: Session, template_ids: list[int]
) -> dict[int, tuple[dict[str, Any], Box | None]]:
    rows = session.execute(
        select(Template.id, Template.quality, Template.box, Photo.width, Photo.height)
        .join(Photo, Photo.id == Template.photo_id)
        .where(Template.id.in_(template_ids))
    )
    return {
        template_id: (quality, _box(box, width, height))
        for template_id, quality, box, width, height in rows
    }


def _examiner_names(session: Session, reviews: Iterable[Review]) -> dict[int, str]:
    ids = {review.examiner_id for review in reviews}
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}  # noqa: C416 (rows are not pairs to mypy)


def _seen(review: Review, visible: bool, names: dict[int, str]) -> ShownReview:
    if not visible:
        return ShownReview(review.round, hidden=True)
    return ShownReview(
        review.round,
        hidden=False,
        conclusion=review.conclusion,
        reasons=review.reasons,
        examiner=names.get(review.examiner_id, ""),
        at=review.created_at,
    )


def _agreement(seen: dict[int, ShownReview], complete: set[int]) -> str | None:
    first, second = seen.get(1), seen.get(2)
    if complete != {1, 2} or first is None or second is None or first.hidden or second.hidden:
        return None
    return "agree" if first.conclusion == second.conclusion else "disagree"
