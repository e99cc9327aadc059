"""Account lifecycle: token scopes and expiry, an administrator's view and end of anyone's
sessions, the session deadlines, and signing out on the record (#16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from tests.web.conftest import Web, csrf_of
from typer.testing import CliRunner

from facedocket.cli import admin as admin_cli
from facedocket.cli import app as cli_app
from facedocket.store.schema import ApiToken, AuditEntry, User, WebSession
from facedocket.store.schema.base import utcnow


def _entries(light: Web, action: str) -> list[dict[str, Any]]:
    with light.world.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [row.details for row in rows]


def _user_id(light: Web, username: str) -> int:
    with light.world.sessions() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_token(light: Web, username: str, **body: Any) -> dict[str, Any]:
    made = light.call(username, "POST", "/api/v1/me/tokens", json={"name": "tool", **body})
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


def test_a_read_token_reads_and_changes_nothing(light: Web) -> None:
    token = _new_token(light, "auditor", scope="read")["token"]
    assert light.client.get("/api/v1/requests", headers=_bearer(token)).status_code == 200
    with light.world.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    refused = light.client.post(
        "/api/v1/record/checkpoints", headers=_bearer(token), follow_redirects=False
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"]["code"] == "read_only_token"
    own = light.client.post("/api/v1/me/tokens", headers=_bearer(token), json={"name": "more"})
    assert own.status_code == 403, "a read token cannot mint a full one"
    with light.world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    full = _new_token(light, "auditor")["token"]
    signed = light.client.post("/api/v1/record/checkpoints", headers=_bearer(full))
    assert signed.status_code < 300, signed.text


def test_a_token_shows_its_scope_expiry_and_last_use(light: Web) -> None:
    made = _new_token(light, "officer", scope="read", days=7)
    details = made["details"]
    assert details["scope"] == "read" and details["last_used_at"] is None
    light.client.get("/api/v1/me", headers=_bearer(made["token"]))
    [shown] = [
        t
        for t in light.call("officer", "GET", "/api/v1/me/tokens").json()
        if t["id"] == details["id"]
    ]
    assert shown["last_used_at"] is not None
    assert shown["expires_at"][:10] == (utcnow() + timedelta(days=7)).date().isoformat()
    [created] = [e for e in _entries(light, "account.token_created") if e["token"] == details["id"]]
    assert created["scope"] == "read"


def test_tokens_have_a_bounded_life_and_an_expired_one_is_refused(light: Web) -> None:
    for days in (0, 367, None):
        body = {"name": "tool", "days": days}
        assert light.call("officer", "POST", "/api/v1/me/tokens", json=body).status_code == 422
    shorter = light.app.state.services.settings.model_copy(update={"api_token_max_days": 30})
    light.app.state.services.settings = shorter
    too_long = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": "t", "days": 31})
    assert too_long.status_code == 422 and "1 to 30 days" in too_long.text
    made = _new_token(light, "officer", days=30)
    with light.world.sessions.begin() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == made["details"]["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = light.client.get("/api/v1/me", headers=_bearer(made["token"]))
    assert expired.status_code == 401
    bogus = light.client.get("/api/v1/me", headers=_bearer("fdk_" + "x" * 43))
    assert bogus.status_code == 401
    scope = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": "t", "scope": "all"})
    assert scope.status_code == 422


def test_the_page_makes_a_read_token_with_its_days(light: Web) -> None:
    browser = light.browser("auditor")
    form = {"csrf_token": csrf_of(browser.get("/account")), "name": "report tool"}
    made = browser.post("/account/tokens", data={**form, "days": "10", "scope": "read"})
    assert made.status_code == 200 and 'id="new-token"' in made.text
    with light.world.sessions() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "report tool")).one()
        assert row.scope == "read"
        assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=10)
    wrong = browser.post("/account/tokens", data={**form, "days": "10", "scope": "admin"})
    assert wrong.status_code == 422


def test_an_administrator_sees_and_ends_one_session_or_all(light: Web) -> None:
    officer = _user_id(light, "officer")
    first, second = light.browser("officer"), light.browser("officer")
    listed = light.call("admin", "GET", f"/api/v1/users/{officer}/sessions").json()
    assert len(listed) == 2 and {"remote", "created_at", "last_seen_at"} <= set(listed[0])
    ended = light.call("admin", "DELETE", f"/api/v1/users/{officer}/sessions/{listed[0]['id']}")
    assert ended.status_code == 204
    assert first.get("/account", follow_redirects=False).status_code == 303
    assert second.get("/account", follow_redirects=False).status_code == 200
    again = light.call("admin", "DELETE", f"/api/v1/users/{officer}/sessions/{listed[0]['id']}")
    assert again.status_code == 404, "an ended session cannot be ended twice"
    everywhere = light.call("admin", "DELETE", f"/api/v1/users/{officer}/sessions")
    assert everywhere.json() == {"web_sessions": 1}
    assert second.get("/account", follow_redirects=False).status_code == 303
    assert light.call("officer", "GET", "/api/v1/me").status_code == 200, "tokens stay"
    assert [e["web_sessions"] for e in _entries(light, "account.sessions_ended")] == [1, 1]
    assert light.call("admin", "GET", f"/api/v1/users/{officer}/sessions").json() == []


def test_a_session_of_another_user_cannot_be_ended_through_this_one(light: Web) -> None:
    light.browser("examiner")
    officer, examiner = _user_id(light, "officer"), _user_id(light, "examiner")
    [theirs] = light.call("admin", "GET", f"/api/v1/users/{examiner}/sessions").json()
    wrong = light.call("admin", "DELETE", f"/api/v1/users/{officer}/sessions/{theirs['id']}")
    assert wrong.status_code == 404
    assert len(light.call("admin", "GET", f"/api/v1/users/{examiner}/sessions").json()) == 1
    assert _entries(light, "account.sessions_ended") == []


def test_only_an_administrator_sees_or_ends_sessions(light: Web) -> None:
    light.browser("officer")
    officer = _user_id(light, "officer")
    for who in ("officer", "supervisor", "auditor"):
        for method, path in (("GET", ""), ("DELETE", ""), ("DELETE", "/1")):
            url = f"/api/v1/users/{officer}/sessions{path}"
            answer = light.call(who, method, url)
            assert answer.status_code == 403, f"{who} {method} {url}"
    anonymous = light.client.delete(f"/api/v1/users/{officer}/sessions")
    assert anonymous.status_code == 401
    assert len(light.call("admin", "GET", f"/api/v1/users/{officer}/sessions").json()) == 1


def test_the_administrators_page_lists_and_ends_sessions(light: Web) -> None:
    victim = light.browser("officer")
    officer = _user_id(light, "officer")
    admin = light.browser("admin")
    shown = admin.get(f"/admin/users/{officer}")
    assert 'id="sessions"' in shown.text and "testclient" in shown.text
    with light.world.sessions() as session:
        session_id = session.scalars(
            select(WebSession.id).where(WebSession.user_id == officer)
        ).one()
    token = csrf_of(shown)
    forged = admin.post(f"/admin/users/{officer}/sessions/{session_id}/end", data={})
    assert forged.status_code == 403, "no CSRF token, no change"
    assert victim.get("/account", follow_redirects=False).status_code == 200
    ended = admin.post(
        f"/admin/users/{officer}/sessions/{session_id}/end",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert ended.status_code == 303
    assert victim.get("/account", follow_redirects=False).status_code == 303
    assert "No browser is signed in as officer" in admin.get(f"/admin/users/{officer}").text


def test_the_cli_lists_and_ends_a_users_sessions(light: Web, monkeypatch: Any) -> None:
    monkeypatch.setattr(admin_cli, "sessions", lambda: light.world.sessions)
    monkeypatch.setattr(admin_cli, "settings", lambda: light.world.settings)
    browser = light.browser("officer")
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["admin", "sessions", "officer"])
    assert listed.exit_code == 0 and "testclient" in listed.output
    ended = runner.invoke(cli_app, ["admin", "end-sessions", "officer"])
    assert ended.exit_code == 0 and "1 session(s) of officer ended" in ended.output
    assert browser.get("/account", follow_redirects=False).status_code == 303
    unknown = runner.invoke(cli_app, ["admin", "end-sessions", "nobody.here"])
    assert unknown.exit_code == 1 and "no user called" in unknown.output
    missing = runner.invoke(cli_app, ["admin", "end-sessions", "officer", "--session", "999"])
    assert missing.exit_code == 1 and "no open session 999" in missing.output
    [entry] = _entries(light, "account.sessions_ended")
    assert entry["username"] == "officer"


def test_a_session_ends_at_its_absolute_deadline_however_busy(light: Web) -> None:
    client = light.browser("officer")
    assert client.get("/", follow_redirects=False).status_code == 200
    lifetime = timedelta(hours=light.world.settings.session_hours)
    with light.world.sessions.begin() as session:
        # Used just now, but opened a whole lifetime ago.
        for row in session.scalars(select(WebSession)):
            row.created_at -= lifetime
            row.expires_at -= lifetime
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_out_is_on_the_record_and_a_replayed_cookie_is_refused(light: Web) -> None:
    client = light.browser("officer")
    cookie = client.cookies.get("facedocket_session") or ""
    out = client.post("/logout", data={"csrf_token": csrf_of(client.get("/account"))})
    assert out.status_code == 200
    [entry] = _entries(light, "account.signed_out")
    with light.world.sessions() as session:
        ended = session.scalars(select(WebSession).where(WebSession.id == entry["session"])).one()
        assert ended.ended_at is not None
    replay = TestClient(light.app, cookies={"facedocket_session": cookie})
    assert replay.post("/logout", follow_redirects=False).status_code == 303
    assert len(_entries(light, "account.signed_out")) == 1
