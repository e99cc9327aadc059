"""Agencies and their users; what a user may do follows from roles and the agency.

Whether an agency may run searches is not stored here: the jurisdiction's policy names the
searching bodies, so a change in the law never needs a data migration.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facedocket import limits
from facedocket.store.schema.base import Base, utcnow


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(limits.AGENCY_CODE), unique=True)
    name: Mapped[str] = mapped_column(String(limits.AGENCY_NAME))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(limits.USERNAME), unique=True)
    full_name: Mapped[str] = mapped_column(String(limits.FULL_NAME))
    rank: Mapped[str] = mapped_column(String(limits.RANK), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Where notices are mailed (notify/); None: they show on the home page only.
    email: Mapped[str | None] = mapped_column(String(limits.EMAIL))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
