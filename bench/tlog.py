"""The Merkle tree's cost: append throughput with and without it, proofs at scale.

Appends: ``--appends`` entries on SQLite, as shipped and with the tree's leaf write
switched off (the record before the tree), in turns of 500 (a transaction each) into two
databases, so that a load that changes during the run weighs on both alike. Proofs: a tree of
``--size`` leaves written straight into the node table (as migration 0008 builds one),
then the median time to produce and to verify ``ROUNDS`` inclusion and consistency
proofs at random positions, and their size.

Building the tree of ``--size`` leaves is most of the run (about 30 minutes at 10M on the
shared machine); ``--tree-db FILE`` keeps it in FILE and a later run with the same file
and size reuses it (``build_s`` is then null), so proofs can be timed again, or by
another checkout's code, over the same tree.

Run from the repository root:  PYTHONPATH=src python bench/tlog.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from checkpoint_cost import fill
from common import table, write_json
from facedocket.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from facedocket.audit.tree import build, consistency_proof, inclusion_proof, root
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade
from facedocket.store.schema import AuditTreeNode

ROUNDS = 200
TURN = 500


def appends_per_second(folder: Path, count: int) -> dict[bool, float]:
    """Appends per second without and with the tree, each in its own database, taken in
    turns of ``TURN`` entries (one transaction each) so that both see the same load."""
    engines = {
        tree: make_engine(f"sqlite:///{folder / f'appends-{tree}.db'}") for tree in (False, True)
    }
    spent = {False: 0.0, True: 0.0}
    try:
        for engine in engines.values():
            upgrade(engine)
        for done in range(0, count, TURN):
            for with_tree in (False, True):
                switch = nullcontext() if with_tree else patch("facedocket.audit.log.add_leaf")
                with switch:
                    began = time.perf_counter()
                    fill(session_factory(engines[with_tree]), min(TURN, count - done))
                    spent[with_tree] += time.perf_counter() - began
    finally:
        for engine in engines.values():
            engine.dispose()
    return {with_tree: count / seconds for with_tree, seconds in spent.items()}


def median_ms(action: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 3)


def proofs(tree_file: Path, size: int) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{tree_file}")
    upgrade(engine)
    sessions = session_factory(engine)
    built = None if _holds_tree(sessions, size) else _build(sessions, size)
    pick = random.Random(11)
    with sessions() as session:
        top = root(session, size)
        index = pick.randrange(size)
        path = inclusion_proof(session, index, size)
        old = pick.randrange(1, size)
        growth = consistency_proof(session, old, size)
        old_root = root(session, old)
        leaf = leaf_hash(index.to_bytes(8, "big"))
        result = {
            "leaves": size,
            "build_s": None if built is None else round(built, 1),
            "inclusion_bytes": 32 * len(path),
            "inclusion_make_ms": median_ms(
                lambda: inclusion_proof(session, pick.randrange(size), size)
            ),
            "inclusion_verify_ms": median_ms(
                lambda: verify_inclusion(index, size, leaf, path, top)
            ),
            "consistency_bytes": 32 * len(growth),
            "consistency_make_ms": median_ms(
                lambda: consistency_proof(session, pick.randrange(1, size), size)
            ),
            "consistency_verify_ms": median_ms(
                lambda: verify_consistency(old, size, old_root, top, growth)
            ),
        }
    engine.dispose()
    return result


def _holds_tree(sessions: sessionmaker[Session], size: int) -> bool:
    """Whether the file already holds this benchmark's tree of ``size`` leaves, no more."""
    with sessions() as session:
        count = session.scalar(select(func.count()).where(AuditTreeNode.level == 0))
        if count == 0:
            return False
        if count != size:
            raise SystemExit(f"the tree file holds {count} leaves, not {size}: use another file")
        last = session.get(AuditTreeNode, (0, size - 1))
        if last is None or bytes(last.hash) != leaf_hash((size - 1).to_bytes(8, "big")):
            raise SystemExit("the tree file holds another tree: use another file")
    return True


def _build(sessions: sessionmaker[Session], size: int) -> float:
    leaves = (index.to_bytes(8, "big") for index in range(size))
    began = time.perf_counter()
    with sessions.begin() as session:
        build(session, leaves)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=20000)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--tree-db", type=Path, help="Keep the tree in this SQLite file.")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rates = appends_per_second(folder, arguments.appends)
        without, with_tree = rates[False], rates[True]
        proof = proofs(arguments.tree_db or folder / "tree.db", arguments.size)
    appends = {
        "entries": arguments.appends,
        "without_tree_per_s": round(without),
        "with_tree_per_s": round(with_tree),
        "ratio": round(with_tree / without, 3),
    }
    print(table(list(appends), [list(appends.values())]))
    print(table(list(proof), [list(proof.values())]))
    write_json("tlog", {"appends": appends, "proofs": proof})


if __name__ == "__main__":
    main()
