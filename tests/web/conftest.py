"""The web service over the workflow tests' world: the same agencies, staff, gallery and
clock, plus an administrator, a client, and an API token for every user."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cases.conftest import (  # noqa: F401 (pipeline and world are fixtures)
    GALLERY,
    STAFF,
    Clock,
    World,
    add_staff,
    order_pdf,
    pipeline,
    world,
)
from tests.people import add_admin

from facedocket.accounts import passwords
from facedocket.accounts.passwords import set_password
from facedocket.accounts.tokens import create_token
from facedocket.faces.pipeline import FacePipeline
from facedocket.gallery.galleries import ensure_gallery
from facedocket.kernel import clock
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import ApiToken, User, WebSession
from facedocket.store.schema.base import utcnow
from facedocket.web.app import create_app

PASSWORD = "a long test passphrase"


@dataclass
class Web:
    """The app on the world's database, and a way to call it as any user."""

    world: World
    app: FastAPI
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            with transaction(self.world.sessions) as session:
                user = session.scalars(select(User).where(User.username == username)).one()
                self.tokens[username], _ = create_token(session, user, "tests", utcnow())
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def call(self, username: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(username), **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def browser(self, username: str) -> TestClient:
        """A client signed in through the login form, as a person would be."""
        with transaction(self.world.sessions) as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            set_password(session, user, PASSWORD, by="operator:test", role="administrator")
        client = TestClient(self.app)
        sign_in(client, username, PASSWORD)
        return client

    def request_form(self, **basis: Any) -> dict[str, Any]:
        """The request as sent: the policy's optional grounds only where the form set them
        (a page form posts them as fields of their own)."""
        data = self.world.form(**basis)
        grounds = {"purpose", "statements"} - data.model_fields_set
        return json.loads(data.model_dump_json(exclude=grounds))

    def create(
        self, username: str = "officer", submit: bool = True, **basis: Any
    ) -> httpx.Response:
        """Write a request over the API with a real probe (and an order when it needs one)."""
        form = self.request_form(**basis)
        files: dict[str, Any] = {
            "probe": ("probe.jpg", self.world.photo("Abdullah_Gul", 2).read_bytes(), "image/jpeg")
        }
        if form["basis"]["kind"] in ("court_order", "warrant"):
            files["order"] = ("order.pdf", order_pdf().content, "application/pdf")
        data = {"form": json.dumps(form), "probe_source": "Store camera", "submit": str(submit)}
        return self.call(username, "POST", "/api/v1/requests", data=data, files=files)


def login_token(client: TestClient) -> str:
    """The sign-in form's token, with the cookie it is bound to set on ``client``."""
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    return token[1]


def sign_in(client: TestClient, username: str, password: str, code: str = "") -> httpx.Response:
    token = login_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "code": code, "form_token": token},
        follow_redirects=False,
    )


def sent_after_the_idle_lock(web: Web, client: TestClient) -> httpx.Response:
    """``client``'s session locked for idleness, then a form of its account page sent (a
    new API token, "case system"): the sign-in page that answers, with the form kept."""
    form = csrf_of(client.get("/account"))
    idle = timedelta(minutes=web.world.settings.session_idle_minutes + 1)
    with transaction(web.world.sessions) as session:
        for row in session.scalars(select(WebSession)):
            row.last_seen_at -= idle
    sent = client.post("/account/tokens", data={"csrf_token": form, "name": "case system"})
    assert sent.status_code == 401 and "What you were sending is kept" in sent.text
    return sent


def kept_of(page: httpx.Response) -> str:
    """The kept form a sign-in page carries, as its form sends it (each of its forms
    carries the same)."""
    found = set(re.findall(r'name="kept" value="([^"]+)"', page.text))
    assert len(found) == 1, found
    return html.unescape(found.pop())


def sent_again(web: Web, client: TestClient, again: httpx.Response) -> None:
    """The page after signing in shows the kept form and sends it with the new session's
    CSRF token: the token "case system" is made."""
    assert again.status_code == 200, again.text
    assert "Send what you were sending" in again.text and "case system" in again.text
    resent = client.post(
        "/account/tokens", data={"csrf_token": csrf_of(again), "name": "case system"}
    )
    assert resent.status_code == 200
    with web.world.sessions() as session:
        names = session.scalars(select(ApiToken.name).where(ApiToken.name == "case system"))
        assert list(names) == ["case system"]


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, "the page has no form with a CSRF token"
    return found[1]


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes about half a second per hash on two cores;
    the tests check the logic, so they hash cheaply (the format stays Argon2id)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", cheap)


@pytest.fixture
def web(world: World, tmp_path: Path) -> Iterator[Web]:  # noqa: F811
    """The web service over the world with its enrolled gallery (searches work)."""
    yield from serve(world, tmp_path)


@pytest.fixture
def light(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    faces: Path,
    pipeline: FacePipeline,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Web]:
    """The same people and an empty gallery, without enrolment: for what never searches."""
    fake_time = Clock()
    monkeypatch.setattr(clock, "now", fake_time)
    with transaction(sessions) as session:
        add_staff(session)
        ensure_gallery(session, GALLERY)
    settings = Settings(data_dir=tmp_path / "data")
    yield from serve(World(settings, sessions, pipeline, faces, fake_time), tmp_path)


def serve(base: World, tmp_path: Path) -> Iterator[Web]:
    """The app over ``base``, with an administrator ``admin`` (unless a pack's world made one)."""
    with transaction(base.sessions) as session:
        add_admin(session)
    base.settings = base.settings.model_copy(
        update={
            "uswds_dir": tmp_path / "no-uswds",
            "workers": 1,
            "enrolment_dir": tmp_path / "imports",
        }
    )
    app = create_app(base.settings, base.sessions, base.pipeline)
    with TestClient(app) as client:
        yield Web(base, app, client)
