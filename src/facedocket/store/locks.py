"""Database locks for decisions that read state and then change it.

A rule such as "an order allows one search" or "a rejected request is never approved"
holds across processes only if the reading and the writing cannot interleave with
another process doing the same. These helpers take the database's own lock, so two web
services, a CLI run and a worker all queue on it; nothing relies on a lock in one
process's memory.

- PostgreSQL: a row lock (``SELECT ... FOR UPDATE``), or for a name that has no row yet
  (a sign-in name, a new username) a transaction-scoped advisory lock. Each waits for the
  holder's commit and then reads what it committed.
- SQLite: the database's write lock, taken as the transaction's first act with
  ``BEGIN IMMEDIATE``. pysqlite runs plain SELECTs outside any transaction until the
  first write, so without this a read could come from before another writer's commit.
  SQLite has one writer at a time anyway, so the whole database is the lock.

Every lock is released when the caller's transaction commits or rolls back. Callers take
the lock first, before reading what the decision depends on; the session's loaded
objects are expired so that every later read sees the state the lock protects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

T = TypeVar("T")


def lock_row(session: Session, model: type[T], key: Any) -> T | None:
    """The row of ``model`` with primary key ``key``, locked until the transaction ends;
    None if there is no such row."""
    _begin_locked(session)
    return session.get(model, key, with_for_update=True, populate_existing=True)


def lock_rows(session: Session, model: type[T], keys: Sequence[int]) -> list[T]:
    """Several rows at once, locked in key order, so that two callers locking
    overlapping sets cannot deadlock."""
    _begin_locked(session)
    column = model.id  # type: ignore[attr-defined]
    query = (
        select(model)
        .where(column.in_(sorted(set(keys))))
        .order_by(column)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def lock_name(session: Session, namespace: str, name: str) -> None:
    """A lock on a name that may have no row yet (``"sign-in"``, ``"alice"``); callers
    taking two names take them in one fixed order."""
    _begin_locked(session)
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"{namespace}\0{name}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _begin_locked(session: Session) -> None:
    """Make every later read in this transaction current and, on SQLite, hold the write
    lock. Pending changes are flushed first so that expiring loses nothing."""
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        # A write already in this transaction holds the write lock; otherwise take it.
        if dbapi is not None and not dbapi.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    session.expire_all()
