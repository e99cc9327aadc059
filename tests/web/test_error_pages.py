"""Error pages keep the site's layout: the government banner, the header, the footer, and
for a signed-in person the navigation of their roles, whether the page is missing (404),
forbidden (403) or failed on the server (500); a signed-out person gets the same layout
without the navigation, and is offered the sign-in page."""

from __future__ import annotations

import httpx2 as httpx
from fastapi.testclient import TestClient
from tests.web.conftest import Web, csrf_of

from facedocket.web.deps import AnyUser


def assert_layout(answer: httpx.Response, status: int, signed_in_as: str | None) -> None:
    text = answer.text
    assert answer.status_code == status
    assert "<h1>That did not work</h1>" in text
    assert 'class="usa-banner"' in text
    assert "An official website of the United States government" in text
    assert '<header class="usa-header usa-header--basic">' in text
    assert '<footer class="usa-footer usa-footer--slim">' in text
    if signed_in_as is None:
        assert 'class="usa-nav"' not in text and "Sign out" not in text
        assert '<a href="/login">sign in</a>' in text
    else:
        assert '<nav aria-label="Main" class="usa-nav">' in text
        assert f"Sign out {signed_in_as}" in text
        assert 'href="/account"' in text


def test_a_missing_page_keeps_the_layout(light: Web) -> None:
    officer = light.browser("officer")
    assert_layout(officer.get("/no/such/page"), 404, "officer")
    missing_case = officer.get("/requests/999999")
    assert_layout(missing_case, 404, "officer")
    assert 'href="/requests/new"' in missing_case.text, "the requester's own navigation"
    assert_layout(TestClient(light.app).get("/no/such/page"), 404, None)


def test_a_forbidden_page_keeps_the_layout(light: Web) -> None:
    officer = light.browser("officer")
    refused = officer.get("/admin")
    assert_layout(refused, 403, "officer")
    assert "this needs the role of administrator" in refused.text
    assert 'href="/admin"' not in refused.text, "no link to what the officer may not open"
    # Signed out: a sign-in form that expired (no form cookie) is refused the same way.
    stale = TestClient(light.app).post(
        "/login", data={"username": "officer", "password": "x", "form_token": "stale"}
    )
    assert_layout(stale, 403, None)
    assert "The sign-in form expired" in stale.text


def test_a_server_failure_keeps_the_layout(light: Web) -> None:
    app = light.app

    @app.get("/boom-signed-in", include_in_schema=False)
    def failing_for_a_caller(me: AnyUser) -> None:
        raise RuntimeError("secret internals")

    @app.get("/boom", include_in_schema=False)
    def failing() -> None:
        raise RuntimeError("secret internals")

    examiner = light.browser("examiner")
    failed = examiner.get("/boom-signed-in")
    assert_layout(failed, 500, "examiner")
    assert "Something went wrong" in failed.text and "secret internals" not in failed.text
    assert 'href="/requests"' in failed.text
    # The caller was identified before the failure; an unknown page failing is shown to
    # them without asking the database who they are.
    assert_layout(examiner.get("/boom"), 500, None)
    assert_layout(TestClient(app).get("/boom"), 500, None)


def test_a_refused_form_says_what_to_do_in_words_not_the_forms_names(light: Web) -> None:
    admin = light.browser("admin")
    token = csrf_of(admin.get("/admin"))
    no_role = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "newhire",
            "full_name": "New Hire",
            "agency_code": "state-police",
            "password": "a long enough password",
        },
    )
    assert_layout(no_role, 422, "admin")
    assert "Roles: Choose at least one role." in no_role.text
    no_name = admin.post("/admin/agencies", data={"csrf_token": token, "code": "transit"})
    assert "Name: Fill this in." in no_name.text
    days = admin.post("/account/tokens", data={"csrf_token": token, "name": "x", "days": "0"})
    assert "Days: Enter 1 or more." in days.text
    scope = admin.post("/account/tokens", data={"csrf_token": token, "name": "x", "scope": "all"})
    assert "Scope: Choose one of the options listed." in scope.text
    password = admin.post("/account/password", data={"csrf_token": token, "current": "x"})
    assert "New password: Fill this in." in password.text
    for answer in (no_role, no_name, days, scope, password):
        assert "Field required" not in answer.text and "Input should" not in answer.text
        assert "full_name" not in answer.text and "roles:" not in answer.text
