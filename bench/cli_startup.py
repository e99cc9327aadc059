"""How long the ``facedocket`` command takes to answer, beside a bare Python start.

Issue #13's target: ``facedocket --help`` and commands that touch no model or index
(``requests list``, ``jobs list``, ``db current``) answer in under 0.5 s on the 2-core
development machine. Each command runs several times in a fresh process, interleaved with
``python -c pass`` so that all see the same load on a shared machine; the median wall time
of each is printed, and the median CPU time (user + system) of the process, which a busy
machine inflates far less than wall time. Figures go to ``bench/results/cli_startup.json``.
The commands run on a throwaway SQLite database (made with ``db upgrade`` before the
timing) with one user and no request. ``PYTHONDONTWRITEBYTECODE`` is dropped from the
commands' environment: an installed FaceDocket keeps its compiled bytecode, and compiling
every module on every start is not what a user waits for.

    python bench/cli_startup.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import resource
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
    "facedocket jobs list": [*COMMAND, "jobs", "list"],
    "facedocket db current": [*COMMAND, "db", "current"],
}
SETUP = (
    ["db", "upgrade"],
    ["admin", "add-agency", "bench", "Bench agency"],
    ["admin", "add-user", "bench.user", "--name", "Bench User", "--agency", "bench",
     "--role", "requester"],
)  # fmt: skip


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as folder:
        env = {**os.environ, "FACEDOCKET_DATA_DIR": str(Path(folder) / "data")}
        env.pop("FACEDOCKET_DATABASE_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for words in SETUP:
            subprocess.run([*COMMAND, *words], env=env, check=True, stdout=subprocess.DEVNULL)
        for argv in CASES.values():  # once each untimed: bytecode caches, page cache
            timed(argv, env)
        wall: dict[str, list[float]] = {name: [] for name in CASES}
        cpu: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(args.runs):
            for name, argv in CASES.items():
                seconds, used = timed(argv, env)
                wall[name].append(seconds)
                cpu[name].append(used)
    medians = {name: statistics.median(runs) for name, runs in wall.items()}
    cpu_medians = {name: statistics.median(runs) for name, runs in cpu.items()}
    rows = [
        [
            name,
            *(f"{s:.3f}" for s in (medians[name], min(runs), max(runs), cpu_medians[name])),
            f"{medians[name] - medians['python -c pass']:.3f}",
        ]
        for name, runs in wall.items()
    ]
    headers = [
        "command",
        f"wall, median of {args.runs} (s)",
        "min (s)",
        "max (s)",
        "CPU, median (s)",
        "wall over python (s)",
    ]
    print(f"load average before the run: {load_before}\n")
    print(table(headers, rows))
    write_json(
        "cli_startup",
        {
            "runs": args.runs,
            "load_average_before": load_before,
            "median_s": medians,
            "cpu_median_s": cpu_medians,
            "seconds": wall,
            "cpu_seconds": cpu,
            "target_s": 0.5,
        },
    )


if __name__ == "__main__":
    main()
