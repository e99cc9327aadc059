"""Races between real processes: N spawned workers, started once, released together.

Threads in one process would share one interpreter and one connection pool; the bugs
this proves absent (two services, or a service and a CLI run, deciding on the same
request) live between processes. The workers are spawned once per test run and each
builds its face pipeline once, so a round costs only the work raced. Every task opens
its own engine on the test's database (the same SQLite file, or the same PostgreSQL
schema), waits at a barrier with the others, and then runs one library call in its own
transaction. The answer is what a caller would see: done, refused (code and reasons), or
an error, which no race may produce.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import verify
from facedocket.faces.pipeline import FacePipeline
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.schema.base import Base

RACERS = 8
BARRIER_SECONDS = 60
# A round that has not answered by then is stuck (a lost worker, a lock never released):
# the test fails saying so, rather than hanging the suite.
ROUND_SECONDS = 300

# What each worker process keeps between tasks: the shared barrier and its pipeline.
_worker: dict[str, Any] = {}


@dataclass(frozen=True)
class Database:
    """How a child reaches the parent's database: the URL, and on PostgreSQL the schema."""

    url: str
    schema: str | None = None

    @classmethod
    def of(cls, engine: Engine) -> Database:
        url = engine.url.render_as_string(hide_password=False)
        if engine.dialect.name != "postgresql":
            return cls(url)
        with engine.connect() as connection:
            return cls(url, str(connection.execute(text("SHOW search_path")).scalar_one()))

    def engine(self) -> Engine:
        if self.schema is None:
            return make_engine(self.url)
        return make_engine(self.url, connect_args={"options": f"-csearch_path={self.schema}"})


@dataclass(frozen=True)
class Answer:
    outcome: str  # "done", "refused" or "error"
    code: str = ""
    reasons: tuple[str, ...] = ()
    value: Any = None


def _start(barrier: Barrier) -> None:
    _worker["barrier"] = barrier


def pipeline() -> FacePipeline:
    """The process's face pipeline, built on first use (its models load on the first
    search), so races that search nothing load no model."""
    if "pipeline" not in _worker:
        from facedocket.faces.registry import build_pipeline

        _worker["pipeline"] = build_pipeline(Settings())
    found: FacePipeline = _worker["pipeline"]
    return found


def _run(task: tuple[Database, Callable[..., Any], tuple[Any, ...]]) -> Answer:
    database, call, args = task
    engine = database.engine()
    try:
        sessions = session_factory(engine)
        with engine.connect():  # connected before the start, so the race is the work
            _worker["barrier"].wait(BARRIER_SECONDS)
            try:
                with transaction(sessions) as session:
                    return Answer("done", value=call(session, *args))
            except Refused as refused:
                return Answer("refused", refused.code, tuple(refused.reasons))
            except NotFound as missing:
                return Answer("refused", "not_found", (str(missing),))
    except Exception:  # the test reports it
        return Answer("error", reasons=(traceback.format_exc(),))
    finally:
        engine.dispose()


class Racers:
    """The worker processes; ``race`` gives each one call and returns every answer."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(RACERS)
        self.pool: Pool = context.Pool(RACERS, _start, (barrier,))

    def race(
        self, database: Database, calls: list[tuple[Callable[[Session], Any], tuple[Any, ...]]]
    ) -> list[Answer]:
        assert len(calls) == RACERS, f"a race has {RACERS} runners"
        tasks = [(database, call, args) for call, args in calls]
        pending = self.pool.map_async(_run, tasks, chunksize=1)
        try:
            answers = pending.get(ROUND_SECONDS)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            raise AssertionError(f"a race did not finish in {ROUND_SECONDS} s") from None
        errors = [a.reasons[0] for a in answers if a.outcome == "error"]
        assert not errors, "a racer failed instead of being refused:\n" + "\n".join(errors)
        return answers

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def racers() -> Iterator[Racers]:
    found = Racers()
    try:
        yield found
    finally:
        found.close()


def one_winner(answers: list[Answer]) -> tuple[Answer, list[Answer]]:
    """The one racer that got its way, and the others."""
    done = [a for a in answers if a.outcome == "done"]
    assert len(done) == 1, f"{len(done)} of {RACERS} racers won: {answers}"
    return done[0], [a for a in answers if a.outcome != "done"]


def count(sessions: sessionmaker[Session], model: type[Base], *where: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def assert_verifies(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        result = verify(session)
    assert result.ok, result
