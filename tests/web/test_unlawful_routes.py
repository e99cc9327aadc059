"""Declaring a search unlawful on the web (issue 14): the API and the request page call
``cases.unlawful.declare_unlawful`` under Maine's law, which deletes the results; the page
then shows the tombstone (when, by whom, why), the public log marks the search's results
deleted, and every refusal (wrong role, no reason, an unknown or already declared search,
a legal hold, no confirmation) writes nothing."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.test_unlawful import WHY, maine_search, rows
from tests.web.conftest import Web, csrf_of, serve

from facedocket.cases.holds import set_hold
from facedocket.reports.files import read_zip
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, UnlawfulDeletion

HOLD = "A lawsuit over this search is pending."


@pytest.fixture
def maine(world: World, tmp_path: Path) -> Iterator[tuple[Web, int, int]]:
    """A concluded Maine request with one search, served; and its number and search."""
    (tmp_path / "maine").mkdir()
    number, search = maine_search(world, tmp_path / "maine")
    for web in serve(world, tmp_path):
        for username in ("p.audit", "p.boss", "p.exam", "officer"):
            web.auth(username)  # tokens are made (and recorded) before any count
        yield web, number, search


def entries(web: Web) -> int:
    with web.world.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def tombstones(web: Web) -> int:
    with web.world.sessions() as session:
        return session.scalar(select(func.count()).select_from(UnlawfulDeletion)) or 0


def test_the_api_deletes_the_results_and_answers_the_tombstone(
    maine: tuple[Web, int, int],
) -> None:
    web, number, search = maine
    candidates, reviews = rows(web.world, search)
    assert candidates >= 1
    url = f"/api/v1/requests/{number}/unlawful"
    made = web.call("p.audit", "POST", url, json={"search_id": search, "reason": WHY})
    assert made.status_code == 201, made.text
    tombstone = made.json()
    assert (tombstone["request_id"], tombstone["search_id"]) == (number, search)
    assert (tombstone["declared_by"], tombstone["role"]) == ("p.audit", "auditor")
    assert (tombstone["candidates"], tombstone["conclusions"]) == (candidates, reviews)
    assert tombstone["reason"] == WHY and len(tombstone["deleted_sha256"]) == 64
    assert rows(web.world, search) == (0, 0)
    with web.world.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "search.declared_unlawful")
        ).one()
    assert (entry.seq, entry.actor) == (tombstone["audit_seq"], "p.audit")
    # The search stays (its row and its number), its results are gone for everyone.
    listed = web.call("p.audit", "GET", f"/api/v1/requests/{number}/searches").json()
    assert [s["id"] for s in listed] == [search]
    assert web.call("p.audit", "GET", f"/api/v1/requests/{number}/candidates").json() == []
    # Whoever reads the case reads its tombstones: the officer learns why the lead went.
    for reader in ("officer", "p.exam", "p.boss"):
        read = web.call(reader, "GET", url)
        assert read.status_code == 200 and read.json() == [tombstone], read.text
    assert web.call("other.officer", "GET", url).status_code == 404

    before = entries(web)
    again = web.call("p.boss", "POST", url, json={"search_id": search, "reason": WHY})
    assert again.status_code == 409, again.text
    assert again.json()["detail"]["code"] == "bad_state"
    assert "deleted already" in again.json()["detail"]["reasons"][0]
    assert (entries(web), tombstones(web)) == (before, 1)

    # Maine's public log shows the search, its results deleted, and no one's name.
    body = {"pack": "maine-2021", "first": "2026-01-01", "last": "2026-12-31"}
    log = web.call("p.audit", "POST", "/api/v1/reports/public-log", json=body)
    assert log.status_code == 200, log.text
    assert log.headers["content-type"] == "application/zip"
    shown = json.loads(read_zip(log.content)["public-log.json"])["searches"]
    assert [row["results_deleted"] for row in shown] == [True]
    assert "p.audit" not in log.text


def test_the_api_refuses_and_writes_nothing(maine: tuple[Web, int, int]) -> None:
    web, number, search = maine
    url = f"/api/v1/requests/{number}/unlawful"
    kept = rows(web.world, search)
    before = entries(web)
    sent = {"search_id": search, "reason": WHY}
    refusals = [
        ("p.exam", sent, 403, "wrong_role"),
        ("officer", sent, 403, "wrong_role"),
        ("p.audit", {"search_id": search, "reason": ""}, 422, "missing_reason"),
        ("p.audit", {"search_id": search, "reason": "Unlawful."}, 422, "missing_reason"),
        ("p.audit", {"search_id": search + 100, "reason": WHY}, 404, "not_found"),
    ]
    for username, body, status, code in refusals:
        answer = web.call(username, "POST", url, json=body)
        assert answer.status_code == status, (username, body, answer.text)
        assert answer.json()["detail"]["code"] == code, answer.text
    missing = web.call("p.audit", "POST", url, json={"search_id": search})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "reason"]
    other = web.call("p.audit", "POST", f"/api/v1/requests/{number + 100}/unlawful", json=sent)
    assert other.status_code == 404
    assert (entries(web), tombstones(web), rows(web.world, search)) == (before, 0, kept)

    with transaction(web.world.sessions) as session:
        set_hold(
            session, web.world.actor("admin"), number, "A lawsuit over this search is pending."
        )
    before = entries(web)
    held = web.call("p.audit", "POST", url, json=sent)
    assert held.status_code == 409 and held.json()["detail"]["code"] == "on_hold"
    assert (entries(web), tombstones(web), rows(web.world, search)) == (before, 0, kept)


def test_the_page_asks_for_a_reason_and_a_confirmation_then_shows_the_tombstone(
    maine: tuple[Web, int, int],
) -> None:
    web, number, search = maine
    boss = web.browser("p.boss")
    shown = boss.get(f"/requests/{number}")
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    assert f'action="/requests/{number}/unlawful"' in text
    assert f'<option value="{search}">Search {search}</option>' in text
    assert 'name="reason" required minlength="10"' in text
    assert 'name="confirm" value="deleted" required' in text
    # An examiner is not offered the act.
    assert "/unlawful" not in web.browser("p.exam").get(f"/requests/{number}").text
    csrf = csrf_of(shown)
    form = {"csrf_token": csrf, "search_id": str(search), "reason": WHY, "confirm": "deleted"}
    kept = rows(web.world, search)
    before = entries(web)
    for wrong, words in (
        ({k: v for k, v in form.items() if k != "confirm"}, "Tick the box to confirm"),
        ({**form, "confirm": "yes"}, "Tick the box to confirm"),
        ({**form, "reason": "  "}, "give the reason the search was unlawful in a sentence"),
        ({**form, "search_id": str(search + 100)}, f"has no search {search + 100}"),
    ):
        refused = boss.post(f"/requests/{number}/unlawful", data=wrong, follow_redirects=False)
        assert refused.status_code in (404, 422), refused.text
        assert words in html.unescape(refused.text)
    assert (entries(web), tombstones(web), rows(web.world, search)) == (before, 0, kept)

    declared = boss.post(f"/requests/{number}/unlawful", data=form, follow_redirects=False)
    assert declared.status_code == 303, declared.text
    assert declared.headers["location"] == f"/requests/{number}?done=unlawful#unlawful"
    after = html.unescape(boss.get(declared.headers["location"]).text)
    assert "The search was declared unlawful; its results were deleted" in after
    tombstone = after.split(f'id="tombstone-{search}"')[1].split("</dl>")[0]
    assert f"Search {search}: results deleted" in tombstone
    assert "(p.boss, supervisor)" in tombstone and WHY in tombstone
    assert f"{kept[0]} candidate" in tombstone and f"{kept[1]} examiner conclusion" in tombstone
    assert f'action="/requests/{number}/unlawful"' not in after, "nothing left to declare"
    assert rows(web.world, search) == (0, 0)
    # The auditor of the searching body reads the same tombstone.
    assert WHY in html.unescape(web.browser("p.audit").get(f"/requests/{number}").text)


def test_on_hold_the_page_offers_it_disabled_with_the_reason(maine: tuple[Web, int, int]) -> None:
    web, number, _ = maine
    with transaction(web.world.sessions) as session:
        set_hold(
            session, web.world.actor("admin"), number, "A lawsuit over this search is pending."
        )
    text = html.unescape(web.browser("p.audit").get(f"/requests/{number}").text)
    assert 'disabled aria-describedby="unlawful-refused"' in text
    refused = text.split('id="unlawful-refused"')[1].split("</p>")[0]
    assert "is on legal hold" in refused and "lawsuit" in refused
