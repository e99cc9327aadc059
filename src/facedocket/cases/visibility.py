"""Who sees a case, and in which roles: the one rule every route, page, listing and export
asks (through ``get_request`` and ``list_requests``), in a module light enough for the
command line's reads to load alone.

A person sees a request only if they wrote it, work for the searching body it was made to
in a role that body's work needs (intake, examination, supervision; never a draft), or
screens it first (where intake has two stages: intake and supervision only), or hold an
oversight role (auditor, administrator) for the agency that wrote it or the body
it was made to. What they may do with it follows from the same rule: the actor a case
function works with holds only the roles that rule grants on this request, so a Boston
detective who also holds the examiner role reads their own request as its requester and
never sees its candidate list, and nobody acts for a body they do not belong to.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.states import State
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import NotFound
from facedocket.kernel.roles import Role
from facedocket.store.schema import SearchRequest

BODY_ROLES = (Role.INTAKE_REVIEWER, Role.EXAMINER, Role.SUPERVISOR)
INTAKE_ROLES = (Role.INTAKE_REVIEWER, Role.SUPERVISOR)
OVERSIGHT_ROLES = (Role.AUDITOR, Role.ADMINISTRATOR)


def case_roles(actor: Actor, request: SearchRequest) -> frozenset[str]:
    """The roles ``actor`` may exercise on ``request``; none: they may not see it at all."""
    roles: set[Role] = set()
    if request.officer_id == actor.user_id and actor.has(Role.REQUESTER):
        roles.add(Role.REQUESTER)
    sent_to_them = request.searching_body_id == actor.agency_id
    if sent_to_them and was_sent(request):
        roles |= {role for role in BODY_ROLES if actor.has(role)}
    # Where intake has two stages, the screening body decides the request (never searches).
    screens_it = request.intake_body_id is not None and request.intake_body_id == actor.agency_id
    if screens_it and was_sent(request):
        roles |= {role for role in INTAKE_ROLES if actor.has(role)}
    if actor.agency_id in (request.agency_id, request.searching_body_id):
        roles |= {role for role in OVERSIGHT_ROLES if actor.has(role)}
    return frozenset(role.value for role in roles)


def was_sent(request: SearchRequest) -> bool:
    """Whether the request ever left its writer: a draft, or a draft withdrawn before it
    was submitted, never did."""
    if request.state == State.WITHDRAWN:
        return request.submitted_at is not None
    return request.state != State.DRAFT


def may_see(actor: Actor, request: SearchRequest) -> bool:
    return bool(case_roles(actor, request))


def on_case(actor: Actor, request: SearchRequest) -> Actor:
    """The actor as this request knows them: holding only the roles they have on it."""
    return dataclasses.replace(actor, roles=case_roles(actor, request))


def get_request(session: Session, actor: Actor, request_id: int) -> SearchRequest:
    """The request if this actor may see it; otherwise NotFound, as if it did not exist."""
    request = session.get(SearchRequest, request_id)
    if request is None or not may_see(actor, request):
        raise NotFound(f"no request {request_id}")
    return request


def list_requests(
    session: Session, actor: Actor, state: State | None = None
) -> list[SearchRequest]:
    query = select(SearchRequest).order_by(SearchRequest.id)
    if state is not None:
        query = query.where(SearchRequest.state == state)
    return [r for r in session.scalars(query) if may_see(actor, r)]
