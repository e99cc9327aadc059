"""Reports on the web (issue 18): produced, viewed and downloaded from /reports and the
API, the same files the command writes, each production on the record; the dashboard's
counts; and who is refused."""

from __future__ import annotations

import html

from sqlalchemy import func, select
from tests.web.conftest import Web, csrf_of

from facedocket.reports.exports import productions
from facedocket.reports.files import MANIFEST, check_manifest, read_zip, sha256
from facedocket.store.schema import AuditEntry

NOTE = {"note": "The order names this still image and the RMV gallery."}


def exports(web: Web) -> int:
    with web.world.sessions() as session:
        wanted = select(func.count()).where(AuditEntry.action == "export.created")
        return session.scalar(wanted) or 0


def recorded(web: Web, zipped: bytes) -> list[AuditEntry]:
    files = read_zip(zipped)
    assert check_manifest(files) == []
    with web.world.sessions() as session:
        return productions(session, sha256(files[MANIFEST]))


def test_the_auditor_produces_views_and_downloads_each_report(web: Web) -> None:
    number = int(web.create().json()["id"])
    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE).is_success
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={}).is_success
    auditor = web.browser("auditor")
    board = auditor.get("/reports")
    assert board.status_code == 200
    text = html.unescape(board.text)
    assert 'aria-label="Searches per month, by legal basis"' in text
    assert '<th scope="row">2026-11</th><td>1</td><td>1</td>' in text, "one court-ordered search"
    chart = text.split('aria-label="Searches per month, by legal basis"')[1].split("</svg>")[0]
    assert ">court order</text>" in chart, "the bars split by basis, with the legend"
    csrf = csrf_of(board)

    form = {"csrf_token": csrf, "quarter": "2026Q4", "body": "state-police"}
    viewed = auditor.post("/reports/quarterly", data={**form, "output": "view"})
    assert viewed.status_code == 200, viewed.text
    assert f"<td>{number}</td>" in viewed.text and "searches.csv" in viewed.text
    zipped = auditor.post("/reports/quarterly", data={**form, "output": "download"})
    assert zipped.headers["content-type"] == "application/zip"
    assert 'filename="quarterly-2026Q4-state-police.zip"' in zipped.headers["content-disposition"]
    # Same record, same bytes: the view and the download were the same production twice.
    view, download = recorded(web, zipped.content)
    assert (download.actor, download.details["kind"]) == ("auditor", "quarterly")
    assert view.seq < download.seq
    assert set(read_zip(zipped.content)) == {MANIFEST, "searches.csv", "searches.json"}

    annual = {"csrf_token": csrf, "year": "2026", "format": ["html", "pdf"]}
    page = auditor.post("/reports/annual", data={**annual, "output": "view"})
    assert page.headers["content-type"].startswith("text/html")
    assert "style-src 'sha256-" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]
    assert "<svg" in page.text and "searches run" in page.text
    both = auditor.post("/reports/annual", data={**annual, "output": "download"})
    names = set(read_zip(both.content))
    assert {n.rsplit(".", 1)[-1] for n in names} == {"html", "pdf", "json"}
    assert recorded(web, both.content)[0].details["kind"] == "annual"

    compliance = {"csrf_token": csrf, "at": ""}
    found = auditor.post("/reports/compliance", data={**compliance, "output": "view"})
    assert "searches whose candidates lack a required examiner conclusion: <strong>1" in (
        html.unescape(found.text)
    ), "the search is not reviewed yet"
    file = auditor.post("/reports/compliance", data={**compliance, "output": "download"})
    assert recorded(web, file.content)[0].details["kind"] == "compliance"
    wrong = auditor.post("/reports/compliance", data={**compliance, "at": "soon", "output": "view"})
    assert wrong.status_code == 409 or wrong.status_code == 422
    assert "is not a date and time" in wrong.text


def test_the_api_answers_the_same_zips_and_the_dashboard(web: Web) -> None:
    number = int(web.create().json()["id"])
    web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE)
    web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE)  # refused
    quarterly = web.call(
        "auditor",
        "POST",
        "/api/v1/reports/quarterly",
        json={"quarter": "2026Q4", "searching_body": "state-police"},
    )
    assert quarterly.status_code == 200 and recorded(web, quarterly.content)
    annual = web.call("supervisor", "POST", "/api/v1/reports/annual", json={"year": 2026})
    assert recorded(web, annual.content)[0].role == "supervisor"
    compliance = web.call(
        "auditor", "POST", "/api/v1/reports/compliance", json={"at": "2026-11-03T00:00:00Z"}
    )
    assert recorded(web, compliance.content)[0].details["as_of"].startswith("2026-11-03")

    board = web.call("supervisor", "GET", "/api/v1/reports/dashboard").json()
    assert len(board["searches_by_basis"]["months"]) == 12
    charts = {c["title"]: {b["label"]: b["count"] for b in c["bars"]} for c in board["charts"]}
    assert charts["Requests by outcome"]["not yet concluded"] == 1
    assert charts["Refusals by reason"] == {"approval: bad state": 1}


def test_reports_are_refused_to_those_who_may_not_produce_them(web: Web) -> None:
    before = exports(web)
    for role in ("officer", "intake", "examiner"):
        assert web.call(role, "GET", "/api/v1/reports/dashboard").status_code == 403
        assert web.browser(role).get("/reports").status_code == 403
    # A supervisor produces the public annual report, but not what names cases.
    supervisor = web.browser("supervisor")
    board = supervisor.get("/reports")
    assert 'action="/reports/annual"' in board.text
    assert 'action="/reports/quarterly"' not in board.text
    assert "names no report of its own" in board.text, "Massachusetts's law names none"
    web.app.state.services.settings = web.world.settings.model_copy(
        update={"policy": "montana-2023"}
    )
    kinds = supervisor.get("/reports").text.split('id="report-kinds"')[1].split("</ul>")[0]
    assert "montana-agency-annual" in kinds and "due 06-30" in kinds
    assert "montana-state-annual" in kinds and "due 09-01" in kinds
    web.app.state.services.settings = web.world.settings
    form = {"csrf_token": csrf_of(board), "quarter": "2026Q4", "body": "state-police"}
    refused = supervisor.post("/reports/quarterly", data={**form, "output": "download"})
    assert refused.status_code == 403 and "auditor, administrator" in refused.text
    api = web.call("supervisor", "POST", "/api/v1/reports/compliance", json={})
    assert api.status_code == 403 and api.json()["detail"]["code"] == "wrong_role"
    # Hostile input: a quarter that is none, a body that is no searching body, a name
    # meant to climb out of the download's file name.
    auditor = web.browser("auditor")
    csrf = csrf_of(auditor.get("/reports"))
    for quarter, body in (("2026Q5", "state-police"), ("2026Q4", "../../etc"), ("Q", "x\x00")):
        sent = {"csrf_token": csrf, "quarter": quarter, "body": body, "output": "download"}
        answer = auditor.post("/reports/quarterly", data=sent)
        assert answer.status_code in (403, 409, 422), answer.text
        assert "content-disposition" not in answer.headers
    year = web.call("auditor", "POST", "/api/v1/reports/annual", json={"year": 2026, "formats": []})
    assert year.status_code == 422
    assert exports(web) == before, "nothing refused was produced"
