"""Passkeys in a real browser: headless Chromium with the DevTools virtual authenticator
(CDP ``WebAuthn.addVirtualAuthenticator``), so the page's script, the browser's WebAuthn
and the server's checks all run as they do for a person with a security key (#16).

Registration on the account page; the passkey after the password; a sign-in with the
passkey alone; a wrong credential (a key this site never registered, planted in the
authenticator); and a removed key, still in the authenticator, refused by the server.
WebAuthn needs a host name (an IP address cannot name a site), hence ``localhost``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from tests.web.browser import CHROMIUM, FLAGS, Accessibility, Signing, fits_a_phone
from tests.web.conftest import PASSWORD, Web
from tests.web.live import engine, free_port, served  # noqa: F401 (engine is a fixture)

from facedocket.accounts.passwords import set_password
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, User

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)"),
]
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
WRONG = "The username, password or code is not right."


@pytest.fixture
def server(light: Web) -> Iterator[str]:
    with transaction(light.world.sessions) as session:
        officer = session.scalars(select(User).where(User.username == "officer")).one()
        set_password(session, officer, PASSWORD, by="operator:test", role="administrator")
    port = free_port()
    with served(light.app, port):
        yield f"http://localhost:{port}"


def foreign_credential() -> dict[str, object]:
    """A resident key for this site's name that FaceDocket never registered."""
    key = ec.generate_private_key(ec.SECP256R1())
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "credentialId": base64.b64encode(b"never-registered-credential-01").decode(),
        "isResidentCredential": True,
        "rpId": "localhost",
        "privateKey": base64.b64encode(pkcs8).decode(),
        "userHandle": base64.b64encode(b"facedocket-user-1").decode(),
        "signCount": 0,
    }


def test_passkeys_in_a_real_browser(server: str, light: Web) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    axe = Accessibility()

    def welcome(page: Page) -> None:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        axe.check(page)

    sign_out = Signing(server, axe).sign_out

    def with_password(page: Page) -> None:
        page.goto(f"{server}/login")
        axe.check(page)
        page.get_by_label("Username").fill("officer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = axe.watch(browser.new_page())
        devtools = page.context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        added = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        authenticator = added["authenticatorId"]

        # Registration, on the account page, after a password sign-in.
        with_password(page)
        welcome(page)
        page.goto(f"{server}/account")
        axe.check(page)
        page.get_by_label("Name of the new passkey").fill("laptop")
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.get_by_role("status").first).to_contain_text("The passkey was added")
        expect(page.locator("#passkeys")).to_contain_text("laptop")
        axe.check(page)
        fits_a_phone(page)
        held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(held["credentials"]) == 1 and held["credentials"][0]["rpId"] == "localhost"
        sign_out(page)

        # The password, then the passkey as the second factor.
        with_password(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm with your passkey")
        axe.check(page)
        fits_a_phone(page)
        page.get_by_role("button", name="Use my passkey").click()
        welcome(page)
        sign_out(page)

        # The passkey alone.
        page.get_by_role("button", name="Sign in with a passkey").click()
        welcome(page)
        sign_out(page)

        # A wrong credential: another browser whose authenticator holds a key for this
        # site's name that was never registered here.
        other = axe.watch(browser.new_context().new_page())
        other_tools = other.context.new_cdp_session(other)
        other_tools.send("WebAuthn.enable")
        second = other_tools.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        other_tools.send(
            "WebAuthn.addCredential",
            {"authenticatorId": second["authenticatorId"], "credential": foreign_credential()},
        )
        other.goto(f"{server}/login")
        axe.check(other)
        other.get_by_role("button", name="Sign in with a passkey").click()
        expect(other.locator("#login-error")).to_have_text(WRONG)
        axe.check(other)
        fits_a_phone(other)
        other.goto(f"{server}/account")
        expect(other.get_by_role("heading", level=1)).to_have_text("Sign in to FaceDocket")
        axe.check(other)

        # A removed key: still in the authenticator, no longer accepted.
        with_password(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm with your passkey")
        axe.check(page)
        page.get_by_role("button", name="Use my passkey").click()
        welcome(page)
        page.goto(f"{server}/account")
        axe.check(page)
        page.get_by_role("button", name="Remove laptop").click()
        expect(page.get_by_role("status").first).to_contain_text("no longer signs you in")
        axe.check(page)
        sign_out(page)
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(page.locator("#login-error")).to_have_text(WRONG)
        axe.check(page)
        browser.close()
    axe.all_checked()

    with light.world.sessions() as session:
        signed = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "account.signed_in")
        ).all()
        added_or_removed = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("account.passkey_%"))
        ).all()
    assert [entry["with"] for entry in signed] == ["password", "passkey", "passkey", "passkey"]
    assert added_or_removed == ["account.passkey_added", "account.passkey_removed"]
