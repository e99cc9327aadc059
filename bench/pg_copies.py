"""What one PostgreSQL test database costs: ``CREATE DATABASE ... TEMPLATE`` of a migrated
FaceDocket schema, in wall time and in the server backend's own CPU time, per strategy.

The test suite makes one such copy per PostgreSQL test (tests/databases.py); this says
whether that time is the server waiting on the disk (which copies made ahead in a
background thread could hide) or the server computing (which they cannot, on a machine
whose cores the tests already fill). The backend's CPU is read from /proc, so the server
must run on this machine (the local test server does).

    python bench/pg_copies.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from common import table, write_json
from facedocket.store.db import make_engine
from facedocket.store.migrate import upgrade

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """User + system seconds of one server process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def copy_once(
    connection: Connection, pid: int, template: str, strategy: str
) -> tuple[float, float]:
    name = f"bench_copy_{uuid.uuid4().hex[:8]}"
    cpu, start = backend_cpu(pid), time.perf_counter()
    connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY {strategy}'))
    wall, used = time.perf_counter() - start, backend_cpu(pid) - cpu
    connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    return wall, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FACEDOCKET_TEST_DATABASE_URL"))
    parser.add_argument("--copies", type=int, default=7, help="copies per strategy")
    args = parser.parse_args()
    if not args.url:
        parser.error("--url (or FACEDOCKET_TEST_DATABASE_URL) names the PostgreSQL server")
    server = create_engine(args.url, isolation_level="AUTOCOMMIT")
    template = f"bench_template_{uuid.uuid4().hex[:8]}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    try:
        schema = make_engine(server.url.set(database=template).render_as_string(False))
        upgrade(schema)
        schema.dispose()
        with server.connect() as connection:
            pid = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            size = connection.execute(text(f"SELECT pg_database_size('{template}')")).scalar_one()
            runs = {
                strategy: [
                    copy_once(connection, pid, template, strategy) for _ in range(args.copies)
                ]
                for strategy in ("WAL_LOG", "FILE_COPY")
            }
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        server.dispose()
    figures = {
        strategy: {
            "wall_median_s": statistics.median(wall for wall, _ in found),
            "backend_cpu_median_s": statistics.median(cpu for _, cpu in found),
        }
        for strategy, found in runs.items()
    }
    print(f"template: {size / 2**20:.1f} MiB; load average {os.getloadavg()}\n")
    headers = ["strategy", f"wall, median of {args.copies} (s)", "server CPU, median (s)"]
    rows = [
        [strategy, f"{f['wall_median_s']:.3f}", f"{f['backend_cpu_median_s']:.3f}"]
        for strategy, f in figures.items()
    ]
    print(table(headers, rows))
    write_json("pg_copies", {"template_bytes": size, "copies": args.copies, "figures": figures})


if __name__ == "__main__":
    main()
