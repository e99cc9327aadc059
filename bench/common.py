"""What every benchmark shares: where the photos and results live, the set's lists, pools.

The benchmarks are scripts, not part of the product: they read the development set at run
time (never copying a photo into the repository) and write their figures as JSON under
``bench/results/`` (git-ignored), so that a number quoted anywhere can be traced to a run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DATASETS = ("lfw", "yale", "orl")

T = TypeVar("T")
R = TypeVar("R")


def default_faces_dir() -> Path:
    """``FACEDOCKET_FACES_DIR`` if set, else ``../shared/data/faces`` beside the repository."""
    configured = os.environ.get("FACEDOCKET_FACES_DIR")
    return Path(configured) if configured else (REPO.parent / "shared" / "data" / "faces")


def add_faces_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--faces",
        type=Path,
        default=default_faces_dir(),
        help="development photo set (default: $FACEDOCKET_FACES_DIR or ../shared/data/faces)",
    )


def check_faces_dir(faces: Path) -> Path:
    if not (faces / "images.tsv").is_file() or not (faces / "pairs.tsv").is_file():
        sys.exit(f"no development set at {faces}: pass --faces or set FACEDOCKET_FACES_DIR")
    return faces.resolve()


@dataclass(frozen=True)
class ImageRow:
    path: str  # relative to the faces folder, as the set's lists write it
    dataset: str
    identity: str


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    dataset: str


def read_images(faces: Path) -> list[ImageRow]:
    with (faces / "images.tsv").open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [ImageRow(r["path"], r["dataset"], r["identity"]) for r in rows]


def read_pairs(faces: Path) -> list[Pair]:
    """The pairs in file order (the order defines LFW's folds)."""
    with (faces / "pairs.tsv").open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [
            Pair(r["image_a"], r["image_b"], r["same"] == "1", r["image_a"].split("/")[0])
            for r in rows
        ]


def sha256_text(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def source_digest(folder: Path, names: Sequence[str]) -> str:
    """A digest of the named source files, so a cache dies with the code that made it."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def parallel_map(
    function: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    workers: int,
    chunk: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    label: str = "",
) -> list[R]:
    """``function`` over chunks of ``items`` in spawned processes, results in input order.

    Spawned rather than forked, for the same reason enrolment does: threads of ONNX Runtime
    or OpenMP in the parent must not be copied into a child in a locked state.
    """
    chunks = [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]
    results: list[R] = []
    if not chunks:
        return results
    began = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer, initargs) as pool:
        for done, part in enumerate(pool.map(function, chunks), start=1):
            results.extend(part)
            if label and (done % 10 == 0 or done == len(chunks)):
                elapsed = time.perf_counter() - began
                print(
                    f"  {label}: {len(results)}/{len(items)} in {elapsed:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def environment() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        # Other work on a shared machine skews every timing; the load says how much.
        "load_average_1_5_15_min": os.getloadavg(),
        "argv": sys.argv,
    }


def write_json(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"environment": environment(), **payload}, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(REPO)}")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so figures paste straight into a report."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def chunks_of(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
