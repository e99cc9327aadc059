"""``facedocket requests``: the written-request workflow from the command line.

Every command names the acting user with ``--as``; the command line is an operator's tool
on the server, and the record names that user for each action. Refusals print the reason
and exit non-zero; nothing is written then.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from facedocket.cases import visibility
from facedocket.cases.states import Conclusion
from facedocket.cli.context import console, fail, refusals, sessions, settings
from facedocket.kernel.actors import Actor, load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.store.db import transaction
from facedocket.store.schema import SearchRequest

if TYPE_CHECKING:
    from facedocket.cases.schemas import FileUpload

# The workflow (policy packs, documents, the gate and the face pipeline, witnesses) loads
# in the commands that act: `requests list` and `show` read through the visibility rule
# alone and answer at once (#13).

app = typer.Typer(help="Write, decide, search and review requests.", no_args_is_help=True)

As = Annotated[str, typer.Option("--as", help="Username of the person acting.")]
RequestId = Annotated[int, typer.Argument(help="Request number.")]
File = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]


def _actor(username: str) -> Actor:
    """Who acts, read before the act's own transaction, so that a refusal can name them."""
    with sessions()() as session:
        return load_actor(session, username)


def upload(path: Path, source: str = "") -> FileUpload:
    from facedocket.cases.schemas import FileUpload  # noqa: PLC0415

    return FileUpload(filename=path.name, content=path.read_bytes(), source=source)


@app.command()
def create(
    user: As,
    form: Annotated[Path, typer.Argument(exists=True, help="The request as YAML or JSON.")],
    probe: File,
    probe_source: Annotated[str, typer.Option(help="Where the probe photo came from.")] = "",
    order: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    attachment: Annotated[list[Path] | None, typer.Option(exists=True, dir_okay=False)] = None,
) -> None:
    """Write a draft request from FORM with its probe photo (and the order, if any)."""
    import yaml  # noqa: PLC0415
    from pydantic import ValidationError  # noqa: PLC0415

    from facedocket.cases import requests  # noqa: PLC0415
    from facedocket.cases.schemas import RequestCreate  # noqa: PLC0415
    from facedocket.faces.registry import build_pipeline  # noqa: PLC0415 - the face models

    try:
        data = RequestCreate.model_validate(yaml.safe_load(form.read_text()))
    except (yaml.YAMLError, ValidationError) as error:
        fail(f"{form} is not a valid request:\n{error}")
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        created = requests.create_request(
            session,
            settings(),
            actor,
            data,
            [upload(probe, probe_source)],
            upload(order) if order else None,
            [upload(a) for a in attachment or []],
            pipeline=build_pipeline(settings()),
        )
        number = created.id
    console.print(f"request {number} written as a draft; submit it with `requests submit {number}`")


@app.command()
def submit(user: As, request_id: RequestId) -> None:
    """Send a draft request to the searching body."""
    from facedocket.cases import requests  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        requests.submit(session, settings(), load_actor(session, user), request_id)
    console.print(f"request {request_id} submitted")


@app.command()
def approve(
    user: As,
    request_id: RequestId,
    note: Annotated[str, typer.Option(help="Why the legal basis covers this request.")],
) -> None:
    """Confirm that the legal basis covers the request (a supervisor for emergencies)."""
    from facedocket.cases import requests  # noqa: PLC0415
    from facedocket.cases.recorded_refusals import APPROVAL_REFUSED, refusal_recorded  # noqa: PLC0415

    with refusals(Refused, NotFound):
        actor = _actor(user)
        with refusal_recorded(sessions(), actor, APPROVAL_REFUSED, request_id) as session:
            requests.approve(session, settings(), actor, request_id, note)
    console.print(f"request {request_id} approved for search")


@app.command()
def reject(
    user: As, request_id: RequestId, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Refuse a request, with the reason the requester will read."""
    from facedocket.cases import requests  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        requests.reject(session, settings(), actor, request_id, reason)
    console.print(f"request {request_id} rejected")


@app.command()
def search(
    user: As,
    request_id: RequestId,
    face: Annotated[int | None, typer.Option(help="Face of the probe, if several.")] = None,
    list_size: Annotated[int | None, typer.Option(help="Candidates wanted.")] = None,
    override: Annotated[str | None, typer.Option(help="Reason to search a poor probe.")] = None,
) -> None:
    """Run the 1:N search for an approved request (examiners of a searching body)."""
    from facedocket.audit.witnesses import submit_after_search  # noqa: PLC0415
    from facedocket.cases import gate  # noqa: PLC0415
    from facedocket.cases.recorded_refusals import SEARCH_REFUSED, refusal_recorded  # noqa: PLC0415
    from facedocket.faces.registry import build_pipeline  # noqa: PLC0415

    config = settings()
    with refusals(Refused, NotFound):
        actor = _actor(user)
        with refusal_recorded(sessions(), actor, SEARCH_REFUSED, request_id) as session:
            found = gate.run_search(
                session,
                config,
                actor,
                request_id,
                build_pipeline(config),
                face=face,
                list_size=list_size,
                quality_override=override,
            )
            summary = f"search {found.id}: {found.candidates_returned} candidate(s) for review"
    console.print(summary)
    for outcome in submit_after_search(sessions(), config):
        console.print(str(outcome), highlight=False)


@app.command()
def sheet(user: As, request_id: RequestId) -> None:
    """The candidates to review, with the conclusions this examiner may see (another
    examiner's only once this one's are final)."""
    from facedocket.cases.sheet import review_sheet  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        rows = review_sheet(session, actor, request_id)
    table = Table(title=f"request {request_id}: candidates (investigative leads only)")
    for column in ("candidate", "rank", "score", "name", "record", "round 1", "round 2"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.candidate_id),
            str(row.rank),
            f"{row.score:.3f}",
            row.person_name or "after your conclusion",
            row.record_id or "",
            row.first_review or "",
            row.second_review or "",
        )
    console.print(table)


@app.command("review")
def record_review(
    user: As,
    request_id: RequestId,
    candidate: Annotated[int, typer.Argument(help="Candidate id from the sheet.")],
    conclusion: Annotated[Conclusion, typer.Option(help="Your conclusion.")],
    reasons: Annotated[str, typer.Option(help="Why, in a sentence or more.")],
    review_round: Annotated[int, typer.Option("--round", help="1, or 2 for a second review.")] = 1,
) -> None:
    """Record a conclusion on one candidate."""
    from facedocket.cases import review  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        review.record_conclusion(
            session, actor, request_id, candidate, conclusion, reasons, review_round
        )
    console.print(f"candidate {candidate}: {conclusion.value} (round {review_round})")


@app.command()
def conclude(
    user: As,
    request_id: RequestId,
    outcome: Annotated[str, typer.Option(help="lead or no_lead")],
) -> None:
    """End the examination once every candidate has its conclusions."""
    from facedocket.cases import review  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        review.conclude(session, load_actor(session, user), request_id, outcome)
    console.print(f"request {request_id} concluded: {outcome}")


@app.command()
def results(user: As, request_id: RequestId) -> None:
    """The released results of a concluded request, as the requester reads them."""
    from facedocket.cases import review  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        released = review.released_results(session, load_actor(session, user), request_id)
    console.print(f"[bold]{released.notice}[/]")
    console.print(f"outcome: {released.outcome}")
    for lead in released.leads:
        console.print(f"  possible lead: {lead.person_name} (record {lead.record_id})")


@app.command()
def statement(user: As, request_id: RequestId, document: File) -> None:
    """File the sworn statement that follows an emergency search."""
    from facedocket.cases import followup  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        followup.attach_statement(session, settings(), actor, request_id, upload(document))
    console.print(f"sworn statement filed for request {request_id}")


@app.command()
def outcome(
    user: As,
    request_id: RequestId,
    kind: Annotated[str, typer.Option(help="arrest, charge, conviction or none")],
    on: Annotated[str, typer.Option(help="The local day it happened, e.g. 2026-11-30.")],
    note: Annotated[str, typer.Option(help="What the record should say of it.")] = "",
) -> None:
    """Record what followed a request's lead (its requester or a supervisor)."""
    from facedocket.cases import outcomes  # noqa: PLC0415

    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--on {on[:30]!r} is not a date like 2026-11-30")
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        outcomes.record_outcome(session, actor, request_id, kind, day, note)
        recorded = [f"{o.occurred_on}: {o.kind}" for o in outcomes.outcomes_of(session, request_id)]
    console.print(f"request {request_id}: " + "; ".join(recorded))


@app.command()
def unlawful_search(
    user: As,
    request_id: RequestId,
    search: Annotated[int, typer.Option(help="The search's number.")],
    reason: Annotated[str, typer.Option(help="Why the search was unlawful.")],
) -> None:
    """Declare a search unlawful: where the law says so, its results are deleted."""
    from facedocket.cases import unlawful  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        actor = load_actor(session, user)
        tombstone = unlawful.declare_unlawful(session, actor, request_id, search, reason)
        seq, count = tombstone.audit_seq, tombstone.candidates
    console.print(
        f"search {search} of request {request_id} declared unlawful: {count} candidate(s) "
        f"and their conclusions deleted; tombstone on the record as entry {seq}"
    )


@app.command("overdue-outcomes")
def overdue_outcomes(user: As) -> None:
    """Leads whose law counts what followed them and that have none recorded in time."""
    from facedocket.cases import outcomes  # noqa: PLC0415

    with refusals(Refused, NotFound), sessions()() as session:
        late = outcomes.overdue_outcomes(session, load_actor(session, user))
    for found in late:
        console.print(
            f"request {found.request_id} ({found.case_number}): lead "
            f"{found.lead_at:%Y-%m-%d}, outcome due {found.due_at:%Y-%m-%d} UTC"
        )
    if not late:
        console.print("none overdue")


@app.command()
def show(user: As, request_id: RequestId) -> None:
    """A request as this user may see it: its state, basis, files and searches."""
    with refusals(Refused, NotFound), sessions()() as session:
        request = visibility.get_request(session, load_actor(session, user), request_id)
        lines = describe(request)
    for line in lines:
        console.print(line, markup=False)


def describe(request: SearchRequest) -> list[str]:
    basis = request.basis
    lines = [
        f"request {request.id}: {request.state} {request.outcome or ''}".rstrip(),
        f"case {request.case_number}: {request.offence} [{request.offence_class}]",
        f"officer: {request.officer_rank} {request.officer_name}",
        f"policy: {request.policy_id} {request.policy_version}",
    ]
    if basis is not None:
        lines.append(f"basis: {basis.kind}")
        if basis.docket_number:
            lines.append(f"order: {basis.court}, docket {basis.docket_number}, judge {basis.judge}")
            lines.append(f"order expires: {basis.expires_at}")
        if basis.statement_due_at:
            lines.append(f"sworn statement due: {basis.statement_due_at}")
    if request.decision_reason:
        lines.append(f"decision: {request.decision_reason}")
    lines += [f"file: {d.kind} {d.filename} sha256 {d.sha256}" for d in request.documents]
    lines += [
        f"search {s.id}: {s.run_at:%Y-%m-%d %H:%M} UTC, {s.candidates_returned} candidate(s)"
        for s in request.searches
    ]
    return lines


@app.command()
def close(user: As, request_id: RequestId) -> None:
    """Close a concluded or rejected request."""
    from facedocket.cases import requests  # noqa: PLC0415

    with refusals(Refused, NotFound), transaction(sessions()) as session:
        requests.close(session, load_actor(session, user), request_id)
    console.print(f"request {request_id} closed")


@app.command("list")
def list_requests(user: As) -> None:
    """The requests this user may see."""
    with refusals(Refused, NotFound), sessions()() as session:
        actor = load_actor(session, user)
        rows = [
            (
                r.id,
                r.case_number,
                r.offence,
                r.basis.kind if r.basis else "",
                r.searching_body.code if r.searching_body else "",
                r.state,
            )
            for r in visibility.list_requests(session, actor)
        ]
    table = Table(title=f"requests visible to {user}")
    for column in ("request", "case", "offence", "basis", "made to", "state"):
        table.add_column(column)
    for row in rows:
        table.add_row(*map(str, row))
    console.print(table)
