"""``facedocket gallery``: bulk enrolment and the state of a gallery.

Searching a gallery is deliberately not here: a 1:N search happens only through the legal
gate, for an approved request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from facedocket.cli.context import console, refusals, sessions, settings
from facedocket.gallery.enrol import EnrolmentReport
from facedocket.gallery.enrol import Progress as ProgressCallback
from facedocket.gallery.enrol import enrol as run_enrolment
from facedocket.gallery.galleries import (
    GalleryNotFoundError,
    InvalidGalleryError,
    checked_gallery_name,
    gallery_stats,
)
from facedocket.gallery.progress import PlainLines
from facedocket.gallery.sources import EnrolmentItem, ManifestError, from_folder, from_manifest
from facedocket.settings import EnrolEngine

app = typer.Typer(help="Enrol photos into galleries and inspect them.", no_args_is_help=True)


@app.command()
def enrol(
    name: Annotated[str, typer.Argument(help="Gallery name; created if new.")],
    source: Annotated[
        Path, typer.Argument(exists=True, help="A folder per person, or a CSV manifest.")
    ],
    workers: Annotated[
        int | None, typer.Option(help="Processes or Ray actors; default: all cores.")
    ] = None,
    engine: Annotated[
        EnrolEngine | None,
        typer.Option(
            help="local: this machine's processes; ray: Ray Data on FACEDOCKET_RAY_ADDRESS "
            "or a local Ray. Default: FACEDOCKET_ENROL_ENGINE, else local."
        ),
    ] = None,
    progress_every: Annotated[
        float,
        typer.Option(
            min=0, help="Seconds between progress lines when output is not a terminal (a log)."
        ),
    ] = 10.0,
) -> None:
    """Enrol every photo of SOURCE; rerun it after an interruption to resume."""
    with refusals(InvalidGalleryError):
        checked_gallery_name(name)  # before the source is read: the API's rule
    with refusals(ManifestError):
        items = from_manifest(source) if source.is_file() else from_folder(source)
    if console.is_terminal:
        with _bar() as bar:
            task = bar.add_task("enrol", total=len(items), rate="")

            def advance(done: int, total: int) -> None:
                elapsed = bar.tasks[task].elapsed or 0.0
                rate = f"{done / elapsed:.1f} photos/s" if elapsed else ""
                bar.update(task, completed=done, total=total, rate=rate)

            report = _enrol(name, items, engine, workers, advance)
    else:
        report = _enrol(name, items, engine, workers, PlainLines(console.print, progress_every))
    console.print(
        f"gallery {name}: {report.enrolled} enrolled, {report.refused} refused, "
        f"{report.skipped} already done, {report.unreadable} unreadable, "
        f"{report.conflicts} enrolled under another record "
        f"in {report.seconds:.1f} s ({report.per_second:.1f} photos/s)"
    )
    if report.report_path:
        console.print(
            "refused, unreadable and conflicting photos of this source, earlier runs' "
            f"included, with reasons: {report.report_path}"
        )


def _bar() -> Progress:
    return Progress(
        TextColumn("enrolling"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
    )


def _enrol(
    name: str,
    items: list[EnrolmentItem],
    engine: EnrolEngine | None,
    workers: int | None,
    progress: ProgressCallback,
) -> EnrolmentReport:
    return run_enrolment(
        settings(), sessions(), name, items, engine=engine, workers=workers, progress=progress
    )


@app.command()
def stats(name: Annotated[str, typer.Argument(help="Gallery name.")]) -> None:
    """Counts of a gallery: persons, photos, templates per model, refusals per reason."""
    with refusals(GalleryNotFoundError), sessions()() as session:
        figures = gallery_stats(session, name)
    table = Table(title=f"gallery {figures.name}", show_header=False)
    table.add_row("persons", str(figures.persons))
    table.add_row("photos", str(figures.photos))
    for model, count in figures.templates_by_model.items():
        table.add_row(f"templates ({model})", str(count))
    for code, count in figures.rejections_by_code.items():
        table.add_row(f"refused: {code}", str(count))
    console.print(table)
