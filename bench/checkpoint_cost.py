"""What signing a checkpoint after every search costs, as the record grows.

The gate signs a checkpoint in each search's transaction, while that transaction holds
the record's head row (every other writer waits). Signing walks only the entries after
the newest checkpoint of the same key; this measures that against a full ``verify`` on
records of growing size, on SQLite in a temporary folder.

Run from the repository root:  PYTHONPATH=src python bench/checkpoint_cost.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from common import table, write_json
from facedocket.audit import append, checkpoint, verify
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade

BETWEEN_SEARCHES = 20  # entries an ordinary search day adds between two searches (views, reviews)
ROUNDS = 5


def fill(sessions: sessionmaker[Session], count: int) -> None:
    done = 0
    while done < count:
        with sessions.begin() as session:
            for _ in range(min(5000, count - done)):
                append(
                    session,
                    actor="exam.okafor",
                    role="examiner",
                    action="photo.viewed",
                    subject_type="request",
                    subject_id=done,
                    details={"candidate": done, "agency": "state-police"},
                )
                done += 1


def measure(size: int, folder: Path) -> dict[str, float | int]:
    engine = make_engine(f"sqlite:///{folder / f'record-{size}.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    key = Ed25519PrivateKey.generate()
    fill(sessions, size)
    began = time.perf_counter()
    with sessions() as session:
        assert verify(session, key.public_key()).ok
    full = time.perf_counter() - began
    with sessions.begin() as session:
        checkpoint(session, key)  # the first one walks everything
    signing = []
    for _ in range(ROUNDS):
        fill(sessions, BETWEEN_SEARCHES)
        began = time.perf_counter()
        with sessions.begin() as session:
            checkpoint(session, key)
        signing.append(time.perf_counter() - began)
    engine.dispose()
    return {
        "entries": size,
        "verify_all_s": round(full, 3),
        "checkpoint_after_search_ms": round(statistics.median(signing) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        rows = [measure(size, Path(folder)) for size in sizes]
    print(
        table(
            ["entries", "verify all (s)", f"checkpoint, {BETWEEN_SEARCHES} new entries (ms)"],
            [[r["entries"], r["verify_all_s"], r["checkpoint_after_search_ms"]] for r in rows],
        )
    )
    write_json("checkpoint_cost", {"between_searches": BETWEEN_SEARCHES, "rows": rows})


if __name__ == "__main__":
    main()
