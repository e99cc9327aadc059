"""Whether a person's second factor is required, and whether they have one.

A role named in ``second_factor_roles`` (every role, in production) may be exercised only
by someone whose sign-in can ask for more than a password. Someone who has none yet may
still sign in with the password, but only to set one up: every other route refuses them
until they have (``web.deps.RoleGate``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from facedocket.accounts.passkeys import has_passkey
from facedocket.accounts.totp import totp_enabled
from facedocket.kernel.actors import Actor
from facedocket.settings import Settings


def has_second_factor(session: Session, user_id: int) -> bool:
    return totp_enabled(session, user_id) or has_passkey(session, user_id)


def missing_second_factor(session: Session, settings: Settings, actor: Actor) -> bool:
    """True when one of the actor's roles needs a second factor that they have not set up."""
    needed = actor.roles & settings.mandatory_second_factor
    return bool(needed) and not has_second_factor(session, actor.user_id)
