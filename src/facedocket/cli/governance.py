"""``facedocket retention``, ``models`` and ``training``: governance from the command line.

Every command names the acting user with ``--as``; each change is on the record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from facedocket.cases.holds import release_hold, set_hold
from facedocket.cases.retention import purge
from facedocket.cli.context import console, errors, refusals, sessions, settings
from facedocket.faces.registry import UnknownModelError, load_embedder
from facedocket.gallery.galleries import ensure_model_record
from facedocket.governance.accuracy import MeasuredAccuracy, read_accuracy
from facedocket.governance.figures import accuracy_decision, enter_figure, figures_at
from facedocket.governance.register import (
    approve_model,
    attach_accuracy,
    register,
    register_model,
    registration_of,
)
from facedocket.governance.training import record_training, training_records
from facedocket.kernel import clock
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.policy import GroupFigure, PolicyError, load_policy
from facedocket.store.db import transaction

retention = typer.Typer(help="Retention purges and legal holds.", no_args_is_help=True)
models = typer.Typer(help="The algorithm register.", no_args_is_help=True)
training = typer.Typer(help="Examiners' training records.", no_args_is_help=True)

As = Annotated[str, typer.Option("--as", help="Username of the person acting.")]
RequestId = Annotated[int, typer.Argument(help="Request number.")]
Reason = Annotated[str, typer.Option(help="Why, in a sentence.")]


@retention.command("purge")
def purge_command(
    user: As,
    dry_run: Annotated[bool, typer.Option(help="Only list what is due.")] = False,
) -> None:
    """Purge what the retention policy lets go, leaving a tombstone on the record."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        items = purge(session, load_actor(session, user), clock.now(), dry_run=dry_run)
        lines = [f"{item.label}: {item.record_type}, SHA-256 {item.sha256}" for item in items]
    verb = "due for purge" if dry_run else "purged"
    console.print(f"{len(lines)} item(s) {verb}")
    for line in lines:
        console.print(f"  {line}")


@retention.command("hold")
def hold(user: As, request_id: RequestId, reason: Reason) -> None:
    """Put a request on legal hold: nothing of it is purged until released."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        set_hold(session, load_actor(session, user), request_id, reason)
    console.print(f"request {request_id} is on legal hold")


@retention.command("release")
def release(user: As, request_id: RequestId, reason: Reason) -> None:
    """Release a request's legal hold."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        release_hold(session, load_actor(session, user), request_id, reason)
    console.print(f"request {request_id}'s legal hold is released")


Results = Annotated[
    Path, typer.Option(dir_okay=False, help="The accuracy benchmark's results (JSON).")
]


@models.command("register")
def register_command(user: As, accuracy: Results = Path("bench/results/accuracy.json")) -> None:
    """Register the configured model file with the accuracy measured for it.

    Registered already (say, before it was measured)? The figures are attached instead.
    """
    config = settings()
    with refusals(UnknownModelError, ValueError):
        embedder = load_embedder(config.model, config.models_dir)
    measured = read_accuracy(accuracy)
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        model = ensure_model_record(session, embedder)
        actor = load_actor(session, user)
        if registration_of(session, model.id) is None:
            register_model(session, actor, model, measured)
            done = "registered"
        else:
            attach_accuracy(session, actor, model.id, measured)
            done = "was in the register already; these figures are now attached to it"
        number = model.id
    console.print(f"model {number} ({config.model}) {done}; accuracy: {measured.lines()[0]}")
    _unmeasured_note(number, measured)


@models.command("accuracy")
def accuracy_command(
    user: As,
    model_id: Annotated[int, typer.Argument(help="Model number, from `models list`.")],
    accuracy: Results,
) -> None:
    """Attach measured figures to a registered model that is not approved yet."""
    measured = read_accuracy(accuracy)
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        attach_accuracy(session, load_actor(session, user), model_id, measured)
    console.print(f"model {model_id}: accuracy attached; {measured.lines()[0]}")
    console.print(f"  approve it with: facedocket models approve {model_id} --note ... --as ...")


def _unmeasured_note(model_id: int, measured: MeasuredAccuracy) -> None:
    if not measured.measured:
        errors.print(
            f"note: model {model_id} has no measured accuracy, so it cannot be approved; run "
            "bench/accuracy.py, then: facedocket models accuracy "
            f"{model_id} --accuracy RESULTS.json --as ADMIN"
        )


@models.command("approve")
def approve(
    user: As,
    model_id: Annotated[int, typer.Argument(help="Model number, from `models list`.")],
    note: Annotated[str, typer.Option(help="Why the model is fit for searches.")],
) -> None:
    """Approve a registered model for searches."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        approve_model(session, load_actor(session, user), model_id, note)
    console.print(f"model {model_id} approved for searches")


ModelId = Annotated[int, typer.Argument(help="Model number, from `models list`.")]


@models.command("figure")
def figure_command(
    user: As,
    model_id: ModelId,
    group: Annotated[str, typer.Option(help="The group's id, as the pack names it.")],
    value: Annotated[str, typer.Option(help="The figure, a fraction: 0.9844.")],
    reference: Annotated[str, typer.Option(help="The report or evaluation it comes from.")],
    measured_on: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    evaluator: Annotated[str, typer.Option(help="nist, independent or agency.")] = "nist",
    metric: Annotated[
        str, typer.Option(help="true_positive_rate or rank1_identification_rate.")
    ] = "true_positive_rate",
) -> None:
    """Enter an accuracy figure measured for a registered model in one demographic group."""
    with refusals(ValueError):
        day = date.fromisoformat(measured_on)
    figure = GroupFigure(group, metric, value, evaluator, reference, day)
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        row = enter_figure(session, load_actor(session, user), model_id, figure)
        shown = f"{row.metric} {row.value} for {row.group}"
    console.print(f"model {model_id}: {shown} entered")


@models.command("figures")
def figures_command(model_id: ModelId) -> None:
    """A model's per-group figures in force, and whether they meet the configured policy's
    accuracy floor today."""
    now = clock.now()
    with refusals(PolicyError):
        policy = load_policy(settings().policy, at=now)
    with sessions()() as session:
        figures = figures_at(session, model_id, now)
        decision = accuracy_decision(session, policy, model_id, now)
    table = Table(title=f"per-group figures of model {model_id}")
    for column in ("group", "metric", "value", "evaluator", "reference", "measured"):
        table.add_column(column)
    for f in figures:
        table.add_row(
            f.group, f.metric, f.value, f.evaluator, f.reference, f.measured_on.isoformat()
        )
    console.print(table)
    named = f"{policy.id} {policy.version}"
    if policy.model_accuracy is None:
        console.print(f"{named} sets no per-group accuracy floor")
    else:
        verdict = "meets" if decision.allowed else "does not meet"
        console.print(f"model {model_id} {verdict} the per-group accuracy floor of {named}")
    for reason in decision.reasons:
        console.print(f"  {reason}")


@models.command("list")
def list_models() -> None:
    """Every model file used so far, and where it stands in the register."""
    table = Table(title="algorithm register")
    columns = ("model", "name", "version", "file SHA-256", "registered", "accuracy", "approved")
    for column in columns:
        table.add_column(column)
    with sessions()() as session:
        for model, row in register(session):
            table.add_row(
                str(model.id),
                model.name,
                model.version,
                model.file_sha256[:16] + "…",
                f"{row.registered_at:%Y-%m-%d}" if row else "no",
                ("measured" if row.accuracy.get("measured") else "not measured") if row else "",
                f"{row.approved_at:%Y-%m-%d}" if row and row.approved_at else "no",
            )
    console.print(table)


@training.command("record")
def record(
    user: As,
    examiner: Annotated[str, typer.Argument(help="The examiner's username.")],
    course: Annotated[str, typer.Option(help="Course name.")],
    completed_on: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    expires_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD, if it expires.")] = None,
) -> None:
    """Put an examiner's completed course on record."""
    with refusals(ValueError):
        completed = date.fromisoformat(completed_on)
        expires = date.fromisoformat(expires_on) if expires_on else None
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        record_training(session, load_actor(session, user), examiner, course, completed, expires)
    console.print(f"training of {examiner} recorded")


@training.command("list")
def list_training(examiner: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """An examiner's courses on record."""
    with refusals(NotFound), sessions()() as session:
        rows = [
            (r.course, r.completed_on.isoformat(), r.expires_on.isoformat() if r.expires_on else "")
            for r in training_records(session, examiner)
        ]
    table = Table(title=f"training of {examiner}")
    for column in ("course", "completed", "expires"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
