"""Refusals are on the record (issue 18): a refused search, a refused approval and a
refused sign-in each leave one entry saying why, and nothing else of the refused act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from tests.audit.walk import state
from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in
from typer.testing import CliRunner

import facedocket.cli.requests as cli_requests
from facedocket.accounts.throttle import MAX_FAILURES_PER_NAME
from facedocket.cli import app as cli_app
from facedocket.store.schema import AuditEntry, User

NOTE = {"note": "The order names this still image and the RMV gallery."}


def refusal(web: Web, act: Callable[[], Any]) -> list[AuditEntry]:
    """The entries ``act`` wrote, once it is shown to have changed nothing else."""
    with web.world.sessions() as session:
        before, last = state(session)
    act()
    with web.world.sessions() as session:
        after, _ = state(session)
        written = list(session.scalars(select(AuditEntry).where(AuditEntry.seq > last)))
    changed = sorted(table for table in after if after[table] != before[table])
    assert changed == [], f"the refused act changed {changed}"
    return written


def approved(web: Web) -> int:
    number = int(web.create().json()["id"])
    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE).is_success
    return number


def test_a_refused_search_is_recorded_with_its_reasons_and_leaves_nothing_else(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = approved(web)
    web.auth("examiner")  # its token is made before, not during, the refused act
    web.world.clock.advance(days=11)  # the order has expired

    def api() -> None:
        refused = web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
        assert refused.status_code == 403 and "expired" in refused.text

    [entry] = refusal(web, api)
    assert (entry.action, entry.actor, entry.role) == ("search.refused", "examiner", "examiner")
    assert (entry.subject_type, entry.subject_id) == ("request", str(number))
    assert entry.details["code"] == "policy"
    assert any("expired" in reason for reason in entry.details["reasons"])

    examiner = web.browser("examiner")
    sheet = examiner.get(f"/requests/{number}")

    def page() -> None:
        refused = examiner.post(f"/requests/{number}/search", data={"csrf_token": csrf_of(sheet)})
        assert refused.status_code == 403 and "expired" in refused.text

    [entry] = [e for e in refusal(web, page) if e.action != "account.signed_in"]
    assert entry.action == "search.refused" and entry.subject_id == str(number)

    monkeypatch.setattr(cli_requests, "sessions", lambda: web.world.sessions)
    monkeypatch.setattr(cli_requests, "settings", lambda: web.world.settings)

    def command() -> None:
        result = CliRunner().invoke(
            cli_app, ["requests", "search", "--as", "examiner", str(number)]
        )
        assert result.exit_code != 0 and "expired" in result.output

    [entry] = refusal(web, command)
    assert entry.action == "search.refused" and entry.subject_id == str(number)


def test_a_refused_approval_is_recorded_and_the_request_is_unchanged(web: Web) -> None:
    number = approved(web)
    web.auth("supervisor")

    def again() -> None:
        twice = web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE)
        assert twice.status_code == 409

    [entry] = refusal(web, again)
    assert (entry.action, entry.role) == ("request.approval_refused", "intake_reviewer")
    assert entry.subject_id == str(number)
    assert "cannot be asked to approve" in entry.details["reasons"][0]
    assert entry.details["code"] == "bad_state"

    # The supervisor may approve emergencies too: the capacity tried is the one recorded.
    [by_supervisor] = refusal(
        web,
        lambda: web.call("supervisor", "POST", f"/api/v1/requests/{number}/approve", json=NOTE),
    )
    assert (by_supervisor.action, by_supervisor.role) == ("request.approval_refused", "supervisor")


def test_an_approval_refused_on_the_page_or_by_the_command_is_recorded(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An emergency is a supervisor's to approve: the page shows intake's button disabled,
    # and a form sent anyway is refused and recorded, as the API's is.
    number = int(web.create(kind="emergency").json()["id"])
    intake = web.browser("intake")
    shown = intake.get(f"/requests/{number}")

    def page() -> None:
        data = {"csrf_token": csrf_of(shown), "note": NOTE["note"]}
        refused = intake.post(f"/requests/{number}/approve", data=data)
        assert refused.status_code == 403 and "supervisor" in refused.text

    [entry] = refusal(web, page)
    assert (entry.action, entry.actor, entry.role) == (
        "request.approval_refused",
        "intake",
        "intake_reviewer",
    )
    assert entry.subject_id == str(number) and "supervisor" in entry.details["reasons"][0]

    monkeypatch.setattr(cli_requests, "sessions", lambda: web.world.sessions)
    monkeypatch.setattr(cli_requests, "settings", lambda: web.world.settings)

    def command() -> None:
        argv = ["requests", "approve", "--as", "intake", str(number), "--note", NOTE["note"]]
        result = CliRunner().invoke(cli_app, argv)
        assert result.exit_code != 0 and "supervisor" in result.output

    [entry] = refusal(web, command)
    assert entry.action == "request.approval_refused" and entry.subject_id == str(number)


def test_a_search_tried_by_someone_who_may_not_search_is_recorded(web: Web) -> None:
    """The role gate's refusal too: the same 403 as any refusal of the role, and one
    entry naming who tried, in no capacity of a searcher, and why."""
    number = approved(web)
    web.auth("intake")
    web.auth("officer")

    def api() -> None:
        for who in ("intake", "officer"):
            refused = web.call(who, "POST", f"/api/v1/requests/{number}/searches", json={})
            assert refused.status_code == 403 and "wrong_role" in refused.text

    entries = refusal(web, api)
    assert [(e.action, e.actor, e.role) for e in entries] == [
        ("search.refused", "intake", "none"),
        ("search.refused", "officer", "none"),
    ]
    assert {(e.subject_type, e.subject_id) for e in entries} == {("request", str(number))}
    assert (entries[0].details["code"], entries[0].details["reasons"]) == (
        "wrong_role",
        ["this needs the role of examiner"],
    )

    intake = web.browser("intake")
    form = intake.get(f"/requests/{number}")

    def page() -> None:
        refused = intake.post(f"/requests/{number}/search", data={"csrf_token": csrf_of(form)})
        assert refused.status_code == 403

    [entry] = [e for e in refusal(web, page) if e.action != "account.signed_in"]
    assert (entry.action, entry.actor, entry.details["code"]) == (
        "search.refused",
        "intake",
        "wrong_role",
    )


def test_failed_and_throttled_sign_ins_are_recorded(web: Web) -> None:
    web.browser("officer")  # gives the officer the test password
    client = web.client
    with web.world.sessions() as session:
        officer = session.scalars(select(User.id).where(User.username == "officer")).one()

    [wrong] = refusal(web, lambda: sign_in(client, "Officer", "not the password"))
    assert (wrong.action, wrong.actor) == ("account.sign_in_refused", "anonymous")
    assert (wrong.subject_type, wrong.subject_id) == ("user", str(officer))
    assert wrong.details["name"] == "officer" and PASSWORD not in str(wrong.details)
    assert wrong.details["code"] == "sign_in_failed"  # the dashboard counts refusals by it
    assert "not the password" not in str(wrong.details), "a typed password is never recorded"

    [nobody] = refusal(web, lambda: sign_in(client, "no.such\x00name", "x"))
    assert (nobody.subject_type, nobody.subject_id) == ("sign-in name", "no.such\ufffdname")

    for _ in range(MAX_FAILURES_PER_NAME):
        sign_in(client, "officer", "still wrong")
    [throttled] = refusal(web, lambda: sign_in(client, "officer", PASSWORD))
    assert throttled.details["reasons"] == ["throttled: too many failed sign-ins"]
    assert throttled.details["code"] == "throttled"
    assert throttled.subject_type == "sign-in name"
