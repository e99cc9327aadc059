"""The law's own reports and the public search log on the web (issue 14): the kinds of the
law in force with their due days, a report produced by the API and on /reports (the very
files ``facedocket reports law`` writes, each production on the record), the public log
in its pack's fields and formats; and every refusal (wrong role, an unknown kind, bad
dates, a law with no log) produces nothing."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.leads import lead, under_montana
from tests.web.conftest import Web, csrf_of, serve

from facedocket.reports.exports import productions
from facedocket.reports.files import MANIFEST, check_manifest, read_zip, sha256
from facedocket.store.schema import AuditEntry

KIND = "montana-agency-annual"


@pytest.fixture
def montana(world: World, tmp_path: Path) -> Iterator[Web]:
    """Montana's law in force, with one concluded lead searched in January 2026."""
    (tmp_path / "montana").mkdir()
    where = under_montana(world, tmp_path / "montana")
    lead(world, where)
    for web in serve(world, tmp_path):
        for username in ("p.boss", "p.exam", "officer", "admin"):
            web.auth(username)
        yield web


def exports(web: Web) -> int:
    with web.world.sessions() as session:
        wanted = select(func.count()).where(AuditEntry.action == "export.created")
        return session.scalar(wanted) or 0


def test_the_kinds_of_the_law_in_force_with_their_due_days(montana: Web) -> None:
    listed = montana.call("p.boss", "GET", "/api/v1/reports/kinds?year=2026")
    assert listed.status_code == 200, listed.text
    kinds = listed.json()
    assert kinds["policy_id"] == "montana-2023"
    due = {k["id"]: (k["due"], k["due_on"], k["content"]) for k in kinds["kinds"]}
    assert due == {
        "montana-agency-annual": ("06-30", "2027-06-30", "searches-offences-outcomes"),
        "montana-state-annual": ("09-01", "2027-09-01", "searches-offences-outcomes"),
    }
    undated = montana.call("admin", "GET", "/api/v1/reports/kinds").json()["kinds"]
    assert {k["due_on"] for k in undated} == {None}
    assert montana.call("p.exam", "GET", "/api/v1/reports/kinds").status_code == 403
    assert montana.call("p.boss", "GET", "/api/v1/reports/kinds?year=0").status_code == 422


def test_the_api_produces_a_law_report_on_the_record(montana: Web) -> None:
    made = montana.call("p.boss", "POST", "/api/v1/reports/law", json={"kind": KIND, "year": 2026})
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == "application/zip"
    assert f'filename="{KIND}-2026.zip"' in made.headers["content-disposition"]
    files = read_zip(made.content)
    assert check_manifest(files) == []
    report = json.loads(files[f"{KIND}.json"])
    assert report["totals"] == [{"searches": 1, "arrests": 0, "convictions": 0}]
    assert (report["due"], report["policy"]) == ("2027-06-30", "montana-2023 1.0")
    with montana.world.sessions() as session:
        (entry,) = productions(session, sha256(files[MANIFEST]))
    assert (entry.actor, entry.details["kind"]) == ("p.boss", f"law-report:{KIND}")


def test_law_reports_and_logs_refused_produce_nothing(montana: Web) -> None:
    before = exports(montana)
    url = "/api/v1/reports/law"
    for username, body, status, code in (
        ("p.exam", {"kind": KIND, "year": 2026}, 403, "wrong_role"),
        ("officer", {"kind": KIND, "year": 2026}, 403, "wrong_role"),
        ("p.boss", {"kind": "utah-annual", "year": 2026}, 422, "invalid"),
    ):
        answer = montana.call(username, "POST", url, json=body)
        assert answer.status_code == status, answer.text
        assert answer.json()["detail"]["code"] == code
    unknown = montana.call("p.boss", "POST", url, json={"kind": "utah-annual", "year": 2026})
    assert "montana-2023 has no report kind 'utah-annual'" in unknown.text
    assert "montana-agency-annual, montana-state-annual" in unknown.text
    assert montana.call("p.boss", "POST", url, json={"kind": KIND, "year": 0}).status_code == 422
    assert montana.call("p.boss", "POST", url, json={"kind": KIND}).status_code == 422

    log = "/api/v1/reports/public-log"
    maine = {"pack": "maine-2021", "first": "2026-01-01", "last": "2026-12-31"}
    for username, body, status, code in (
        ("p.exam", maine, 403, "wrong_role"),
        ("p.boss", {**maine, "first": "2027-01-01"}, 422, "invalid"),  # ends before it starts
        ("p.boss", {**maine, "first": "2020-01-01"}, 422, "invalid"),  # over five years
        ("p.boss", {**maine, "pack": "montana-2023"}, 403, "policy"),  # makes no log public
        ("p.boss", {**maine, "pack": "atlantis"}, 403, "policy"),
    ):
        answer = montana.call(username, "POST", log, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["detail"]["code"] == code
    for bad in ("2026-02-30", "next week", ""):
        answer = montana.call("p.boss", "POST", log, json={**maine, "last": bad})
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "last"
    assert exports(montana) == before, "nothing refused was produced"


def test_the_reports_page_offers_the_laws_reports_and_the_public_log(montana: Web) -> None:
    boss = montana.browser("p.boss")
    board = boss.get("/reports")
    text = html.unescape(board.text)
    assert 'action="/reports/law"' in text
    assert f'<option value="{KIND}">' in text and 'value="2025" required' in text
    assert 'action="/reports/public-log"' in text and '<option value="maine-2021"' in text
    csrf = csrf_of(board)
    form = {"csrf_token": csrf, "kind": KIND, "year": "2026"}
    viewed = boss.post("/reports/law", data={**form, "output": "view"})
    assert viewed.status_code == 200, viewed.text
    shown = html.unescape(viewed.text)
    assert "<caption>totals: 1 row</caption>" in shown and "<caption>agencies: 1 row" in shown
    assert "Boston Police Department" in shown and f"{KIND}.json" in shown
    zipped = boss.post("/reports/law", data={**form, "output": "download"})
    assert zipped.headers["content-type"] == "application/zip"
    assert set(read_zip(zipped.content)) == {
        MANIFEST,
        f"{KIND}.json",
        "totals.csv",
        "offences.csv",
        "agencies.csv",
    }

    log = {"csrf_token": csrf, "pack": "maine-2021", "from": "2026-01-01", "to": "2026-12-31"}
    page = boss.post("/reports/public-log", data={**log, "output": "view"})
    assert page.status_code == 200, page.text
    assert "Public search log" in page.text and "<caption>Public search log: 0 rows" in page.text
    assert '<th scope="col">results deleted</th>' in page.text
    download = boss.post("/reports/public-log", data={**log, "output": "download"})
    assert set(read_zip(download.content)) == {MANIFEST, "public-log.csv", "public-log.json"}

    before = exports(montana)
    for path, sent, words in (
        ("/reports/law", {**form, "kind": "nothing"}, "has no report kind 'nothing'"),
        ("/reports/public-log", {**log, "to": "31/12/2026"}, "to: '31/12/2026' is not a date"),
        ("/reports/public-log", {**log, "to": "2025-12-31"}, "is before"),
    ):
        refused = boss.post(path, data={**sent, "output": "download"})
        assert refused.status_code == 422, refused.text
        assert words in html.unescape(refused.text)
        assert "content-disposition" not in refused.headers
    examiner = montana.browser("p.exam")
    theirs = {**form, "csrf_token": csrf_of(examiner.get("/")), "output": "view"}
    wrong = examiner.post("/reports/law", data=theirs)
    assert wrong.status_code == 403 and "this needs the role of" in wrong.text
    assert exports(montana) == before
