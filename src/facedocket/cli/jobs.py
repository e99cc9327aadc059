"""``facedocket jobs`` and ``facedocket worker``: durable enrolment jobs from the shell.

``jobs enrol`` queues what the administrator's page queues; ``worker`` runs the queue and
may be stopped and restarted at any moment (a job it held resumes after its lease).
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer
from rich.table import Table

from facedocket.cli.context import console, refusals, sessions, settings
from facedocket.gallery.galleries import GalleryNotFoundError
from facedocket.gallery.jobs import (
    JobNotFoundError,
    JobStateError,
    ask,
    get_job,
    list_jobs,
    progress_of,
    submit,
)
from facedocket.gallery.progress import duration
from facedocket.gallery.record import Enroller
from facedocket.gallery.sources import ManifestError

app = typer.Typer(help="Enrolment jobs kept in the database.", no_args_is_help=True)
JobId = Annotated[int, typer.Argument(help="The job's number.")]


@app.command("enrol")
def enrol(
    gallery: Annotated[str, typer.Argument(help="An existing gallery.")],
    source: Annotated[str, typer.Argument(help="A folder or manifest under the import folder.")],
) -> None:
    """Queue an enrolment job; a running ``facedocket worker`` takes it."""
    with refusals(ManifestError, GalleryNotFoundError, JobStateError):
        job = submit(settings(), sessions(), gallery, source, Enroller.default(None))
    console.print(f"job {job.id} queued: {job.total} photos of {source} into {gallery}")


@app.command("list")
def show_all() -> None:
    """The latest jobs with their progress."""
    with sessions()() as session:
        jobs = [progress_of(job) for job in list_jobs(session)]
    table = Table("job", "gallery", "source", "state", "progress", "rate", "left")
    for p in jobs:
        left = p.seconds_left
        table.add_row(
            str(p.job.id),
            p.job.gallery,
            p.job.source,
            p.job.state,
            f"{p.job.done}/{p.job.total}",
            f"{p.pace.per_second:.1f}/s" if p.job.state == "running" else "",
            duration(left) if left is not None else "",
        )
    console.print(table)


@app.command()
def show(job_id: JobId) -> None:
    """One job: its state, progress, rate and time left, and its counts once ended."""
    with refusals(JobNotFoundError), sessions()() as session:
        p = progress_of(get_job(session, job_id))
    job = p.job
    console.print(
        f"job {job.id}: {job.state}, {job.source} into {job.gallery}, by {job.started_by}"
    )
    if job.state == "running":
        console.print(p.pace.line())
    else:
        console.print(f"{job.done}/{job.total} photos")
    if job.state == "finished":
        console.print(
            f"{job.enrolled} enrolled, {job.refused} refused, {job.skipped} already done, "
            f"{job.unreadable} unreadable, {job.conflicts} enrolled under another record"
        )
    if job.report_path:
        console.print(f"report: {job.report_path}")
    if job.error:
        console.print(f"error: {job.error}")


def _asking(what: str) -> None:
    def command(job_id: JobId) -> None:
        with refusals(JobNotFoundError, JobStateError):
            ask(sessions(), job_id, what, Enroller.default(None))
        console.print(f"job {job_id}: {what} asked")

    command.__doc__ = f"{what.capitalize()} a job (a running one at its next batch)."
    app.command(what)(command)


for _what in ("pause", "resume", "cancel"):
    _asking(_what)


def worker(
    once: Annotated[
        bool, typer.Option(help="Run the due duties and the waiting jobs, mail, then stop.")
    ] = False,
) -> None:
    """Run the enrolment jobs and the scheduled duties, and mail the notices, until stopped."""
    from facedocket.gallery.runner import run_next, worker_name  # noqa: PLC0415 - heavy
    from facedocket.notify.deliver import deliver_due  # noqa: PLC0415
    from facedocket.schedule import worker as running  # noqa: PLC0415
    from facedocket.schedule.runs import run_due  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config, factory = settings(), sessions()
    if once:
        run_due(config, factory, worker_name())
        while run_next(config, factory) is not None:
            pass
        deliver_due(config, factory)
        return
    stop = threading.Event()
    running.start(config, factory, stop)
    try:
        stop.wait()
    finally:
        stop.set()
