"""The life of a request as a state machine: which action leads where, and who may take it.

Every transition is listed here and nowhere else; an action not in the table is refused,
so a new path through the workflow has to be added on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    # Sent back to the requester for correction; they edit it and submit it again.
    RETURNED = "returned"
    # The requester took it back before any search; nothing more happens to it.
    WITHDRAWN = "withdrawn"
    APPROVED = "approved"
    REJECTED = "rejected"
    SEARCHED = "searched"
    UNDER_EXAMINATION = "under_examination"
    CONCLUDED = "concluded"
    CLOSED = "closed"


class Conclusion(StrEnum):
    """What an examiner concludes of one candidate (cases/review.py); here, beside the
    states, so that the command line can offer the choices without loading the review."""

    EXCLUDED = "excluded"
    POSSIBLE_LEAD = "possible_lead"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Transition:
    to: State
    roles: tuple[Role, ...]


TRANSITIONS: dict[tuple[State, str], Transition] = {
    (State.DRAFT, "submit"): Transition(State.SUBMITTED, (Role.REQUESTER,)),
    (State.SUBMITTED, "approve"): Transition(
        State.APPROVED, (Role.INTAKE_REVIEWER, Role.SUPERVISOR)
    ),
    (State.SUBMITTED, "reject"): Transition(
        State.REJECTED, (Role.INTAKE_REVIEWER, Role.SUPERVISOR)
    ),
    (State.SUBMITTED, "return"): Transition(
        State.RETURNED, (Role.INTAKE_REVIEWER, Role.SUPERVISOR)
    ),
    (State.RETURNED, "submit"): Transition(State.SUBMITTED, (Role.REQUESTER,)),
    (State.DRAFT, "edit"): Transition(State.DRAFT, (Role.REQUESTER,)),
    (State.RETURNED, "edit"): Transition(State.RETURNED, (Role.REQUESTER,)),
    # A change after approval, before any search, goes back to intake to be decided again.
    (State.APPROVED, "edit"): Transition(State.SUBMITTED, (Role.REQUESTER,)),
    (State.DRAFT, "withdraw"): Transition(State.WITHDRAWN, (Role.REQUESTER,)),
    (State.SUBMITTED, "withdraw"): Transition(State.WITHDRAWN, (Role.REQUESTER,)),
    (State.RETURNED, "withdraw"): Transition(State.WITHDRAWN, (Role.REQUESTER,)),
    (State.APPROVED, "withdraw"): Transition(State.WITHDRAWN, (Role.REQUESTER,)),
    (State.APPROVED, "search"): Transition(State.SEARCHED, (Role.EXAMINER,)),
    (State.SEARCHED, "search"): Transition(State.SEARCHED, (Role.EXAMINER,)),
    (State.UNDER_EXAMINATION, "search"): Transition(State.UNDER_EXAMINATION, (Role.EXAMINER,)),
    (State.SEARCHED, "review"): Transition(State.UNDER_EXAMINATION, (Role.EXAMINER,)),
    (State.UNDER_EXAMINATION, "review"): Transition(State.UNDER_EXAMINATION, (Role.EXAMINER,)),
    (State.UNDER_EXAMINATION, "conclude"): Transition(State.CONCLUDED, (Role.EXAMINER,)),
    (State.CONCLUDED, "close"): Transition(State.CLOSED, (Role.SUPERVISOR,)),
    (State.REJECTED, "close"): Transition(State.CLOSED, (Role.SUPERVISOR, Role.INTAKE_REVIEWER)),
}


def next_state(current: str, action: str, actor: Actor) -> tuple[State, Role]:
    """The state after ``action``, and the role the actor takes it in; else Refused."""
    transition = TRANSITIONS.get((State(current), action))
    if transition is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == current)
        raise Refused(
            f"a request that is {current} cannot be asked to {action}"
            + (f"; it can: {', '.join(allowed)}" if allowed else ""),
            code=RefusalCode.BAD_STATE,
        )
    role = actor.role_for(*transition.roles)
    if role is None:
        needed = " or ".join(r.value.replace("_", " ") for r in transition.roles)
        article = "an" if needed[0] in "aeiou" else "a"
        raise Refused(
            f"only {article} {needed} may {action} a request", code=RefusalCode.WRONG_ROLE
        )
    return transition.to, role
