"""Who may govern: the capacity an actor takes for an act, or a refusal naming who may."""

from __future__ import annotations

from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role


def acting_role(actor: Actor, roles: tuple[Role, ...], act: str) -> Role:
    """The first of ``roles`` the actor holds (the capacity the record names); else Refused."""
    role = actor.role_for(*roles)
    if role is None:
        allowed = ", ".join(r.value for r in roles)
        raise Refused(f"to {act} takes one of these roles: {allowed}", code=RefusalCode.WRONG_ROLE)
    return role


def sentence(text: str, what: str) -> str:
    """A reason a person must give: at least a short sentence, stripped."""
    stripped = text.strip()
    if len(stripped) < 10:
        raise Refused(f"give the {what} in a sentence", code=RefusalCode.MISSING_REASON)
    if len(stripped) > 2000:
        raise Refused(f"the {what} is longer than 2000 characters", code=RefusalCode.INVALID)
    return stripped
