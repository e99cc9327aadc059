"""Choosing an HNSW graph: recall and mate recall over M, efConstruction and efSearch.

Recall depends on the graph and the data, not on the machine; only latency does. So graphs
can be compared where many cores make a million-template build take minutes (a lent GPU
machine has 16), and only the chosen one built and timed on the deployment's hardware with
``scale.py``. The workload is ``scale.py``'s (``workload.py``), rebuilt from an exported
file of the set's real templates, so this script needs numpy and faiss, not the project.

For every mate that exact search ranks in its top k and a graph misses, it says why: the
mate's exact rank, its margin over the first score outside the top k (a near tie that
another summation order can flip), and whether the graph finds the mate at all when
searched with the mate's own template (if not, no query can reach that node).

    python bench/hnsw_tune.py --export bench/results/real-templates.npz      # with the project
    python bench/hnsw_tune.py --templates real-templates.npz --graphs 32:200 48:200 \\
        --ef 256 512 1024 --queries 1000 --out hnsw-tune.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

from common import add_faces_option, check_faces_dir, environment
from facedocket.gallery.index import FaissIndex
from search_speed import mate_recall, recall
from workload import Ids, Workload, exact_top, workload

CHUNK = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_faces_option(parser)
    parser.add_argument("--export", type=Path, help="write the real templates here and stop")
    parser.add_argument("--templates", type=Path, help="real templates written by --export")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="real probes (mated)")
    parser.add_argument("--graphs", nargs="+", default=["32:200"], help="M:efConstruction")
    parser.add_argument("--ef", type=int, nargs="+", default=[256, 512, 768, 1024])
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/hnsw-tune.json"))
    args = parser.parse_args()

    if args.export:
        export(check_faces_dir(args.faces), args.export)
        return
    if not args.templates:
        sys.exit("pass --templates FILE (written by --export) or --export FILE")
    with np.load(args.templates) as data:
        vectors, identities = data["vectors"].astype(np.float32), list(data["identities"])
    faiss.omp_set_num_threads(args.threads)
    began = time.perf_counter()
    work = workload(vectors, identities, args.size, args.queries, args.seed)
    exact_ids, outside = exact_top(work, args.k)
    mated = sum(1 for m in work.mates if m)
    print(
        f"workload: {args.size:,} templates, {mated} mated probes, "
        f"{time.perf_counter() - began:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    result: dict[str, Any] = {
        "environment": environment(),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "mated_probes": mated,
        "strangers": work.strangers["scores"],
        "graphs": [],
    }
    for graph in args.graphs:
        m, ef_construction = (int(part) for part in graph.split(":"))
        result["graphs"].append(
            one_graph(work, exact_ids, outside, m, ef_construction, args.ef, args.k)
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")  # after each: builds are long
    print(f"wrote {args.out}", file=sys.stderr)


def export(faces: Path, path: Path) -> None:
    """The set's real templates and identities, for a machine without the project."""
    from scale import real_templates  # noqa: PLC0415 (imports the face engine)

    vectors, identities = real_templates(faces, workers=2, cache=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, vectors=vectors, identities=np.array(identities))
    print(f"wrote {len(vectors)} templates to {path}", file=sys.stderr)


def one_graph(
    work: Workload,
    exact_ids: Ids,
    outside: NDArray[np.float32],
    m: int,
    ef_construction: int,
    efs: list[int],
    k: int,
) -> dict[str, Any]:
    """Build the graph as the product does; recall, mate recall and each miss's cause."""
    size, dimension = work.gallery.shape
    index = FaissIndex(dimension, "hnsw", hnsw_m=m, ef_construction=ef_construction)
    began = time.perf_counter()
    for start in range(0, size, CHUNK):
        stop = min(start + CHUNK, size)
        index.add(np.arange(start, stop, dtype=np.int64), work.gallery[start:stop])
    build_s = time.perf_counter() - began
    print(f"M={m} efC={ef_construction}: built in {build_s:.0f} s", file=sys.stderr, flush=True)
    out: dict[str, Any] = {"m": m, "ef_construction": ef_construction, "build_s": round(build_s)}
    out["runs"] = []
    for ef in efs:
        index.ef_search = ef
        got = index.search(work.probes, k).ids
        share, found, wanted = mate_recall(exact_ids, got, work.mates)
        run = {
            "ef_search": ef,
            f"recall_at_{k}": round(recall(exact_ids, got), 5),
            "mate_recall": round(share, 5),
            "mates_found": found,
            "mates_wanted": wanted,
            "missed": missed_mates(index, work, exact_ids, outside, got, k),
        }
        out["runs"].append(run)
        print(f"  ef={ef}: {json.dumps(run)}", file=sys.stderr, flush=True)
    return out


def missed_mates(
    index: FaissIndex,
    work: Workload,
    exact_ids: Ids,
    outside: NDArray[np.float32],
    got: Ids,
    k: int,
) -> list[dict[str, Any]]:
    missed = []
    for probe, (exact, approx, mine) in enumerate(zip(exact_ids, got, work.mates, strict=True)):
        for mate in sorted(mine & set(exact.tolist()) - set(approx.tolist())):
            score = float(work.probes[probe] @ work.gallery[mate])
            itself = index.search(work.gallery[mate][None, :], k).ids[0]
            missed.append(
                {
                    "probe": probe,
                    "exact_rank": int(np.flatnonzero(exact == mate)[0]) + 1,
                    "score": round(score, 6),
                    "margin_over_rank_k_plus_1": float(score - outside[probe]),
                    "found_by_own_template": bool(mate in itself.tolist()),
                }
            )
    return missed


if __name__ == "__main__":
    main()
