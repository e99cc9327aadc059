"""``facedocket reports``: the quarterly documentation, the annual report, compliance, and
the public search log where the law makes one public.

Each report is written to a folder with ``manifest.json``; ``reports verify`` checks such
a folder against its manifest and, where it can reach the record, that the manifest is
the one recorded when the report was made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from facedocket.audit.witnesses import configured
from facedocket.cli.context import console, fail, refusals, sessions, settings
from facedocket.kernel import clock
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.policy import PolicyError, load_policy
from facedocket.reports.compliance import compliance_export
from facedocket.reports.exports import productions
from facedocket.reports.files import (
    MANIFEST,
    BundleError,
    Files,
    check_manifest,
    read_folder,
    write_folder,
)
from facedocket.reports.files import sha256 as digest
from facedocket.reports.law import due_on, law_report, report_kinds
from facedocket.reports.public_log import public_log_export
from facedocket.reports.publish import FORMATS, produce_annual
from facedocket.reports.quarterly import quarterly_export
from facedocket.store.db import transaction

app = typer.Typer(help="Statutory and compliance reports.", no_args_is_help=True)

As = Annotated[str, typer.Option("--as", help="Username of the person acting.")]
Out = Annotated[Path, typer.Option(file_okay=False, help="Folder to write the report into.")]


@app.command()
def quarterly(
    user: As,
    quarter: Annotated[str, typer.Option(help="The quarter, e.g. 2026Q3.")],
    body: Annotated[str, typer.Option(help="Searching body's agency code.")],
    out: Out,
) -> None:
    """Per-search documentation of one body for one quarter (confidential)."""
    with refusals(Refused, NotFound, BundleError), transaction(sessions()) as session:
        files = quarterly_export(session, settings(), load_actor(session, user), quarter, body)
        write_folder(out, files)
    _written(out, files)


@app.command()
def annual(
    user: As,
    year: Annotated[int, typer.Option(help="The year the report period starts in.")],
    out: Out,
    output_format: Annotated[
        list[str] | None, typer.Option("--format", help="html or pdf; repeat for both.")
    ] = None,
) -> None:
    """The annual public report: aggregates only, small counts withheld."""
    formats = tuple(output_format or FORMATS)
    with refusals(Refused, NotFound, BundleError), transaction(sessions()) as session:
        files = produce_annual(session, settings(), load_actor(session, user), year, formats)
        write_folder(out, files)
    _written(out, files)


@app.command()
def compliance(
    user: As,
    out: Out,
    at: Annotated[
        datetime | None, typer.Option(help="As of this time (UTC unless it names a zone).")
    ] = None,
) -> None:
    """What must be none: invalid bases, late statements, unreviewed or unauthorised searches."""
    moment = clock.now() if at is None else at if at.tzinfo else at.replace(tzinfo=UTC)
    with refusals(Refused, NotFound, BundleError), transaction(sessions()) as session:
        witnesses = configured(settings())
        files = compliance_export(session, load_actor(session, user), moment, witnesses)
        write_folder(out, files)
    _written(out, files)


@app.command()
def verify(folder: Annotated[Path, typer.Argument(file_okay=False, exists=True)]) -> None:
    """Check a report folder against its manifest, and the manifest against the record."""
    with refusals(BundleError):
        files = read_folder(folder)
    problems = check_manifest(files)
    if problems:
        fail("the report does NOT match its manifest:\n  " + "\n  ".join(problems))
    manifest = digest(files[MANIFEST])
    with sessions()() as session:
        entry = next(iter(productions(session, manifest)), None)
    if entry is None:
        fail(
            "every file matches the manifest, but no production of manifest "
            f"{manifest} is on the record"
        )
    console.print(
        f"intact: {len(files) - 1} files match the manifest, recorded as entry {entry.seq} "
        f"({entry.actor}, {entry.at:%Y-%m-%d %H:%M} UTC)"
    )


def _written(out: Path, files: Files) -> None:
    manifest = digest(files[MANIFEST])
    console.print(f"{len(files)} files written to {out}; manifest SHA-256 {manifest}")


@app.command("public-log")
def public_log(
    user: As,
    pack: Annotated[str, typer.Option(help="The policy pack whose law makes the log public.")],
    first: Annotated[str, typer.Option("--from", help="The first local day, e.g. 2026-01-01.")],
    last: Annotated[str, typer.Option("--to", help="The last local day, included.")],
    out: Out,
) -> None:
    """The public search log: only the fields the pack's law makes public (CSV, JSON)."""
    days = []
    for option, text in (("--from", first), ("--to", last)):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            fail(f"{option} {text[:30]!r} is not a date like 2026-01-01")
    with refusals(Refused, NotFound, BundleError), transaction(sessions()) as session:
        files = public_log_export(session, load_actor(session, user), pack, days[0], days[1])
        write_folder(out, files)
    _written(out, files)


@app.command()
def kinds(
    year: Annotated[int | None, typer.Option(help="The due days of this year.")] = None,
) -> None:
    """The reports the law of the pack in force requires, with their due days."""
    with refusals(PolicyError):
        policy = load_policy(settings().policy, at=clock.now())
    offered = report_kinds(policy)
    if not offered:
        console.print(f"{policy.id} {policy.version} names no report of its law's own")
    for kind in offered:
        due = f"{kind.due.month:02d}-{kind.due.day:02d}"
        if year is not None:
            due = due_on(kind, year).isoformat()
        console.print(f"{kind.id}: {kind.name}; to {kind.to}; due {due}", markup=False)


@app.command()
def law(
    user: As,
    kind: Annotated[str, typer.Option(help="The report kind (facedocket reports kinds).")],
    year: Annotated[int, typer.Option(help="The calendar year the report covers.")],
    out: Out,
) -> None:
    """A report the law of the pack in force requires, on one calendar year."""
    with refusals(Refused, NotFound, BundleError), transaction(sessions()) as session:
        files = law_report(session, load_actor(session, user), settings().policy, kind, year)
        write_folder(out, files)
    _written(out, files)
