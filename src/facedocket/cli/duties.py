"""``facedocket duties``: the scheduled duties a worker runs, and running the due ones now.

``duties run`` does what a worker does at each turn (a deployment without a resident
worker can call it from cron); the database makes sure each duty still runs once.
"""

from __future__ import annotations

import typer
from rich.table import Table

from facedocket.cli.context import console, sessions, settings

app = typer.Typer(help="Scheduled duties: their last and next runs.", no_args_is_help=True)


@app.command("list")
def show_all() -> None:
    """Each duty: how often, its last run and what it did, and its next run."""
    from facedocket.schedule.runs import statuses  # noqa: PLC0415 - loads every duty's module

    table = Table("duty", "what", "schedule", "last run", "outcome", "next run")
    for status in statuses(sessions(), settings()):
        row = status.row
        last = f"{row.last_started_at:%Y-%m-%d %H:%M} UTC" if row and row.last_started_at else ""
        outcome = f"{row.last_outcome}: {row.last_details}" if row and row.last_outcome else ""
        upcoming = (
            "when a worker starts"
            if row is None
            else f"{row.next_at:%Y-%m-%d %H:%M} UTC"
            if row.next_at
            else "off"
        )
        table.add_row(status.duty.name, status.duty.what, status.every, last, outcome, upcoming)
    console.print(table)


@app.command("run")
def run() -> None:
    """Run every duty that is due now, each on the record, and say which ran."""
    from facedocket.gallery.runner import worker_name  # noqa: PLC0415
    from facedocket.schedule.runs import run_due  # noqa: PLC0415

    ran = run_due(settings(), sessions(), worker_name())
    console.print(f"ran: {', '.join(ran)}" if ran else "no duty was due")
