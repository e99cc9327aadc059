"""How long the ``facedocket`` command takes to answer, beside a bare Python start.

Issue #13's target: ``facedocket --help`` and commands that touch no model or index (here
``requests list``) answer in under 0.5 s on the 2-core development machine. Each command
runs several times in a fresh process, interleaved with ``python -c pass`` so that all
three see the same load on a shared machine; the median of each is printed and written to
``bench/results/cli_startup.json``. ``requests list`` runs on a throwaway SQLite database
(made and migrated before the timing) with one user and no request.

    python bench/cli_startup.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import table, write_json

COMMAND = [sys.executable, "-c", "from facedocket.cli import app; app()"]
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "facedocket --help": [*COMMAND, "--help"],
    "facedocket requests list": [*COMMAND, "requests", "list", "--as", "bench.user"],
}
SETUP = (
    ["admin", "add-agency", "bench", "Bench agency"],
    ["admin", "add-user", "bench.user", "--name", "Bench User", "--agency", "bench",
     "--role", "requester"],
)  # fmt: skip


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as folder:
        env = {**os.environ, "FACEDOCKET_DATA_DIR": str(Path(folder) / "data")}
        env.pop("FACEDOCKET_DATABASE_URL", None)
        for words in SETUP:
            subprocess.run([*COMMAND, *words], env=env, check=True, stdout=subprocess.DEVNULL)
        for argv in CASES.values():  # once each untimed: bytecode caches, page cache
            timed(argv, env)
        seconds: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(args.runs):
            for name, argv in CASES.items():
                seconds[name].append(timed(argv, env))
    medians = {name: statistics.median(runs) for name, runs in seconds.items()}
    bare = medians["python -c pass"]
    rows = [
        [name, *(f"{s:.3f}" for s in (medians[name], min(runs), max(runs), medians[name] - bare))]
        for name, runs in seconds.items()
    ]
    headers = ["command", f"median of {args.runs} (s)", "min (s)", "max (s)", "over python (s)"]
    print(table(headers, rows))
    write_json(
        "cli_startup",
        {"runs": args.runs, "median_s": medians, "seconds": seconds, "target_s": 0.5},
    )


if __name__ == "__main__":
    main()
