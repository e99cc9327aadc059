"""Two ``facedocket serve`` processes on one PostgreSQL database, raced over loopback.

The rules that matter under load (one search per one-search order, one of approve and
reject) must hold between services, not only inside one, since an agency runs several
behind its proxy. This seeds a fresh schema, starts two services on it, and sends
bounded concurrent traffic to both: for every approved request four searches (two to
each service), for every submitted request two approvals and two rejections. It then
checks the database against the answers: no 5xx, every 2xx on the record once (nothing
lost), no request searched or decided twice (nothing duplicated), the record verifies.
It prints actions per second and latency percentiles, and writes them to
``bench/results/two_services.json``.

    PYTHONPATH=src python bench/two_services.py [--requests 12] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select, text

from common import add_faces_option, check_faces_dir, environment, table, write_json
from facedocket.audit import verify
from facedocket.store.db import make_engine, session_factory
from facedocket.store.schema import AuditEntry, Search, SearchRequest
from seed_world import SeedWorld, seed

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WHY = "The order names this image and this gallery."


@dataclass(frozen=True)
class Call:
    kind: str  # "search", "approve" or "reject"
    request_id: int
    service: int
    username: str


@dataclass(frozen=True)
class Result:
    call: Call
    status: int
    seconds: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_faces_option(parser)
    parser.add_argument(
        "--database-url", default=os.environ.get("FACEDOCKET_TEST_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--requests", type=int, default=12, help="requests of each kind")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight at once")
    args = parser.parse_args()
    faces = check_faces_dir(args.faces)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(args.database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="facedocket-bench-") as folder:
            report = run(args, faces, schema, Path(folder))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    write_json("two_services", report)
    if report["problems"]:
        raise SystemExit(1)


def run(args: argparse.Namespace, faces: Path, schema: str, folder: Path) -> dict[str, Any]:
    url = f"{args.database_url}?options=-csearch_path%3D{schema}"
    env = {
        **os.environ,
        "FACEDOCKET_DATABASE_URL": url,
        "FACEDOCKET_DATA_DIR": str(folder / "data"),
        "FACEDOCKET_SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
    }
    world = seed(url, folder / "data", faces, args.requests)
    ports = [18731, 18732]
    services = [
        subprocess.Popen(
            [str(Path(sys.executable).parent / "facedocket"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}/api/v1" for port in ports]
        for base in bases:
            wait_until_up(base)
        warm_up(world, bases)
        calls = plan(world)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(lambda c: send(world, bases, c), calls))
        wall = time.perf_counter() - started
    finally:
        for service in services:
            service.terminate()
            service.wait(30)
    checks = check(url, world, results)
    return figures(args, results, wall, checks)


def wait_until_up(base: str) -> None:
    for _ in range(120):
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} did not start")


def warm_up(world: SeedWorld, bases: list[str]) -> None:
    """One search per service first, so the figures are not the models' loading."""
    for base, number in zip(bases, world.warm_up, strict=True):
        answer = post(world, base, "examiner", f"/requests/{number}/searches", {})
        assert answer.status_code == 201, answer.text


def plan(world: SeedWorld) -> list[Call]:
    """The calls on one request next to each other, so that they are in flight together."""
    calls = []
    for number in world.approved:
        for i in range(4):
            calls.append(Call("search", number, i % 2, ("examiner", "examiner2")[i // 2]))
    for number in world.submitted:
        for i, kind in enumerate(("approve", "reject", "reject", "approve")):
            calls.append(Call(kind, number, i % 2, ("intake", "supervisor")[i // 2]))
    return calls


def send(world: SeedWorld, bases: list[str], call: Call) -> Result:
    path, body = {
        "search": (f"/requests/{call.request_id}/searches", {}),
        "approve": (f"/requests/{call.request_id}/approve", {"note": WHY}),
        "reject": (f"/requests/{call.request_id}/reject", {"reason": WHY}),
    }[call.kind]
    started = time.perf_counter()
    answer = post(world, bases[call.service], call.username, path, body)
    return Result(call, answer.status_code, time.perf_counter() - started)


def post(
    world: SeedWorld, base: str, username: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {world.tokens[username]}"}
    return httpx.post(base + path, json=body, headers=headers, timeout=120)


def check(url: str, world: SeedWorld, results: list[Result]) -> dict[str, Any]:
    """The database against the answers: nothing lost, nothing doubled, no 5xx."""
    server_errors = [r for r in results if r.status >= 500]
    won: Counter[tuple[str, int]] = Counter()
    for r in results:
        if r.status < 300:
            won[("decision" if r.call.kind != "search" else "search", r.call.request_id)] += 1
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            searches = Counter(session.scalars(select(Search.request_id)))
            entries = Counter(
                (action, int(subject))
                for action, subject in session.execute(
                    select(AuditEntry.action, AuditEntry.subject_id).where(
                        AuditEntry.subject_type == "request",
                        AuditEntry.action.in_(
                            ["search.run", "request.approved", "request.rejected"]
                        ),
                    )
                )
            )
            states = dict(session.execute(select(SearchRequest.id, SearchRequest.state)))
            verified = verify(session).ok
            total = session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        engine.dispose()
    problems = [f"{len(server_errors)} answers were 5xx"] if server_errors else []
    for number in world.approved:
        if not (
            won[("search", number)] == searches[number] == entries[("search.run", number)] == 1
        ):
            problems.append(
                f"request {number}: {won[('search', number)]} searches answered 201, "
                f"{searches[number]} stored, {entries[('search.run', number)]} on the record"
            )
    for number in world.submitted:
        decided = entries[("request.approved", number)] + entries[("request.rejected", number)]
        recorded = entries[(f"request.{states[number]}", number)]
        if not (won[("decision", number)] == decided == recorded == 1):
            problems.append(
                f"request {number}: {won[('decision', number)]} decisions answered 200, "
                f"{decided} on the record, state {states[number]}"
            )
    if not verified:
        problems.append("the record does not verify")
    return {"problems": problems, "record_verifies": verified, "audit_entries": total}


def figures(
    args: argparse.Namespace, results: list[Result], wall: float, checks: dict[str, Any]
) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ("search", "approve", "reject"):
        times = sorted(r.seconds for r in results if r.call.kind == kind)
        statuses = Counter(r.status for r in results if r.call.kind == kind)
        by_kind[kind] = {
            "calls": len(times),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "p50_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * times[max(0, round(0.95 * len(times)) - 1)], 1),
        }
    every = sorted(r.seconds for r in results)
    report = {
        "environment": environment(),
        "services": 2,
        "requests_each_kind": args.requests,
        "concurrency": args.concurrency,
        "calls": len(results),
        "wall_seconds": round(wall, 2),
        "actions_per_second": round(len(results) / wall, 2),
        "p50_ms": round(1000 * statistics.median(every), 1),
        "p95_ms": round(1000 * every[max(0, round(0.95 * len(every)) - 1)], 1),
        "by_kind": by_kind,
        **checks,
    }
    rows = [[k, v["calls"], v["statuses"], v["p50_ms"], v["p95_ms"]] for k, v in by_kind.items()]
    rows.append(["all", report["calls"], "", report["p50_ms"], report["p95_ms"]])
    print(table(["action", "calls", "statuses", "p50 ms", "p95 ms"], rows))
    print(
        f"{report['actions_per_second']} actions/s over {report['wall_seconds']} s; "
        f"record verifies: {checks['record_verifies']}"
    )
    for problem in checks["problems"]:
        print("PROBLEM:", problem)
    return report


if __name__ == "__main__":
    main()
