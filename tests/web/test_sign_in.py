"""Signing in through the login form: sessions, throttling, the second factor, sign-out."""

from __future__ import annotations

import html
import re
import stat
import time
from datetime import timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.web.conftest import PASSWORD, Web, csrf_of, login_token, sign_in

from facedocket.accounts.seeds import SeedCipher, SeedKeyError
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, LoginAttempt, TotpSecret, User, WebSession
from facedocket.web.app import create_app


def test_a_session_is_a_random_cookie_whose_digest_alone_is_stored(light: Web) -> None:
    client = light.browser("officer")
    cookie = client.cookies.get("facedocket_session")
    assert cookie
    with light.world.sessions() as session:
        stored = session.scalars(select(WebSession.token_sha256)).all()
    assert cookie not in stored and len(stored[0]) == 64
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Officer" in home.text


def test_the_cookie_is_http_only_and_strict(light: Web) -> None:
    light.browser("officer")
    client = TestClient(light.app)
    answer = sign_in(client, "officer", PASSWORD)
    assert answer.status_code == 303
    header = answer.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header


def test_wrong_or_unknown_names_get_the_same_answer(light: Web) -> None:
    light.browser("officer")
    client = TestClient(light.app)
    wrong = sign_in(client, "officer", "not the password")
    unknown = sign_in(client, "nobody.here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The username, password or code is not right." in wrong.text
    assert "The username, password or code is not right." in unknown.text


def test_five_failures_throttle_even_the_right_password(light: Web) -> None:
    light.browser("officer")
    client = TestClient(light.app)
    for _ in range(5):
        assert sign_in(client, "officer", "a wrong guess").status_code == 401
    throttled = sign_in(client, "officer", PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed sign-ins" in throttled.text
    with light.world.sessions() as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(minutes=16)
        session.commit()
    assert sign_in(client, "officer", PASSWORD).status_code == 303


def test_a_second_factor_is_asked_for_once_turned_on(light: Web) -> None:
    light.browser("officer")
    secret = light.call("officer", "POST", "/api/v1/me/totp").json()["secret"]
    totp = pyotp.TOTP(secret)
    light.call("officer", "POST", "/api/v1/me/totp/confirm", json={"code": totp.now()})
    client = TestClient(light.app)
    assert sign_in(client, "officer", PASSWORD).status_code == 401
    later = totp.at(time.time() + 30)
    assert sign_in(client, "officer", PASSWORD, later).status_code == 303


def test_login_forms_from_elsewhere_and_open_redirects_are_refused(light: Web) -> None:
    light.browser("officer")
    client = TestClient(light.app)
    forged = client.post(
        "/login",
        data={"username": "officer", "password": PASSWORD, "form_token": "0" * 64},
    )
    assert forged.status_code == 403
    form = client.get("/login", params={"next": "//evil.example/steal"})
    assert 'name="next" value="/"' in form.text
    token = form.text.split('name="form_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login",
        data={
            "username": "officer",
            "password": PASSWORD,
            "form_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_anonymous_pages_go_to_sign_in_and_come_back(light: Web) -> None:
    client = TestClient(light.app)
    answer = client.get("/requests?state=submitted", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/requests%3Fstate%3Dsubmitted"


def test_signing_out_ends_the_session_on_the_server(light: Web) -> None:
    client = light.browser("officer")
    cookie = client.cookies.get("facedocket_session")
    home = client.get("/")
    assert client.post("/logout", data={"csrf_token": csrf_of(home)}).status_code == 200
    replay = TestClient(light.app, cookies={"facedocket_session": cookie or ""})
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_idle_sessions_expire(light: Web) -> None:
    client = light.browser("officer")
    idle = timedelta(minutes=light.world.settings.session_idle_minutes + 1)
    with light.world.sessions() as session:
        for row in session.scalars(select(WebSession)):
            row.last_seen_at -= idle
        session.commit()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_deactivating_a_user_ends_their_sessions(light: Web) -> None:
    client = light.browser("officer")
    officer = light.call("officer", "GET", "/api/v1/me").json()["id"]
    light.call("admin", "PATCH", f"/api/v1/users/{officer}", json={"active": False})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_totp_seed_is_stored_sealed_and_an_old_plain_one_is_sealed_at_start(
    light: Web,
) -> None:
    light.browser("officer")
    secret = light.call("officer", "POST", "/api/v1/me/totp").json()["secret"]
    with light.world.sessions() as session:
        (stored,) = session.scalars(select(TotpSecret.secret)).all()
    assert secret not in stored and stored.startswith("gAAAAA")
    assert SeedCipher.of(light.world.settings).open(stored) == secret
    assert stat.S_IMODE(light.world.settings.totp_key_file.stat().st_mode) == 0o600
    totp = pyotp.TOTP(secret)
    light.call("officer", "POST", "/api/v1/me/totp/confirm", json={"code": totp.now()})

    with transaction(light.world.sessions) as session:  # as a database from before
        session.get_one(TotpSecret, _officer_id(session)).secret = secret
    restarted = create_app(light.world.settings, light.world.sessions, light.world.pipeline)
    with light.world.sessions() as session:
        (resealed,) = session.scalars(select(TotpSecret.secret)).all()
    assert resealed.startswith("gAAAAA") and secret not in resealed
    client = TestClient(restarted)
    assert sign_in(client, "officer", PASSWORD, totp.at(time.time() + 30)).status_code == 303
    other_key = light.world.settings.model_copy(
        update={"totp_key": SecretStr(Fernet.generate_key().decode())}
    )
    with pytest.raises(SeedKeyError, match="sealed with another key"):
        create_app(other_key, light.world.sessions, light.world.pipeline)


def test_a_seed_sealed_with_another_key_does_not_open(light: Web) -> None:
    sealed = SeedCipher(Fernet.generate_key()).seal("JBSWY3DPEHPK3PXP")
    with pytest.raises(SeedKeyError, match="sealed with another key"):
        SeedCipher(Fernet.generate_key()).open(sealed)
    with pytest.raises(ValidationError, match="a Fernet key is 32 bytes"):
        Settings(totp_key="c2hvcnQ=")


def _officer_id(session: Session) -> int:
    return session.scalars(select(User.id).where(User.username == "officer")).one()


def test_an_administrator_unlocks_a_locked_name_on_the_record(light: Web) -> None:
    light.browser("officer")
    admin = light.browser("admin")
    client = TestClient(light.app)
    for _ in range(5):
        assert sign_in(client, "officer", "a wrong guess").status_code == 401
    with light.world.sessions() as session:
        officer = session.scalars(select(User).where(User.username == "officer")).one()
    user_page = admin.get(f"/admin/users/{officer.id}")
    assert "Locked: 5 recent failed sign-ins" in user_page.text
    # Only an administrator may unlock, and only with the page's CSRF token.
    intake = light.browser("intake")
    refused = intake.post(
        f"/admin/users/{officer.id}/unlock", data={"csrf_token": csrf_of(intake.get("/"))}
    )
    assert refused.status_code == 403
    assert admin.post(f"/admin/users/{officer.id}/unlock", data={}).status_code == 403
    unlocked = admin.post(
        f"/admin/users/{officer.id}/unlock", data={"csrf_token": csrf_of(user_page)}
    )
    assert "Not locked" in unlocked.text
    assert sign_in(client, "officer", PASSWORD).status_code == 303
    with light.world.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.unlocked")
        ).all()
    assert [(e.actor, e.details["failures_cleared"]) for e in entries] == [("admin", 5)]


def test_a_password_an_administrator_set_must_be_changed_first(light: Web) -> None:
    admin = light.browser("admin")
    with light.world.sessions() as session:
        officer = session.scalars(select(User).where(User.username == "officer")).one()
    user_page = admin.get(f"/admin/users/{officer.id}")
    admin.post(
        f"/admin/users/{officer.id}/password",
        data={"csrf_token": csrf_of(user_page), "password": PASSWORD},
    )
    client = TestClient(light.app)
    assert sign_in(client, "officer", PASSWORD).status_code == 303
    account = client.get("/account")
    for path in ("/", "/requests"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/account"
    token = client.post(
        "/account/tokens",
        data={"csrf_token": csrf_of(account), "name": "mine"},
        follow_redirects=False,
    )
    assert token.headers["location"] == "/account"
    assert "An administrator set your password" in account.text
    changed = client.post(
        "/account/password",
        data={"csrf_token": csrf_of(account), "current": PASSWORD, "new": "my own passphrase"},
    )
    assert changed.status_code == 200
    assert sign_in(client, "officer", "my own passphrase").status_code == 303
    assert client.get("/requests", follow_redirects=False).status_code == 200


def test_a_form_sent_after_the_idle_lock_is_kept_across_signing_in(light: Web) -> None:
    client = light.browser("admin")
    form = csrf_of(client.get("/admin"))
    idle = timedelta(minutes=light.world.settings.session_idle_minutes + 1)
    with light.world.sessions() as session:
        for row in session.scalars(select(WebSession)):
            row.last_seen_at -= idle
        session.commit()
    gone = client.get("/admin", follow_redirects=False)
    assert gone.headers["location"] == "/login?next=/admin&why=idle"
    sent = client.post(
        "/admin/agencies",
        data={"csrf_token": form, "code": "transit", "name": "Transit <Police>"},
    )
    assert sent.status_code == 401
    assert "without activity" in sent.text and "What you were sending is kept" in sent.text
    kept = re.search(r'name="kept" value="([^"]+)"', sent.text)
    assert kept is not None
    token = login_token(client)
    again = client.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "form_token": token,
            "next": "/admin/agencies",
            "kept": html.unescape(kept[1]),
        },
    )
    assert "Send what you were sending" in again.text
    assert "Transit &lt;Police&gt;" in again.text  # shown as text, never as markup
    assert csrf_of(again) != form
    resent = client.post(
        "/admin/agencies",
        data={"csrf_token": csrf_of(again), "code": "transit", "name": "Transit <Police>"},
    )
    assert "The agency was added" in resent.text
    # What came back from the sign-in page is checked for its shape, not trusted.
    token = login_token(client)
    odd = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "form_token": token, "kept": "[1]"},
        follow_redirects=False,
    )
    assert odd.status_code == 303
