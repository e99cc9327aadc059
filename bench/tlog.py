"""The Merkle tree's cost: append throughput with and without it, proofs at scale.

Appends: ``--appends`` entries in transactions of 5000 on SQLite, once as shipped and once
with the tree's leaf write switched off (the record before the tree). Proofs: a tree of
``--size`` leaves written straight into the node table (as migration 0008 builds one),
then the median time to produce and to verify ``ROUNDS`` inclusion and consistency
proofs at random positions, and their size.

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

from checkpoint_cost import fill
from common import table, write_json
from facedocket.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from facedocket.audit.tree import build, consistency_proof, inclusion_proof, root
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade

ROUNDS = 200


def appends_per_second(folder: Path, count: int, with_tree: bool) -> float:
    engine = make_engine(f"sqlite:///{folder / f'appends-{with_tree}.db'}")
    upgrade(engine)
    switch = nullcontext() if with_tree else patch("facedocket.audit.log.add_leaf")
    try:
        with switch:
            began = time.perf_counter()
            fill(session_factory(engine), count)
            return count / (time.perf_counter() - began)
    finally:
        engine.dispose()


def median_ms(action: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 3)


def proofs(folder: Path, size: int) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{folder / 'tree.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    leaves = (index.to_bytes(8, "big") for index in range(size))
    began = time.perf_counter()
    with sessions.begin() as session:
        build(session, leaves)
    built = time.perf_counter() - began
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
            "build_s": round(built, 1),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=20000)
    parser.add_argument("--size", type=int, default=1_000_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        without = appends_per_second(folder, arguments.appends, with_tree=False)
        with_tree = appends_per_second(folder, arguments.appends, with_tree=True)
        proof = proofs(folder, arguments.size)
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
