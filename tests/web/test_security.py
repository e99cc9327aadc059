"""Headers, CSRF, body limits, failures without traces, and settings that refuse insecure
defaults outside development."""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets
import string

import pytest
import sqlalchemy
import uvicorn
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import ValidationError
from tests.web.conftest import Web, csrf_of
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from facedocket.cli.serve import uvicorn_options
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.web.app import create_app

KEY = "kT3v9QmZ0pXw7LrB2sYh5NcF8gJdU1aE4oVi6MqRtW"  # a generated key, for tests only
AUDIT_KEY = "mZ6cQ0vA3nT8yR1kW5pL9sD2fH7jB4xE0uG6iO3aN1c="  # 32 random bytes, for tests only
TOTP_KEY = Fernet.generate_key().decode()


def test_every_answer_carries_the_security_headers(light: Web) -> None:
    for answer in (
        light.client.get("/login"),
        light.call("officer", "GET", "/api/v1/me"),
        light.client.get("/api/v1/me"),
    ):
        headers = answer.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers, "no HSTS in development"


def test_production_adds_hsts_and_secure_host_cookies(light: Web, tmp_path: object) -> None:
    settings = Settings(
        **light.world.settings.model_dump()
        | {
            "environment": "production",
            "secret_key": KEY,
            "secure_cookies": True,
            "audit_signing_key": AUDIT_KEY,
            "totp_key": TOTP_KEY,
            "allow_sqlite": True,
        }
    )
    app = create_app(settings, light.world.sessions, light.world.pipeline)
    client = TestClient(app, base_url="https://testserver")
    form = client.get("/login")
    assert form.headers["strict-transport-security"].startswith("max-age=")
    assert "__Host-facedocket-login" in form.headers["set-cookie"]
    assert "secure" in form.headers["set-cookie"].lower()


def test_production_settings_refuse_every_insecure_default(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production")
    message = str(refused.value)
    for needed in ("SECRET_KEY", "SECURE_COOKIES", "AUDIT_SIGNING_KEY", "TOTP_KEY", "PostgreSQL"):
        assert needed in message
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(
            environment="production",
            secret_key="short",
            secure_cookies=True,
            audit_signing_key=AUDIT_KEY,
            totp_key=TOTP_KEY,
            database_url="postgresql+psycopg://db/facedocket",
        )
    fine = Settings(
        environment="production",
        secret_key=KEY,
        secure_cookies=True,
        audit_signing_key=AUDIT_KEY,
        totp_key=TOTP_KEY,
        database_url="postgresql+psycopg://db/facedocket",
    )
    assert fine.environment == "production"
    monkeypatch.setenv("FACEDOCKET_ENVIRONMENT", "production")
    monkeypatch.setenv("FACEDOCKET_SECRET_KEY", KEY)
    monkeypatch.setenv("FACEDOCKET_SECURE_COOKIES", "true")
    monkeypatch.setenv("FACEDOCKET_AUDIT_SIGNING_KEY", AUDIT_KEY)
    monkeypatch.setenv("FACEDOCKET_TOTP_KEY", TOTP_KEY)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings()
    monkeypatch.setenv("FACEDOCKET_ALLOW_SQLITE", "true")
    assert Settings().allow_sqlite


def test_browser_writes_need_the_sessions_csrf_token(light: Web) -> None:
    client = light.browser("admin")
    page = client.get("/admin")
    data = {"code": "cpd", "name": "Cambridge Police"}
    refused = client.post("/admin/agencies", data=data)
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    wrong = client.post("/admin/agencies", data={**data, "csrf_token": "not-it"})
    assert wrong.status_code == 403
    json_refused = client.post("/api/v1/agencies", json=data)
    assert json_refused.status_code == 403
    assert json_refused.json()["detail"]["code"] == "csrf"
    allowed = client.post("/api/v1/agencies", json=data, headers={"X-CSRF-Token": csrf_of(page)})
    assert allowed.status_code == 201


def test_oversized_and_unmeasured_bodies_are_refused_unread(light: Web) -> None:
    limit = light.world.settings.max_request_bytes
    big = light.client.post("/login", content=b"x", headers={"content-length": str(limit + 1)})
    assert big.status_code == 413

    def chunks() -> object:
        yield b"username=a"

    chunked = light.client.post("/login", content=chunks())  # type: ignore[arg-type]
    assert chunked.status_code == 411


def test_a_database_error_is_logged_once_without_its_data_under_a_shown_reference(
    light: Web, caplog: pytest.LogCaptureFixture
) -> None:
    app = light.app
    private = {"case": "CASE-2026-0042-SECRET", "narrative": "Witness Jane Roe saw him"}

    def failing_statement() -> None:
        with transaction(app.state.services.sessions) as session:
            session.execute(
                sqlalchemy.text(
                    "INSERT INTO no_such_table (case_number, narrative) VALUES (:case, :narrative)"
                ),
                private,
            )

    app.get("/api/v1/db-boom", include_in_schema=False)(failing_statement)
    app.get("/db-boom", include_in_schema=False)(failing_statement)
    client = TestClient(app, raise_server_exceptions=False)
    for url in ("/api/v1/db-boom", "/db-boom"):
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            answered = client.get(url)
        assert answered.status_code == 500
        if url.startswith("/api/"):
            reference = answered.json()["detail"]["correlation_id"]
        else:
            (reference,) = re.findall(r"Reference: <code>([0-9a-f]{16})</code>", answered.text)
        assert reference in answered.text
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert len(errors) == 1
        logged = caplog.text
        assert reference in errors[0].getMessage() and "no_such_table" in logged
        assert "OperationalError" in logged or "ProgrammingError" in logged
        for value in private.values():
            assert value not in logged and value not in answered.text
        assert "CASE-2026" not in logged and "Jane Roe" not in logged
        assert answered.headers["x-content-type-options"] == "nosniff"


def test_failures_show_a_plain_message_and_no_trace(light: Web) -> None:
    app = light.app

    @app.get("/api/v1/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/boom", include_in_schema=False)
    def boom_page() -> None:
        raise RuntimeError("secret internals")

    client = TestClient(app, raise_server_exceptions=False)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json()["detail"]["code"] == "server_error"
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    for text in (api.text, page.text):
        assert "Traceback" not in text and "secret internals" not in text
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "<h1>That did not work</h1>" in missing.text


def production_settings(**changes: str) -> Settings:
    values = {
        "environment": "production",
        "secret_key": KEY,
        "secure_cookies": True,
        "audit_signing_key": AUDIT_KEY,
        "totp_key": TOTP_KEY,
        "database_url": "postgresql+psycopg://db/facedocket",
    }
    return Settings(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize("weak", [" " * 32, "x" * 44, "ab" * 20, string.ascii_letters[:40]])
def test_production_refuses_a_guessable_secret_key(weak: str) -> None:
    assert len(weak) >= 32, "long enough: only its entropy is wrong"
    with pytest.raises(ValidationError, match="SECRET_KEY that is not guessable"):
        production_settings(secret_key=weak)


RFC_8032_TEST_1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


@pytest.mark.parametrize(
    "seed",
    [bytes(32), b"\xff" * 32, bytes(range(32)), b"\x01\x02" * 16, bytes.fromhex(RFC_8032_TEST_1)],
)
def test_production_refuses_a_degenerate_or_published_audit_key(seed: bytes) -> None:
    with pytest.raises(ValidationError, match="AUDIT_SIGNING_KEY that is not a known"):
        production_settings(audit_signing_key=base64.b64encode(seed).decode())


def test_generated_keys_pass() -> None:
    for _ in range(20):
        fine = production_settings(
            secret_key=secrets.token_urlsafe(32),
            audit_signing_key=base64.b64encode(os.urandom(32)).decode(),
        )
        assert fine.environment == "production"


def _loaded(config: Settings) -> object:
    options = uvicorn_options(config)
    loaded = uvicorn.Config(lambda: None, factory=True, **options)
    loaded.load()
    return loaded.loaded_app


def test_forwarded_headers_are_believed_from_nobody_by_default(light: Web) -> None:
    assert uvicorn_options(light.world.settings)["proxy_headers"] is False
    assert not isinstance(_loaded(light.world.settings), ProxyHeadersMiddleware)
    trusting = light.world.settings.model_copy(update={"forwarded_allow_ips": "10.0.0.5"})
    wrapped = _loaded(trusting)
    assert isinstance(wrapped, ProxyHeadersMiddleware)
    assert uvicorn_options(trusting)["forwarded_allow_ips"] == "10.0.0.5"
    with pytest.raises(ValidationError, match="forwarded_allow_ips"):
        Settings(forwarded_allow_ips="*")  # "everyone" is what the default must not be
