"""Refused decisions on the record: a search or an approval the rules refused.

The refused action rolls back (it wrote nothing, and must leave nothing), so its entry is
written afterwards in a transaction of its own: what was tried, by whom, on which request,
and every reason the rules gave. Oversight reads refusals as closely as searches: a run of
refused searches on one request is what a fishing expedition looks like.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import Refused
from facedocket.kernel.roles import Role
from facedocket.store.db import transaction

SEARCH_REFUSED = "search.refused"
APPROVAL_REFUSED = "request.approval_refused"
# The capacity each refused act was tried in, as the record names it.
CAPACITIES = {
    SEARCH_REFUSED: (Role.EXAMINER,),
    APPROVAL_REFUSED: (Role.INTAKE_REVIEWER, Role.SUPERVISOR),
}


@contextmanager
def refusal_recorded(
    sessions: sessionmaker[Session], actor: Actor, action: str, request_id: int
) -> Iterator[Session]:
    """A transaction for the act; if the rules refuse it, the act rolls back, the refusal
    is recorded as ``action`` with its code and reasons, and ``Refused`` goes on up."""
    try:
        with transaction(sessions) as session:
            yield session
    except Refused as refused:
        record_refusal(sessions, actor, action, request_id, refused)
        raise


def record_refusal(
    sessions: sessionmaker[Session], actor: Actor, action: str, request_id: int, refused: Refused
) -> None:
    """``refused`` on the record as ``action`` on the request, in a transaction of its own:
    also for a refusal that came before the act began (the caller's role)."""
    role = actor.role_for(*CAPACITIES[action])
    with transaction(sessions) as session:
        log(
            session,
            actor,
            role or "none",
            action,
            request_id,
            {"code": refused.code, "reasons": refused.reasons},
        )
