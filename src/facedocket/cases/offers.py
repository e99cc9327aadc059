"""What a person may do with a request now, and why not, for a page to offer.

Each offer asks the check the action itself runs (``may_submit``, ``may_decide``,
``may_search`` ...), so a page never offers what the server would refuse, nor refuses
what it offers. An action the person's role or the request's state rules out is not
offered at all; one the policy or the record rules out is offered disabled, with the
refusal's reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from facedocket.cases.basis import require_searcher
from facedocket.cases.corrections import may_change
from facedocket.cases.gate import may_search
from facedocket.cases.requests import may_decide, may_submit
from facedocket.cases.review import require_independent
from facedocket.cases.states import next_state
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import Refused
from facedocket.policy import load_policy
from facedocket.store.schema import SearchRequest

Check = Callable[[Session, SearchRequest, Actor], Any]


def _second_review(session: Session, request: SearchRequest, actor: Actor) -> None:
    _, role = next_state(request.state, "review", actor)
    policy = load_policy(request.policy_id, at=clock.now())
    require_searcher(policy, actor, role)
    require_independent(session, policy, request, request.searches[-1].id, actor, 2)


# Each offer: the state machine's action that must be open to the person, and its check.
CHECKS: dict[str, tuple[str, Check]] = {
    "submit": ("submit", may_submit),
    "edit": ("edit", lambda _, request, actor: may_change(request, actor, "edit")),
    "withdraw": ("withdraw", lambda _, request, actor: may_change(request, actor, "withdraw")),
    "approve": ("approve", lambda s, request, actor: may_decide(s, request, actor, "approve")),
    "return": ("return", lambda s, request, actor: may_decide(s, request, actor, "return")),
    "reject": ("reject", lambda s, request, actor: may_decide(s, request, actor, "reject")),
    "search": ("search", lambda s, request, actor: may_search(s, request, actor, clock.now())),
    "second_review": ("review", _second_review),
    "close": ("close", lambda _, request, actor: next_state(request.state, "close", actor)),
}


def offers(session: Session, request: SearchRequest, actor: Actor) -> dict[str, str | None]:
    """Each action open to ``actor`` (as the case knows them, ``requests.open_case``) by
    role and state: None where it would be done, else why it would be refused."""
    found: dict[str, str | None] = {}
    for name, (action, check) in CHECKS.items():
        try:
            next_state(request.state, action, actor)
        except Refused:
            continue
        try:
            check(session, request, actor)
        except Refused as refusal:
            found[name] = "; ".join(refusal.reasons)
        else:
            found[name] = None
    return found
