"""The time the workflow reads, in one place so that tests can move it (orders expire)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
