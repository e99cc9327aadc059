"""Single sign-on against a real OpenID provider (oidc-provider from npm, on loopback):
in headless Chromium, a mapped sign-in, roles following the mappings at each sign-in
(each change on the record), a refused unmapped account, an account disabled at the
provider and one deactivated here, a replayed callback, our pages on the way checked by
axe-core and on a 390 px phone; over HTTP, a wrong or missing ``state``; and ID tokens
signed with the provider's own key but expired, tampered with, for another nonce,
audience or issuer, or signed by another key (#16)."""

from __future__ import annotations

import base64
import html
import json
import random
import re
import string
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.browser import CHROMIUM, FLAGS, Accessibility, fits_a_phone
from tests.web.conftest import Web, kept_of, sent_after_the_idle_lock
from tests.web.idp import Idp, idp, provider_of  # noqa: F401 (idp is a fixture)
from tests.web.live import engine, served  # noqa: F401 (engine is a fixture)

from facedocket.accounts import oidc
from facedocket.kernel.refusals import Refused
from facedocket.store.db import transaction
from facedocket.store.schema import ApiToken, AuditEntry, FederatedIdentity, User, WebSession
from facedocket.store.schema.base import utcnow
from facedocket.web.app import create_app
from facedocket.web.kept import loads, unpacked

pytestmark = pytest.mark.slow


@pytest.fixture
def sso(light: Web, idp: Idp) -> Iterator[Web]:  # noqa: F811
    """The service with the provider configured, served on the port its client names."""
    settings = light.world.settings.model_copy(
        update={"oidc_providers": [provider_of(idp)], "public_url": f"http://localhost:{idp.port}"}
    )
    app = create_app(settings, light.world.sessions, light.world.pipeline)
    with served(app, idp.port), TestClient(app) as client:
        yield Web(light.world, app, client, light.tokens)


def mapping(sso: Web, role: str) -> int:
    body = {
        "provider": "test",
        "value": "frt-examiners",
        "role": role,
        "agency_code": "state-police",
    }
    made = sso.call("admin", "POST", "/api/v1/oidc/mappings", json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def roles_of(sso: Web, username: str) -> list[str] | None:
    with sso.world.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        return sorted(user.roles) if user else None


def entries(sso: Web, action: str) -> list[AuditEntry]:
    with sso.world.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)")
def test_sign_on_in_a_real_browser(sso: Web, idp: Idp) -> None:  # noqa: F811
    from playwright.sync_api import Browser, Page, expect, sync_playwright

    site = f"http://localhost:{idp.port}"
    callbacks: list[str] = []
    # Our own pages on the way, not the provider's (its pages are not ours to check).
    axe = Accessibility()

    def ours(page: Page) -> None:
        axe.check(page)
        fits_a_phone(page)

    def sign_on(browser: Browser, login: str) -> Page:
        page = browser.new_context().new_page()
        page.on("request", lambda r: callbacks.append(r.url) if "/callback?" in r.url else None)
        page.goto(f"{site}/login")
        ours(page)
        page.get_by_role("link", name="Sign in with Test IdP").click()
        provider_login(page, login)
        return page

    def welcomed(page: Page) -> None:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    def provider_login(page: Page, login: str) -> None:
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("anything: the test provider's login")
        page.locator("button[type=submit]").click()
        consent = page.get_by_role("button", name="Continue")
        if page.url.startswith(idp.issuer) and consent.count():
            consent.click()

    def refused(page: Page, words: str) -> None:
        expect(page.locator("#login-error")).to_contain_text(words)

    examiner = mapping(sso, "examiner")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)

        alices = sign_on(browser, "alice")
        welcomed(alices)
        assert roles_of(sso, "alice") == ["examiner"]
        [made] = entries(sso, "user.created")[-1:]
        assert made.actor == "oidc:test"

        # A form sent after the idle lock survives signing on again through the provider.
        alices.goto(f"{site}/account")
        with transaction(sso.world.sessions) as session:
            for row in session.scalars(select(WebSession)):
                row.last_seen_at -= timedelta(minutes=sso.world.settings.session_idle_minutes + 1)
        alices.locator("#token-name").fill("case system")
        alices.get_by_role("button", name="Create a token").click()
        expect(alices.locator("#session-ended")).to_contain_text("What you were sending is kept")
        ours(alices)
        # The page of ours on the way to the provider, held there (the provider's address
        # refused once) to be checked; its link goes on.
        provider = f"{idp.issuer}/**"
        alices.route(provider, lambda route: route.abort("aborted"))
        alices.get_by_role("button", name="Sign in with Test IdP").click()
        expect(alices.get_by_role("heading", level=1)).to_have_text("To your agency's sign-in")
        ours(alices)
        alices.unroute(provider)
        alices.get_by_role("link", name="Continue to your agency's sign-in").click()
        alices.wait_for_load_state("networkidle")
        if alices.url.startswith(idp.issuer):  # the provider may still know her
            provider_login(alices, "alice")
        expect(alices.get_by_role("heading", level=1)).to_contain_text("Send what you were")
        expect(alices.locator("#kept-fields")).to_contain_text("case system")
        ours(alices)
        alices.get_by_role("button", name="Send it again").click()
        expect(alices.locator("#new-token")).to_be_visible()
        ours(alices)
        with sso.world.sessions() as session:
            made_by = session.scalars(
                select(User.username).join(ApiToken).where(ApiToken.name == "case system")
            )
            assert list(made_by) == ["alice"]

        # A replayed callback (its code spent, its cookie gone) signs nobody in.
        replay = browser.new_context().new_page()
        replay.goto(callbacks[-1])
        refused(replay, "did not start here")
        ours(replay)

        # Roles follow the mappings at each sign-in, each change on the record.
        supervisor = mapping(sso, "supervisor")
        welcomed(sign_on(browser, "alice"))
        assert roles_of(sso, "alice") == ["examiner", "supervisor"]
        removed = sso.call("admin", "DELETE", f"/api/v1/oidc/mappings/{examiner}")
        assert removed.status_code == 204
        welcomed(sign_on(browser, "alice"))
        assert roles_of(sso, "alice") == ["supervisor"]
        updates = [e for e in entries(sso, "user.updated") if e.actor == "oidc:test"]
        assert len(updates) == 2

        # No mapping, no role: refused, and nobody is made.
        refused(sign_on(browser, "bob"), "no mapping gives this account a role")
        assert roles_of(sso, "bob") is None

        # Disabled at the provider: the provider stops her there, with an error of its own.
        carol = sign_on(browser, "carol")
        expect(carol.locator("body")).to_contain_text("error")
        assert carol.url.startswith(idp.issuer) and roles_of(sso, "carol") is None

        # Deactivated here: the provider's word is not enough.
        with sso.world.sessions() as session:
            alice = session.scalars(select(User.id).where(User.username == "alice")).one()
        sso.call("admin", "PATCH", f"/api/v1/users/{alice}", json={"active": False})
        refused(sign_on(browser, "alice"), "deactivated")
        browser.close()
    # Every refusal above is on the record with its reason: the replay, bob, alice.
    said = [" ".join(e.details["reasons"]) for e in entries(sso, "account.sign_in_refused")]
    assert len(said) == 3 and "did not start here" in said[0]
    assert "no mapping" in said[1] and "deactivated" in said[2]
    codes = [e.details["code"] for e in entries(sso, "account.sign_in_refused")]
    assert codes == ["oidc_state", "no_mapping", "disabled"]
    assert supervisor > examiner
    with sso.world.sessions() as session:
        assert session.scalars(select(FederatedIdentity.subject)).all() == ["alice"]


def test_the_callback_refuses_a_wrong_missing_or_forged_state(sso: Web) -> None:
    client = sso.client
    started = client.get("/login/oidc/test?next=/account", follow_redirects=False)
    assert (
        started.status_code == 303 and "code_challenge_method=S256" in started.headers["location"]
    )
    assert "nonce=" in started.headers["location"]
    state = started.headers["location"].split("state=")[1].split("&")[0]
    wrong = client.get("/login/oidc/test/callback", params={"state": "x" + state, "code": "c"})
    assert wrong.status_code == 401 and "did not start here" in wrong.text
    stranger = TestClient(sso.app)
    missing = stranger.get("/login/oidc/test/callback", params={"state": state, "code": "c"})
    assert missing.status_code == 401
    body, _, mac = (client.cookies.get("facedocket_oidc") or "").strip('"').partition(".")
    forged_values = json.loads(base64.urlsafe_b64decode(body)) | {"state": "mine"}
    forged = base64.urlsafe_b64encode(json.dumps(forged_values).encode()).decode()
    stranger.cookies.set("facedocket_oidc", f"{forged}.{mac}", path="/login/oidc")
    answer = stranger.get("/login/oidc/test/callback", params={"state": "mine", "code": "c"})
    assert answer.status_code == 401
    denied = client.get("/login/oidc/test/callback", params={"error": "access_denied"})
    assert denied.status_code == 401
    assert client.get("/login/oidc/nowhere", follow_redirects=False).status_code == 404
    assert entries(sso, "account.signed_in") == []
    # Each refused sign-on is on the record, under the provider, with its reason.
    refused = entries(sso, "account.sign_in_refused")
    assert [(e.actor, e.subject_type, e.subject_id) for e in refused] == [
        ("anonymous", "identity provider", "test")
    ] * 4
    reasons = [" ".join(e.details["reasons"]) for e in refused]
    assert "did not start here" in reasons[0]
    assert reasons[-1] == "the identity provider did not sign you in"
    assert all(e.details["remote"] for e in refused)
    assert [e.details["code"] for e in refused] == ["oidc_state"] * 3 + ["oidc"]


def mint(idp: Idp, claims: dict[str, Any], key: Any = None) -> str:  # noqa: F811
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    signer = key or RSAKey.import_key(idp.private_jwk)
    return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, signer)


def test_id_tokens_are_believed_only_when_every_check_passes(
    sso: Web,
    idp: Idp,  # noqa: F811
) -> None:
    from joserfc.jwk import RSAKey

    provider, now = provider_of(idp), int(time.time())
    good = {
        "iss": idp.issuer,
        "aud": "facedocket",
        "sub": "alice",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "groups": ["frt-examiners"],
    }
    assert oidc.id_token_claims(provider, mint(idp, good), "n-1", utcnow())["sub"] == "alice"
    header, payload, signature = mint(idp, good).split(".")
    raised = (
        base64.urlsafe_b64encode(json.dumps(good | {"groups": ["frt-admins"]}).encode())
        .decode()
        .rstrip("=")
    )
    bad = {
        "expired": mint(idp, good | {"iat": now - 900, "exp": now - 600}),
        "tampered": f"{header}.{raised}.{signature}",
        "another nonce": mint(idp, good | {"nonce": "n-2"}),
        "no nonce": mint(idp, {k: v for k, v in good.items() if k != "nonce"}),
        "another audience": mint(idp, good | {"aud": "someone-else"}),
        "another issuer": mint(idp, good | {"iss": "http://127.0.0.1:1"}),
        "another key": mint(idp, good, RSAKey.generate_key(2048, parameters={"kid": "test-key"})),
        "unsigned": base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
        + f".{payload}.",
    }
    for token in bad.values():
        with pytest.raises(Refused, match="the ID token is not valid"):
            oidc.id_token_claims(provider, token, "n-1", utcnow())


def test_only_an_administrator_maps_claims(sso: Web) -> None:
    body = {"provider": "test", "value": "x", "role": "examiner", "agency_code": "state-police"}
    for who in ("officer", "auditor", "examiner"):
        assert sso.call(who, "POST", "/api/v1/oidc/mappings", json=body).status_code == 403
        assert sso.call(who, "GET", "/api/v1/oidc/mappings").status_code == 403
    assert sso.client.post("/api/v1/oidc/mappings", json=body).status_code == 401
    unknown = sso.call(
        "admin", "POST", "/api/v1/oidc/mappings", json=body | {"agency_code": "nope"}
    )
    assert unknown.status_code == 422
    assert sso.call("admin", "POST", "/api/v1/oidc/mappings", json=body).status_code == 201
    twice = sso.call("admin", "POST", "/api/v1/oidc/mappings", json=body)
    assert twice.status_code == 409
    assert sso.call("admin", "DELETE", "/api/v1/oidc/mappings/999").status_code == 404
    [added] = entries(sso, "oidc.mapping_added")
    assert added.details["value"] == "x" and added.actor == "admin"


def test_a_kept_form_goes_to_the_provider_sealed_never_in_an_address(
    sso: Web,
    idp: Idp,  # noqa: F811
) -> None:
    client = sso.browser("officer")
    sent = sent_after_the_idle_lock(sso, client)
    assert 'action="/login/oidc/test"' in sent.text, "the way to the provider carries it"
    kept = kept_of(sent)
    token = re.findall(r'name="form_token" value="([^"]+)"', sent.text)[0]
    form = {"form_token": token, "next": "/account/tokens", "kept": kept}
    stale = client.post("/login/oidc/test", data=form | {"form_token": "stale"})
    assert stale.status_code == 403 and "The sign-in form expired" in stale.text
    started = client.post("/login/oidc/test", data=form, follow_redirects=False)
    assert started.status_code == 200, "a page of ours moves on: the CSP's form-action"
    where = html.unescape(re.findall(r'id="sign-on" href="([^"]+)"', started.text)[0])
    assert where.startswith(idp.issuer) and "case" not in where.lower()
    cookie = (client.cookies.get("facedocket_oidc") or "").strip('"')
    sealed = oidc.unseal(sso.app.state.services.form_key, cookie)
    assert sealed is not None and sealed["next"] == "/account/tokens"
    assert unpacked(sealed["carried"]) == loads(kept)

    # A form too long for the cookie is not dropped unsaid: the page says so, keeps it,
    # and offers the other ways to sign in.
    noise = "".join(random.choices(string.ascii_letters, k=6000))
    huge = loads(kept)
    assert huge is not None
    long_form = json.dumps({"fields": [*huge.fields, ("note", noise)], "files": []})
    too_long = client.post("/login/oidc/test", data=form | {"kept": long_form})
    assert too_long.status_code == 413
    assert "too long to carry through your agency" in too_long.text
    assert noise in kept_of(too_long)
