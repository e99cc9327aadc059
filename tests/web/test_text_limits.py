"""Text longer than its column, and control characters, are clear 422s naming the field
and its limit, on the API and the pages alike: never a server error (PostgreSQL) and never
stored whole (SQLite). The limits are ``facedocket.limits``, the columns' own widths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import String, select
from tests.cases.conftest import order_pdf
from tests.web.conftest import Web, csrf_of, sign_in

from facedocket import limits
from facedocket.store.schema import (
    ApiToken,
    Gallery,
    LegalBasis,
    LoginAttempt,
    SearchRequest,
    User,
)


def _create(light: Web, **changes: Any) -> Any:
    """A request over the API, with fields of the form (or of its basis) changed."""
    form = light.request_form()
    for name, value in changes.items():
        (form["basis"] if name in form["basis"] else form)[name] = value
    files = {
        "probe": ("probe.jpg", light.world.photo("Abdullah_Gul", 2).read_bytes(), "image/jpeg"),
        "order": ("order.pdf", order_pdf().content, "application/pdf"),
    }
    data = {"form": json.dumps(form), "probe_source": "Store camera", "submit": "false"}
    return light.call("officer", "POST", "/api/v1/requests", data=data, files=files)


def test_each_limit_is_its_columns_width() -> None:
    widths = {
        (SearchRequest, "case_number"): limits.CASE_NUMBER,
        (LegalBasis, "docket_number"): limits.DOCKET_NUMBER,
        (LegalBasis, "court"): limits.COURT,
        (LegalBasis, "judge"): limits.JUDGE,
        (ApiToken, "name"): limits.TOKEN_NAME,
        (User, "username"): limits.USERNAME,
        (User, "full_name"): limits.FULL_NAME,
        (Gallery, "name"): limits.GALLERY_NAME,
    }
    for (table, column), limit in widths.items():
        kind = table.__table__.c[column].type
        assert isinstance(kind, String) and kind.length == limit, f"{table.__name__}.{column}"


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("case_number", limits.CASE_NUMBER),
        ("docket_number", limits.DOCKET_NUMBER),
        ("court", limits.COURT),
        ("judge", limits.JUDGE),
    ],
)
def test_a_request_field_one_over_its_limit_is_a_422_naming_it(
    light: Web, field: str, limit: int
) -> None:
    refused = _create(light, **{field: "9" * (limit + 1)})
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"][-1] == field and str(limit) in problem["msg"]
    with light.world.sessions() as session:
        assert session.scalars(select(SearchRequest)).all() == [], "nothing was written"
    at_the_limit = _create(light, **{field: "9" * limit})
    assert at_the_limit.status_code == 201, at_the_limit.text


def test_long_names_are_refused_on_the_pages_too(light: Web) -> None:
    admin = light.browser("admin")
    page = admin.get("/admin")
    user = {
        "csrf_token": csrf_of(page),
        "username": "det.long",
        "full_name": "F" * (limits.FULL_NAME + 1),
        "agency_code": "bpd",
        "roles": ["requester"],
        "password": "a page-made password",
    }
    long_name = admin.post("/admin/users", data=user)
    assert long_name.status_code == 422
    assert "full_name" in long_name.text and str(limits.FULL_NAME) in long_name.text
    long_username = admin.post(
        "/admin/users", data=user | {"username": "d" * 101, "full_name": "D"}
    )
    assert long_username.status_code == 422 and "username" in long_username.text
    gallery = admin.post(
        "/admin/galleries",
        data={"csrf_token": csrf_of(page), "name": "g" * (limits.GALLERY_NAME + 1)},
    )
    assert gallery.status_code == 422 and str(limits.GALLERY_NAME) in gallery.text
    with light.world.sessions() as session:
        names = set(session.scalars(select(User.username)))
        assert "det.long" not in names and not any(n.startswith("ddd") for n in names)
        assert session.scalars(select(Gallery.name)).all() == ["rmv"]


def test_token_names_over_the_limit_are_refused_everywhere(light: Web) -> None:
    long = "t" * (limits.TOKEN_NAME + 1)
    api = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": long})
    assert api.status_code == 422 and str(limits.TOKEN_NAME) in api.json()["detail"][0]["msg"]
    browser = light.browser("officer")
    account = browser.get("/account")
    page = browser.post("/account/tokens", data={"csrf_token": csrf_of(account), "name": long})
    assert page.status_code == 422 and str(limits.TOKEN_NAME) in page.text
    fits = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": long[:-1]})
    assert fits.status_code == 201
    with light.world.sessions() as session:
        assert long not in set(session.scalars(select(ApiToken.name)))


@pytest.mark.parametrize(
    "name", ["officer\x00", "\x00", "off\x00icer", "o\x1b[2J", "\u202eofficer"]
)
def test_a_control_character_in_the_sign_in_name_is_a_plain_refusal(light: Web, name: str) -> None:
    light.browser("officer")
    answer = sign_in(light.client, name, "not the password")
    assert answer.status_code == 401, answer.text
    assert "The username, password or code is not right." in answer.text
    with light.world.sessions() as session:
        recorded = session.scalars(
            select(LoginAttempt.username).where(LoginAttempt.succeeded.is_(False))
        ).all()
    assert len(recorded) == 1 and "\x00" not in recorded[0], "counted, and storable"
