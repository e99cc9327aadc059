"""The searching body a request is made to, chosen by its requester from the policy's.

The law names the bodies that search (``searchers.bodies`` in the pack); a requester
writes to one of them, and only that body takes the request in, searches and reviews it.
Where the policy names a single body the choice is made for the requester; where it lets
any law-enforcement agency search (``bodies: null``), the requester's own agency searches
unless they name another.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import require
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import Policy, SearchingBody, check_searching_body
from facedocket.store.schema import Agency


def chosen_body(session: Session, policy: Policy, actor: Actor, chosen: str | None) -> Agency:
    """The agency a new request goes to; refused unless the policy lets it search."""
    bodies = policy.searchers.bodies
    if chosen is None:
        if bodies is None:
            chosen = actor.agency_code
        elif len(bodies) == 1:
            chosen = bodies[0].id
        else:
            names = ", ".join(f"{body.id} ({body.name})" for body in bodies)
            raise Refused(
                f"say which searching body the request is made to: {names}",
                code=RefusalCode.MISSING_BODY,
            )
    require(check_searching_body(policy, chosen))
    agency = session.scalar(select(Agency).where(Agency.code == chosen))
    if agency is None:
        raise Refused(
            f"the searching body {chosen!r} is not registered here as an agency",
            code=RefusalCode.UNKNOWN_BODY,
        )
    return agency


def screening_body(session: Session, policy: Policy) -> Agency | None:
    """The agency that screens every request first, where intake has two stages."""
    screening = policy.intake.screening
    if screening is None:
        return None
    agency = session.scalar(select(Agency).where(Agency.code == screening.id))
    if agency is None:
        raise Refused(
            f"the screening body {screening.id!r} ({screening.name}) is not registered here "
            "as an agency",
            code=RefusalCode.UNKNOWN_BODY,
        )
    return agency


def offered_bodies(session: Session, policy: Policy) -> list[SearchingBody]:
    """The policy's searching bodies that are registered here: the only ones a request
    form may offer, since a request to any other would be refused (``unknown_body``)."""
    registered = set(session.scalars(select(Agency.code)))
    return [body for body in policy.searchers.bodies or [] if body.id in registered]
