"""Passkeys over HTTP, answered by a software authenticator with real P-256 signatures:
registration, a sign-in alone and after the password, recovery codes, and the refusals
(a replayed answer, an unknown or removed key, another site's answer, an expired or
foreign challenge, a deactivated user) (#16). The browser test does the same ceremonies
with Chromium's own virtual authenticator."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.accounts.authenticator import Authenticator, b64, unb64
from tests.web.conftest import (
    PASSWORD,
    Web,
    csrf_of,
    kept_of,
    login_token,
    sent_after_the_idle_lock,
    sent_again,
    sign_in,
)

from facedocket.store.schema import AuditEntry, Passkey, WebAuthnChallenge
from facedocket.store.schema.base import utcnow


def register(light: Web, username: str, key: Authenticator, name: str = "key") -> dict[str, Any]:
    options = light.call(username, "POST", "/api/v1/me/passkeys/options").json()
    answer = key.register(options)
    made = light.call(
        username, "POST", "/api/v1/me/passkeys", json={"name": name, "credential": answer}
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def passwordless_options(client: TestClient) -> tuple[str, dict[str, Any]]:
    token = login_token(client)
    options = client.post("/login/passkey/options", data={"form_token": token})
    assert options.status_code == 200, options.text
    return token, options.json()


def send(client: TestClient, token: str, answer: Any) -> Any:
    credential = answer if isinstance(answer, str) else json.dumps(answer)
    return client.post(
        "/login/passkey",
        data={"form_token": token, "credential": credential, "next": "/account"},
        follow_redirects=False,
    )


def signed_in_entries(light: Web) -> list[dict[str, Any]]:
    with light.world.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "account.signed_in"))
        return [row.details for row in rows]


def test_a_registered_passkey_signs_in_alone(light: Web) -> None:
    key = Authenticator()
    made = register(light, "officer", key, "desk key")
    assert made["name"] == "desk key"
    listed = light.call("officer", "GET", "/api/v1/me/passkeys").json()
    assert [p["id"] for p in listed] == [made["id"]]
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    answer = send(client, token, key.sign(options))
    assert answer.status_code == 303 and answer.headers["location"] == "/account"
    assert client.get("/account").status_code == 200
    assert signed_in_entries(light)[-1]["with"] == "passkey"
    with light.world.sessions() as session:
        assert session.scalars(select(Passkey.sign_count)).one() == 1


def test_a_replayed_answer_is_refused(light: Web) -> None:
    key = Authenticator()
    register(light, "officer", key)
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    answer = key.sign(options)
    assert send(client, token, answer).status_code == 303
    again = TestClient(light.app)
    assert send(again, login_token(again), answer).status_code == 401
    assert again.get("/account", follow_redirects=False).status_code == 303


def test_an_unknown_removed_or_foreign_key_is_refused(light: Web) -> None:
    key, stranger = Authenticator(), Authenticator()
    made = register(light, "officer", key)
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    assert send(client, token, stranger.sign(options)).status_code == 401, "never registered"
    token, options = passwordless_options(client)
    phished = key.sign(options, origin="https://facedocket.example.evil")
    assert send(client, token, phished).status_code == 401, "signed for another site"
    token, options = passwordless_options(client)
    forged = key.sign(options)
    forged["response"]["signature"] = b64(unb64(forged["response"]["signature"])[:-2] + b"\0\0")
    assert send(client, token, forged).status_code == 401, "a signature that does not verify"
    removed = light.call("officer", "DELETE", f"/api/v1/me/passkeys/{made['id']}")
    assert removed.status_code == 204
    token, options = passwordless_options(client)
    assert send(client, token, key.sign(options)).status_code == 401, "a removed key"
    for garbage in ("not json", "[]", json.dumps({"id": "x", "response": {}})):
        assert send(client, token, garbage).status_code == 401
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_alone_a_passkey_must_verify_its_user(light: Web) -> None:
    key = Authenticator()
    register(light, "officer", key)
    key.verifies_user = False  # touched, but no PIN or fingerprint
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    assert send(client, token, key.sign(options)).status_code == 401


def test_an_expired_challenge_is_refused(light: Web) -> None:
    key = Authenticator()
    register(light, "officer", key)
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    with light.world.sessions.begin() as session:
        session.execute(
            update(WebAuthnChallenge).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert send(client, token, key.sign(options)).status_code == 401


def test_a_sign_in_needs_the_login_forms_token(light: Web) -> None:
    key = Authenticator()
    register(light, "officer", key)
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    assert send(client, "forged", key.sign(options)).status_code == 403
    bare = TestClient(light.app)
    assert bare.post("/login/passkey/options", data={"form_token": token}).status_code == 403


def test_after_the_password_the_passkey_is_the_second_factor(light: Web) -> None:
    key, other = Authenticator(), Authenticator()
    light.browser("officer")  # sets the password
    register(light, "officer", key)
    register(light, "examiner", other)
    client = TestClient(light.app)
    step = sign_in(client, "officer", PASSWORD)
    assert step.status_code == 200 and 'id="passkey-second"' in step.text
    assert client.get("/account", follow_redirects=False).status_code == 303, "not yet"
    options = json.loads(html.unescape(re.findall(r'data-options="([^"]+)"', step.text)[0]))
    assert len(options["allowCredentials"]) == 1
    token = re.findall(r'name="form_token" value="([^"]+)"', step.text)[0]
    assert send(client, token, other.sign(options)).status_code == 401, "another user's key"
    step = sign_in(client, "officer", PASSWORD)
    options = json.loads(html.unescape(re.findall(r'data-options="([^"]+)"', step.text)[0]))
    token = re.findall(r'name="form_token" value="([^"]+)"', step.text)[0]
    assert send(client, token, key.sign(options)).status_code == 303
    assert client.get("/account").status_code == 200
    wrong = sign_in(TestClient(light.app), "officer", "not the password at all")
    assert wrong.status_code == 401 and "passkey-second" not in wrong.text


def test_a_deactivated_users_passkey_signs_nobody_in(light: Web) -> None:
    key = Authenticator()
    register(light, "officer", key)
    officer = light.call("officer", "GET", "/api/v1/me").json()["id"]
    light.call("admin", "PATCH", f"/api/v1/users/{officer}", json={"active": False})
    client = TestClient(light.app)
    token, options = passwordless_options(client)
    assert send(client, token, key.sign(options)).status_code == 401


def test_registration_refuses_foreign_and_reused_challenges(light: Web) -> None:
    key = Authenticator()
    options = light.call("officer", "POST", "/api/v1/me/passkeys/options").json()
    stolen = light.call(
        "examiner",
        "POST",
        "/api/v1/me/passkeys",
        json={"name": "k", "credential": key.register(options)},
    )
    assert stolen.status_code == 422 and stolen.json()["detail"]["code"] == "passkey_refused"
    options = light.call("officer", "POST", "/api/v1/me/passkeys/options").json()
    phished = key.register(options, origin="https://elsewhere.example")
    refused = light.call(
        "officer", "POST", "/api/v1/me/passkeys", json={"name": "k", "credential": phished}
    )
    assert refused.status_code == 422
    assert light.call("officer", "GET", "/api/v1/me/passkeys").json() == []
    assert light.client.post("/api/v1/me/passkeys/options").status_code == 401
    removed = light.call("examiner", "DELETE", "/api/v1/me/passkeys/1")
    assert removed.status_code == 404


def test_recovery_codes_stand_in_once_and_a_new_set_voids_the_old(light: Web) -> None:
    light.browser("officer")
    register(light, "officer", Authenticator())
    codes = light.call("officer", "POST", "/api/v1/me/recovery-codes").json()["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert sign_in(TestClient(light.app), "officer", PASSWORD, codes[0]).status_code == 303
    assert sign_in(TestClient(light.app), "officer", PASSWORD, codes[0]).status_code == 401
    assert (
        sign_in(TestClient(light.app), "officer", "a wrong password", codes[1]).status_code == 401
    )
    fresh = light.call("officer", "POST", "/api/v1/me/recovery-codes").json()["codes"]
    assert sign_in(TestClient(light.app), "officer", PASSWORD, codes[2]).status_code == 401
    assert sign_in(TestClient(light.app), "officer", PASSWORD, fresh[0].upper()).status_code == 303
    with light.world.sessions() as session:
        used = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "account.recovery_code_used")
        ).all()
    assert [u["left"] for u in used] == [9, 9]


def test_the_account_page_lists_removes_and_makes_codes(light: Web) -> None:
    browser = light.browser("officer")
    made = register(light, "officer", Authenticator(), "yubikey")
    page = browser.get("/account")
    assert 'id="passkeys"' in page.text and "yubikey" in page.text
    codes = browser.post("/account/recovery-codes", data={"csrf_token": csrf_of(page)})
    assert codes.status_code == 200 and codes.text.count("<li><code>") == 10
    forged = browser.post(f"/account/passkeys/{made['id']}/remove", data={})
    assert forged.status_code == 403
    removed = browser.post(
        f"/account/passkeys/{made['id']}/remove", data={"csrf_token": csrf_of(page)}
    )
    assert removed.status_code == 200 and "yubikey" not in removed.text


@pytest.mark.parametrize("second_factor_roles", ["requester"])
def test_a_passkey_meets_the_second_factor_rule(light: Web, second_factor_roles: str) -> None:
    services = light.app.state.services
    services.settings = services.settings.model_copy(
        update={"second_factor_roles": second_factor_roles}
    )
    refused = light.call("officer", "GET", "/api/v1/requests")
    assert refused.json()["detail"]["code"] == "second_factor_required"
    register(light, "officer", Authenticator())
    assert light.call("officer", "GET", "/api/v1/requests").status_code == 200


def test_a_form_kept_across_signing_in_again_with_a_passkey_alone(light: Web) -> None:
    key = Authenticator()
    client = light.browser("officer")
    register(light, "officer", key)
    sent = sent_after_the_idle_lock(light, client)
    kept = kept_of(sent)  # in the password form and the passkey form alike
    token = re.findall(r'name="form_token" value="([^"]+)"', sent.text)[0]
    options = client.post("/login/passkey/options", data={"form_token": token}).json()
    answer = {"form_token": token, "next": "/account/tokens", "kept": kept}
    # A refused answer keeps the form on the sign-in page it answers with.
    refused = client.post("/login/passkey", data=answer | {"credential": "{}"})
    assert refused.status_code == 401 and kept_of(refused) == kept
    options = client.post("/login/passkey/options", data={"form_token": token}).json()
    again = client.post(
        "/login/passkey", data=answer | {"credential": json.dumps(key.sign(options))}
    )
    sent_again(light, client, again)


def test_a_form_kept_across_the_password_and_then_the_passkey(light: Web) -> None:
    key = Authenticator()
    client = light.browser("officer")
    register(light, "officer", key)
    kept = kept_of(sent_after_the_idle_lock(light, client))
    token = login_token(client)
    step = client.post(
        "/login",
        data={
            "username": "officer",
            "password": PASSWORD,
            "form_token": token,
            "next": "/account/tokens",
            "kept": kept,
        },
    )
    assert 'id="passkey-second"' in step.text and kept_of(step) == kept
    options = json.loads(html.unescape(re.findall(r'data-options="([^"]+)"', step.text)[0]))
    again = client.post(
        "/login/passkey",
        data={
            "form_token": token,
            "next": "/account/tokens",
            "kept": kept,
            "credential": json.dumps(key.sign(options)),
        },
    )
    sent_again(light, client, again)
