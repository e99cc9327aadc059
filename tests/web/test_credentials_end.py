"""An administrator's password reset, and a deactivation then reactivation, end every
browser session and API token the user had: whoever held the account before (an attacker
who took it over) holds nothing that works afterwards (#12)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.web.conftest import Web, csrf_of

from facedocket.store.schema import ApiToken, AuditEntry, User


def _officer_id(light: Web) -> int:
    with light.world.sessions() as session:
        found = session.scalar(select(User.id).where(User.username == "officer"))
        assert found is not None
        return found


def _holdings(light: Web) -> tuple[Any, Any]:
    """A signed-in browser and a working API token of the officer's."""
    browser = light.browser("officer")
    assert browser.get("/account", follow_redirects=False).status_code == 200
    assert light.call("officer", "GET", "/api/v1/me").status_code == 200
    return browser, light.tokens["officer"]


def _nothing_works(light: Web, browser: Any, token: str) -> None:
    api = light.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401, api.text
    page = browser.get("/account", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def _ended_entries(light: Web) -> list[dict[str, Any]]:
    with light.world.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.credentials_ended")
        ).all()
        return [row.details for row in rows]


def test_a_password_reset_ends_every_session_and_token(light: Web) -> None:
    browser, token = _holdings(light)
    officer = _officer_id(light)
    reset = light.call(
        "admin", "PUT", f"/api/v1/users/{officer}/password", json={"password": "a reset password"}
    )
    assert reset.status_code == 204
    _nothing_works(light, browser, token)
    [ended] = _ended_entries(light)
    assert ended["why"] == "password_reset"
    assert (ended["web_sessions"], ended["api_tokens"]) == (1, 1)


def test_a_reactivated_user_gets_no_old_token_back(light: Web) -> None:
    browser, token = _holdings(light)
    officer = _officer_id(light)
    for active in (False, True):
        changed = light.call("admin", "PATCH", f"/api/v1/users/{officer}", json={"active": active})
        assert changed.status_code == 200 and changed.json()["active"] is active
    _nothing_works(light, browser, token)
    assert [e["why"] for e in _ended_entries(light)] == ["deactivated", "reactivated"]
    with light.world.sessions() as session:
        live = session.scalars(
            select(ApiToken).where(ApiToken.user_id == officer, ApiToken.revoked_at.is_(None))
        ).all()
    assert live == []


def test_an_edit_that_leaves_the_user_active_signs_nobody_out(light: Web) -> None:
    browser, token = _holdings(light)
    officer = _officer_id(light)
    admin = light.browser("admin")
    form = {
        "csrf_token": csrf_of(admin.get(f"/admin/users/{officer}")),
        "full_name": "Officer Renamed",
        "rank": "Sergeant",
        "roles": ["requester"],
        "active": "true",
    }
    edited = admin.post(f"/admin/users/{officer}", data=form, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    assert light.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()[
        "full_name"
    ] == ("Officer Renamed")
    assert browser.get("/account", follow_redirects=False).status_code == 200
    assert _ended_entries(light) == []
