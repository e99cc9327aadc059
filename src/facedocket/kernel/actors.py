"""Who acts: a person as the record names them, with the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.kernel.refusals import NotFound
from facedocket.kernel.roles import Role
from facedocket.store.schema import User


@dataclass(frozen=True)
class Actor:
    """The person acting, as the record will name them."""

    user_id: int
    username: str
    full_name: str
    rank: str
    agency_id: int
    agency_code: str
    roles: frozenset[str]

    def has(self, role: Role) -> bool:
        return role.value in self.roles

    def role_for(self, *roles: Role) -> Role | None:
        """The first of ``roles`` this actor holds: the capacity the record names."""
        return next((role for role in roles if self.has(role)), None)


def load_actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound(f"no active user called {username!r}")
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        rank=user.rank,
        agency_id=user.agency_id,
        agency_code=user.agency.code,
        roles=user.roles,
    )
