"""A pack: one jurisdiction's rules as they stood over time, one ``Policy`` per version.

Laws change, and a search is judged by the law of the day it runs: ``Pack.at`` gives the
version in force on a day (in the pack's time zone), and every decision names that
version. Versions follow each other without gap or overlap, so exactly one is in force on
any day from the first version on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from facedocket.policy.fields import Slug, Text
from facedocket.policy.model import Policy

# The fields a pack states once, for all its versions.
HEADER = ("id", "title", "jurisdiction", "status", "timezone", "statute")
VERSION = ("version", "effective_from", "effective_to")


class VersionFile(BaseModel):
    """One version as written: its dates and either all its rules or what changed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    version: str
    effective_from: date
    effective_to: date | None
    # What this version changed, and why (the law that changed it).
    note: Text
    # ``rules``: every rule written out; ``changes``: mappings merged into the previous
    # version's rules (a key is added or replaced, never removed; to remove one, write
    # the version out in full).
    rules: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> VersionFile:
        if (self.rules is None) == (self.changes is None):
            raise ValueError("a version has either 'rules' (in full) or 'changes', not both")
        for key in (*HEADER, *VERSION):
            if key in (self.rules or self.changes or {}):
                raise ValueError(f"{key!r} is stated once for the pack or the version")
        return self


class PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Slug
    title: Text
    jurisdiction: Text
    status: Literal["law", "proposed"]
    timezone: str
    statute: Text
    versions: Annotated[list[VersionFile], Field(min_length=1)]


@dataclass(frozen=True)
class Pack:
    """Every version of one pack, oldest first."""

    versions: tuple[Policy, ...]

    @property
    def id(self) -> str:
        return self.versions[0].id

    @property
    def latest(self) -> Policy:
        return self.versions[-1]

    def at(self, moment: datetime | date) -> Policy:
        """The version in force on ``moment``'s local day.

        Before the first version, the first (its ``check_basis`` refuses: not in force
        yet); after the last one ended, the last (refused the same way: no longer).
        """
        if isinstance(moment, datetime):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError("a moment to look a version up by is timezone-aware")
            day = moment.astimezone(self.latest.zone).date()
        else:
            day = moment
        chosen = self.versions[0]
        for policy in self.versions:
            if policy.effective_from <= day:
                chosen = policy
        return chosen

    def version(self, version: str) -> Policy | None:
        return next((p for p in self.versions if p.version == version), None)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
