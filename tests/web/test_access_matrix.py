"""Who may use a case, as a matrix: every route of one request (read from the app through
``test_routes_refuse.ROUTES``, so a route added later fails here until it is given a row)
× every role × the four relations a person can stand in to it: the agency that wrote it
(``own``), another requesting agency (``other``), the searching body it was made to
(``body``) and another searching body (``elsewhere``); plus the officer who wrote it.

The answer each cell should get comes from one table, written from the rule in
``cases/visibility.py`` and the routes' role gates, never from what the server says:
``CASE_ROLES`` says which roles a person may exercise on the request, ``OPENED_BY`` which
of those roles opens each route; a cell is allowed when the two meet.

- A read (GET) that is allowed answers 200 (the results: 409, not yet released, as the
  examiners have not concluded); one that is refused answers 403 or 404 and
  does not carry the case number.
- An act (POST) is sent with a valid body. A refused one answers 403 or 404, does not
  carry the case number and adds no audit entry (a search refused for the caller's role
  adds its one ``search.refused`` entry); someone who sees the case but may not do
  this act may instead be told 409 when the request's state offers the act to nobody (the
  state is checked first; they learn nothing they could not read). An allowed one is not refused for
  authority: it may succeed or answer 409/422 because of the request's state (already
  approved, its one search used, not an emergency), but never 403/404; except an act this
  request's law does not have (declaring a search unlawful, under Massachusetts), which an
  allowed cell is refused by the law (403 ``policy``, its words), a refused one as before.

The world is seeded once per module and database (a searched request, 25 people), and
acts run after reads, so an allowed act (a review, a close) changes only what later
allowed cells may answer about the state, never who is let in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import Clock, make_world, order_pdf
from tests.conftest import DATABASES, migrated
from tests.web.conftest import Web, serve
from tests.web.test_routes_refuse import ROUTES

from facedocket.cases.directory import add_agency, add_user
from facedocket.faces.pipeline import FacePipeline
from facedocket.kernel import clock
from facedocket.store.db import session_factory, transaction
from facedocket.store.schema import AuditEntry, Candidate, Document, Search

REQUESTER, INTAKE, EXAMINER = "requester", "intake_reviewer", "examiner"
SUPERVISOR, AUDITOR, ADMINISTRATOR = "supervisor", "auditor", "administrator"
ROLES = [REQUESTER, INTAKE, EXAMINER, SUPERVISOR, AUDITOR, ADMINISTRATOR]
AGENCY_OF = {"own": "bpd", "other": "cambridge", "body": "state-police", "elsewhere": "fbi"}
CASE_NUMBER = "BPD-2026-1"


def case_roles(role: str, relation: str, wrote_it: bool = False) -> set[str]:
    """The visibility rule: the requester who wrote it; the searching body's intake,
    examiners and supervisors; auditors and administrators of either agency involved."""
    if role == REQUESTER:
        return {role} if wrote_it else set()
    if role in (INTAKE, EXAMINER, SUPERVISOR):
        return {role} if relation == "body" else set()
    return {role} if relation in ("own", "body") else set()


PEOPLE = {
    f"m.{relation}.{role}": case_roles(role, relation) for relation in AGENCY_OF for role in ROLES
}
PEOPLE["officer"] = case_roles(REQUESTER, "own", wrote_it=True)

READERS = {REQUESTER, INTAKE, EXAMINER, SUPERVISOR, AUDITOR}
CANDIDATE_VIEWERS = {EXAMINER, SUPERVISOR, AUDITOR}
INTAKE_DESK = {INTAKE, SUPERVISOR}
# The administrator reaches a case through holds and disclosure, not through these routes.
# A requester reads a candidate's photo only once it is a released lead (none is here).
# Intake closes only a rejected request (cases/states.py); this one is searched.
OPENED_BY: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/requests/{request_id}"): READERS,
    ("GET", "/api/v1/requests/{request_id}/basis"): READERS,
    ("GET", "/api/v1/requests/{request_id}/documents"): READERS,
    ("GET", "/api/v1/requests/{request_id}/documents/{document_id}"): READERS,
    ("GET", "/api/v1/requests/{request_id}/searches"): CANDIDATE_VIEWERS,
    ("GET", "/api/v1/requests/{request_id}/candidates"): CANDIDATE_VIEWERS,
    ("GET", "/api/v1/requests/{request_id}/candidates/{candidate_id}/photo"): CANDIDATE_VIEWERS,
    ("GET", "/api/v1/requests/{request_id}/results"): CANDIDATE_VIEWERS | {REQUESTER},
    ("GET", "/api/v1/requests/{request_id}/outcomes"): READERS,
    ("GET", "/api/v1/requests/{request_id}/unlawful"): READERS,
    ("GET", "/requests/{request_id}"): READERS,
    ("GET", "/requests/{request_id}/review"): CANDIDATE_VIEWERS,
    ("GET", "/requests/{request_id}/results"): CANDIDATE_VIEWERS | {REQUESTER},
    ("GET", "/requests/{request_id}/lead-sheet"): CANDIDATE_VIEWERS | {REQUESTER},
    ("GET", "/requests/{request_id}/edit"): {REQUESTER},
    ("POST", "/api/v1/requests/{request_id}/submit"): {REQUESTER},
    ("PUT", "/api/v1/requests/{request_id}"): {REQUESTER},
    ("POST", "/api/v1/requests/{request_id}/withdraw"): {REQUESTER},
    ("POST", "/api/v1/requests/{request_id}/return"): INTAKE_DESK,
    ("POST", "/api/v1/requests/{request_id}/approve"): INTAKE_DESK,
    ("POST", "/api/v1/requests/{request_id}/reject"): INTAKE_DESK,
    ("POST", "/api/v1/requests/{request_id}/statement"): {REQUESTER, SUPERVISOR},
    ("POST", "/api/v1/requests/{request_id}/outcomes"): {REQUESTER, SUPERVISOR},
    ("POST", "/api/v1/requests/{request_id}/searches"): {EXAMINER},
    ("POST", "/api/v1/requests/{request_id}/reviews"): {EXAMINER},
    ("POST", "/api/v1/requests/{request_id}/conclusion"): {EXAMINER},
    ("POST", "/api/v1/requests/{request_id}/unlawful"): {SUPERVISOR, AUDITOR},
    ("POST", "/api/v1/requests/{request_id}/close"): {SUPERVISOR},
    ("POST", "/requests/{request_id}/submit"): {REQUESTER},
    ("POST", "/requests/{request_id}/edit"): {REQUESTER},
    ("POST", "/requests/{request_id}/withdraw"): {REQUESTER},
    ("POST", "/requests/{request_id}/return"): INTAKE_DESK,
    ("POST", "/requests/{request_id}/approve"): INTAKE_DESK,
    ("POST", "/requests/{request_id}/reject"): INTAKE_DESK,
    ("POST", "/requests/{request_id}/statement"): {REQUESTER, SUPERVISOR},
    ("POST", "/requests/{request_id}/outcomes"): {REQUESTER, SUPERVISOR},
    ("POST", "/requests/{request_id}/search"): {EXAMINER},
    ("POST", "/requests/{request_id}/review"): {EXAMINER},
    ("POST", "/requests/{request_id}/conclude"): {EXAMINER},
    ("POST", "/requests/{request_id}/unlawful"): {SUPERVISOR, AUDITOR},
    ("POST", "/requests/{request_id}/close"): {SUPERVISOR},
}
# What an allowed act answers when this request's law (Massachusetts) has no such act: the
# law's refusal (403 ``policy``), which comes only after the role and the case let one in.
LAW_REFUSES = {
    ("POST", "/api/v1/requests/{request_id}/unlawful"): "has no rule deleting the results",
    ("POST", "/requests/{request_id}/unlawful"): "has no rule deleting the results",
}
# A search tried without the examiner's role is on the record (web.deps.SearcherGate):
# the one entry such a refused cell adds. An examiner who may not see the request is
# answered 404 before any rule is asked, and adds none.
REFUSAL_RECORDED = {
    ("POST", "/api/v1/requests/{request_id}/searches"),
    ("POST", "/requests/{request_id}/search"),
}
# What an allowed read answers on this request: 200, except the results, which are
# released only once the examiners conclude, and the form to change it, which a searched
# request no longer offers (state answers, not refusals): 409, saying why.
NOT_READY = {
    ("GET", "/api/v1/requests/{request_id}/results"): "conclude",
    ("GET", "/requests/{request_id}/results"): "conclude",
    ("GET", "/requests/{request_id}/lead-sheet"): "conclude",
    ("GET", "/requests/{request_id}/edit"): "cannot be asked to edit",
}
CASE_ROUTES = [(m, p) for m, p, _ in ROUTES if "{request_id}" in p]
READS = [route for route in OPENED_BY if route[0] == "GET"]
ACTS = [route for route in OPENED_BY if route[0] != "GET"]  # in the table's order: close last


def _fields(form: dict[str, Any]) -> dict[str, Any]:
    """The request as the page's form posts it: the basis's fields beside the request's."""
    basis = form.pop("basis")
    return {k: v for k, v in form.items() if v is not None} | basis | {"basis": basis["kind"]}


def allowed(username: str, route: tuple[str, str]) -> bool:
    return bool(PEOPLE[username] & OPENED_BY[route])


class Case:
    def __init__(self, web: Web, number: int, candidate: int, document: int, search: int) -> None:
        self.web, self.number, self.candidate, self.document = web, number, candidate, document
        self.search = search

    def url(self, path: str) -> str:
        return (
            path.replace("{request_id}", str(self.number))
            .replace("{candidate_id}", str(self.candidate))
            .replace("{document_id}", str(self.document))
        )

    def body(self, path: str) -> dict[str, Any]:
        """A valid body for each act, so a refusal is about who asks, not what is sent."""
        reason = "The order names this still image and the RMV gallery."
        review = {"candidate_id": self.candidate, "conclusion": "inconclusive", "reasons": reason}
        api = path.startswith("/api/")
        by_act: dict[str, dict[str, Any]] = {
            "approve": {"note": reason},
            "reject": {"reason": reason},
            "return": {"reason": reason},
            "withdraw": {"reason": reason},
            "searches": {},
            "search": {},
            "reviews": review,
            "review": review | {"review_round": 1},
            "conclusion": {"outcome": "no_lead"},
            "conclude": {"outcome": "no_lead"},
            "outcomes": {"kind": "arrest", "occurred_on": "2026-11-02"},
            "unlawful": {"search_id": self.search, "reason": reason}
            | ({} if api else {"confirm": "deleted"}),
        }
        act = path.rsplit("/", 1)[-1]
        if act in ("{request_id}", "edit"):  # the request rewritten, as the form sends it
            form = self.web.request_form()
            return {"data": {"form": json.dumps(form)} if api else _fields(form)}
        if act == "statement":
            return {"files": {"file": ("statement.pdf", order_pdf().content, "application/pdf")}}
        if act not in by_act:
            return {}
        return {"json": by_act[act]} if api else {"data": by_act[act]}

    def entries(self) -> int:
        with self.web.world.sessions() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.fixture(scope="module", params=DATABASES)
def case(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    faces: Path,
    pipeline: FacePipeline,
) -> Iterator[Case]:
    """One searched request of Boston PD's, made to the State Police, and 24 more people:
    every role in Boston PD, Cambridge PD, the State Police and the FBI."""
    folder = tmp_path_factory.mktemp("matrix")
    with pytest.MonkeyPatch.context() as patch:
        fake_time = Clock()
        patch.setattr(clock, "now", fake_time)
        for engine in migrated(request.param, folder):
            sessions = session_factory(engine)
            world = make_world(sessions, folder, faces, pipeline, fake_time)
            with transaction(sessions) as session:
                add_agency(session, "operator:test", "cambridge", "Cambridge PD")
                add_agency(session, "operator:test", "fbi", "FBI")
                for username in PEOPLE:
                    if username != "officer":
                        _, relation, role = username.split(".")
                        add_user(
                            session,
                            "operator:test",
                            username=username,
                            full_name=username,
                            agency_code=AGENCY_OF[relation],
                            roles=[role],
                            rank="Officer",
                        )
            for web in serve(world, folder):
                yield searched(web)


def searched(web: Web) -> Case:
    created = web.create(searches_allowed=3)  # one now, one each for the act routes
    assert created.status_code == 201, created.text
    number = created.json()["id"]
    note = {"note": "The order names this still image and the RMV gallery."}
    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=note).is_success
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={}).is_success
    with web.world.sessions() as session:
        candidate = session.scalars(select(Candidate.id)).first()
        document = session.scalars(select(Document.id)).first()
        search = session.scalars(select(Search.id)).first()
    assert candidate is not None and document is not None and search is not None
    for username in PEOPLE:
        web.auth(username)  # tokens are made (and recorded) before any count
    return Case(web, number, candidate, document, search)


def test_the_table_names_every_route_of_a_case_and_every_cell() -> None:
    assert sorted(OPENED_BY) == sorted(CASE_ROUTES)
    assert len(PEOPLE) == 25
    # The rule lets in exactly the writer, the body's staff and four oversight seats.
    assert {u for u, roles in PEOPLE.items() if roles} == {
        "officer",
        "m.body.intake_reviewer",
        "m.body.examiner",
        "m.body.supervisor",
        "m.body.auditor",
        "m.body.administrator",
        "m.own.auditor",
        "m.own.administrator",
    }


@pytest.mark.parametrize("route", READS, ids=[f"{m} {p}" for m, p in READS])
def test_reads(case: Case, route: tuple[str, str]) -> None:
    method, path = route
    wrong = []
    for username in PEOPLE:
        answer = case.web.call(username, method, case.url(path), follow_redirects=False)
        if allowed(username, route):
            expected = 409 if route in NOT_READY else 200
            if answer.status_code != expected or (
                expected == 409 and NOT_READY[route] not in answer.text
            ):
                wrong.append((username, "allowed", answer.status_code, answer.text[:200]))
        elif answer.status_code not in (403, 404) or CASE_NUMBER in answer.text:
            wrong.append((username, "refused", answer.status_code, answer.text[:200]))
    assert not wrong, wrong


@pytest.mark.parametrize("route", ACTS, ids=[f"{m} {p}" for m, p in ACTS])
def test_acts(case: Case, route: tuple[str, str]) -> None:
    method, path = route
    wrong = []
    for username, roles in PEOPLE.items():
        before = case.entries()
        answer = case.web.call(
            username, method, case.url(path), follow_redirects=False, **case.body(path)
        )
        if allowed(username, route) and route in LAW_REFUSES:
            if answer.status_code != 403 or LAW_REFUSES[route] not in answer.text:
                wrong.append((username, "the law's", answer.status_code, answer.text[:200]))
        elif allowed(username, route):
            if answer.status_code in (403, 404) or answer.status_code >= 500:
                wrong.append((username, "allowed", answer.status_code, answer.text[:200]))
        elif (
            answer.status_code not in (403, 404, *((409,) if roles else ()))
            or CASE_NUMBER in answer.text
            or case.entries() - before not in ((0, 1) if route in REFUSAL_RECORDED else (0,))
        ):
            wrong.append((username, "refused", answer.status_code, answer.text[:200]))
    assert not wrong, wrong
