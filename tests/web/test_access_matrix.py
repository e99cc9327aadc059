"""Who sees a case, as a matrix: every route of one request × people of every role in the
requesting agency, another requesting agency, the searching body it was made to and
another searching body. Routes are read from the app (``test_routes_refuse.ROUTES``), so
a route added later is checked too. Hidden people get 403 or 404 and learn nothing (not
even the case number); nothing they try is written. The refusals of acts with a valid
body are proved in tests/cases/test_workflow.py (another agency, another body)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.web.conftest import Web
from tests.web.test_routes_refuse import ROUTES

from facedocket.cases.directory import add_agency, add_user
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Candidate, Document

NEWCOMERS = {
    "fbi": ["intake_reviewer", "examiner", "supervisor", "auditor", "administrator"],
    "cambridge": ["requester", "intake_reviewer", "examiner", "supervisor", "auditor"],
}
# The administrator reaches a case only through holds and disclosure, not these routes.
SEES = {"officer", "intake", "examiner", "examiner2", "supervisor", "auditor"}
HIDDEN = {"other.officer", "local.examiner"} | {
    f"{agency}.{role}" for agency, roles in NEWCOMERS.items() for role in roles
}


def searched_case(web: Web) -> tuple[int, int, int]:
    with transaction(web.world.sessions) as session:
        for agency, roles in NEWCOMERS.items():
            add_agency(session, "operator:test", agency, agency.upper())
            for role in roles:
                add_user(
                    session,
                    "operator:test",
                    username=f"{agency}.{role}",
                    full_name=f"{agency} {role}",
                    agency_code=agency,
                    roles=[role],
                    rank="Officer",
                )
    created = web.create()
    assert created.status_code == 201, created.text
    number = created.json()["id"]
    note = {"note": "The order names this still image and the RMV gallery."}
    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=note).is_success
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={}).is_success
    with web.world.sessions() as session:
        candidate = session.scalars(select(Candidate.id)).first()
        document = session.scalars(select(Document.id)).first()
    assert candidate is not None and document is not None
    return number, candidate, document


CASE_ROUTES = [(m, p) for m, p, _ in ROUTES if "{request_id}" in p]


def test_every_route_of_a_case_hides_it_from_other_agencies_and_bodies(web: Web) -> None:
    number, candidate, document = searched_case(web)
    assert len(CASE_ROUTES) > 15
    for username in HIDDEN:
        web.auth(username)  # their tokens are made (and recorded) before the count
    with web.world.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
    for method, path in CASE_ROUTES:
        url = (
            path.replace("{request_id}", str(number))
            .replace("{candidate_id}", str(candidate))
            .replace("{document_id}", str(document))
        )
        for username in sorted(HIDDEN):
            answer = web.call(username, method, url, follow_redirects=False)
            # A POST without its body is answered 422 before the case is looked up; it
            # still learns and writes nothing (checked below). GETs are strictly refused.
            refusals = (403, 404) if method == "GET" else (403, 404, 422)
            assert answer.status_code in refusals, (username, method, url, answer.text)
            assert "BPD-2026-1" not in answer.text, (username, method, url)
    with web.world.sessions() as session:
        # Nothing a hidden caller tried was written (their refusals are not case entries).
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries


@pytest.mark.parametrize("path", ["", "/basis", "/documents", "/searches"])
def test_the_people_the_rule_names_see_the_case(web: Web, path: str) -> None:
    number, _, _ = searched_case(web)
    may_read_searches = {"examiner", "examiner2", "supervisor", "auditor"}
    for username in sorted(SEES):
        answer = web.call(username, "GET", f"/api/v1/requests/{number}{path}")
        if path == "/searches" and username not in may_read_searches:
            assert answer.status_code == 403, (username, answer.text)
        else:
            assert answer.status_code == 200, (username, path, answer.text)
    for username in sorted(HIDDEN):
        assert web.call(username, "GET", f"/api/v1/requests/{number}{path}").status_code in (
            403,
            404,
        )
