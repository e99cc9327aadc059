"""A setting makes a second factor mandatory per role; in production, for every role that
sees faces or cases. Someone without one may sign in only to set one up (#16)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in
from tests.web.test_security import production_settings

from facedocket.settings import Settings
from facedocket.web.app import create_app


@pytest.fixture
def strict(light: Web) -> Iterator[Web]:
    """The same world, served with a second factor required of requesters."""
    settings = light.world.settings.model_copy(update={"second_factor_roles": "requester"})
    app = create_app(settings, light.world.sessions, light.world.pipeline)
    with TestClient(app) as client:
        yield Web(light.world, app, client, light.tokens)


def test_without_a_second_factor_a_requester_may_only_set_one_up(strict: Web) -> None:
    browser = strict.browser("officer")
    home = browser.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/account?done=second_factor"
    account = browser.get("/account")
    assert account.status_code == 200 and 'id="needs-second-factor"' in account.text
    assert browser.get("/requests", follow_redirects=False).status_code == 303
    made = browser.post(
        "/account/tokens",
        data={"csrf_token": csrf_of(account), "name": "escape"},
        follow_redirects=False,
    )
    assert made.status_code == 303, "no token to get around the rule"
    api = strict.call("officer", "GET", "/api/v1/requests")
    assert api.status_code == 403 and api.json()["detail"]["code"] == "second_factor_required"
    assert strict.call("officer", "GET", "/api/v1/me").status_code == 200

    started = browser.post("/account/totp", data={"csrf_token": csrf_of(account)})
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert found is not None
    totp = pyotp.TOTP(found[1])
    confirmed = browser.post(
        "/account/totp/confirm",
        data={"csrf_token": csrf_of(started), "code": totp.now()},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert browser.get("/", follow_redirects=False).status_code == 200
    assert strict.call("officer", "GET", "/api/v1/requests").status_code == 200

    fresh = TestClient(strict.app)
    assert sign_in(fresh, "officer", PASSWORD).status_code == 401, "now the code is needed"
    code = totp.at(time.time() + 30)
    assert sign_in(fresh, "officer", PASSWORD, code).status_code == 303


def test_roles_the_setting_does_not_name_work_without_one(strict: Web) -> None:
    assert strict.browser("examiner").get("/", follow_redirects=False).status_code == 200
    assert strict.call("examiner", "GET", "/api/v1/requests").status_code == 200


def test_production_needs_it_for_every_role_that_sees_faces_or_cases() -> None:
    assert production_settings().mandatory_second_factor >= {
        "requester",
        "intake_reviewer",
        "examiner",
        "supervisor",
        "auditor",
    }
    with pytest.raises(ValidationError, match="second factor for every role"):
        production_settings(second_factor_roles="examiner,supervisor")
    assert Settings().mandatory_second_factor == frozenset(), "development asks none"
    with pytest.raises(ValidationError, match="no such role: sheriff"):
        Settings(second_factor_roles="examiner, sheriff")


def test_production_locks_an_idle_session_within_thirty_minutes() -> None:
    assert production_settings().session_idle_minutes == 30
    with pytest.raises(ValidationError, match="SESSION_IDLE_MINUTES of at most 30"):
        production_settings(session_idle_minutes="31")
