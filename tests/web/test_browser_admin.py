"""An administrator's and everyone's jobs in a real browser (headless Chromium), with
axe-core over every page: the username rule the browser and the server apply alike, a new
user's forced change of the initial password, a locked name and its unlocking, the QR code
of a second factor, an enrolment followed live (and without JavaScript), and a session
that warns before the idle lock, then keeps what was typed across signing in again; each
of those pages also laid out on a 390 px phone, where nothing may scroll sideways.

Once, on SQLite (``tests.web.live``); the server's times are real, and the page's clock
is Playwright's, moved forward so that a warning due in minutes comes at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from tests.cases.conftest import GALLERY
from tests.web.browser import CHROMIUM, FLAGS, USWDS, Accessibility, fits_a_phone
from tests.web.conftest import PASSWORD, Web
from tests.web.live import engine, free_port, served  # noqa: F401 (engine is a fixture)

from facedocket.accounts.passwords import set_password
from facedocket.accounts.throttle import MAX_FAILURES_PER_NAME
from facedocket.cases.directory import AGENCY_CODE, USERNAME
from facedocket.gallery.galleries import GALLERY_NAME, get_gallery
from facedocket.store.db import transaction
from facedocket.store.schema import (
    AuditEntry,
    EnrolmentJobRow,
    EnrolmentRejection,
    User,
    WebSession,
)
from facedocket.store.schema.base import utcnow
from facedocket.web.app import create_app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)"),
]
IDLE_MINUTES = 10
NEW_PASSWORD = "my very own passphrase"
# What a form's field may hold, tried in the browser and on the server's own rule alike.
NAMES = [
    "ab", "a", "j.doe_2-x", "-ab", ".ab", "ab-", "a b", "a/b", "a\\b", "o'brien",
    "a-b", "a\u2013b", "\u0131x", "x" * 62, "x" * 63, "x" * 100, "x" * 101, "",
]  # fmt: skip
FIELDS = {"#username": USERNAME, "#agency-code": AGENCY_CODE, "#gallery-name": GALLERY_NAME}


@pytest.fixture
def server(light: Web) -> Iterator[str]:
    with transaction(light.world.sessions) as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        set_password(session, admin, PASSWORD, by="operator:test", role="administrator")
    settings = light.world.settings.model_copy(
        update={"uswds_dir": USWDS, "session_idle_minutes": IDLE_MINUTES}
    )
    app = create_app(settings, light.world.sessions, light.world.pipeline)
    port = free_port()
    with served(app, port):
        yield f"http://localhost:{port}"


def test_administration_in_a_real_browser(server: str, light: Web) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    sessions = light.world.sessions
    axe = Accessibility()
    errors: list[str] = []

    def heading(page: Page, text: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_contain_text(text)
        axe.check(page)

    def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{server}/login")
        heading(page, "Sign in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()

    def sign_out(page: Page) -> None:
        page.get_by_role("button", name="Sign out").click()
        heading(page, "Sign in to FaceDocket")

    def idle_for(username: str, minutes: float) -> None:
        """As if the user's browser had not been used for ``minutes``."""
        with transaction(sessions) as session:
            user_id = session.scalars(select(User.id).where(User.username == username)).one()
            session.execute(
                update(WebSession)
                .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                .values(last_seen_at=utcnow() - timedelta(minutes=minutes))
            )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)

        # The check itself fails where it should: an unlabelled field is a violation.
        bare = browser.new_page()
        bare.set_content("<html lang='en'><title>t</title><main><h1>t</h1><input></main></html>")
        with pytest.raises(AssertionError, match="label"):
            axe.check(bare)
        bare.close()

        page = axe.watch(browser.new_page())
        # Chromium reports an invalid pattern attribute as a console message; a refused
        # sign-in's 401 or 429 is the page working, not an error.
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if "regular expression" in m.text
                or (m.type == "error" and "Failed to load resource" not in m.text)
                else None
            ),
        )
        page.clock.install()
        sign_in(page, "admin")
        heading(page, "Welcome")
        page.goto(f"{server}/admin")
        heading(page, "Administration")

        # One rule for names: the page's pattern is the server's, valid under the v flag
        # Chromium compiles it with, and it refuses what the server refuses.
        for field, rule in FIELDS.items():
            box = page.locator(field)
            assert box.evaluate("input => { new RegExp(input.pattern, 'v'); return true }")
            browser_says = box.evaluate(
                """(input, names) => names.map(name => {
                    input.value = name; return !input.validity.patternMismatch && name !== '' })""",
                NAMES,
            )
            assert browser_says == [rule.fullmatch(n) is not None for n in NAMES], field
            box.fill("")

        # A new user, with an initial password; the browser refuses a bad name first.
        page.get_by_label("Username (lower case)").fill("-newhire")
        page.get_by_role("button", name="Add the user").click()
        assert page.locator("#username:invalid").count() == 1
        page.get_by_label("Username (lower case)").fill("newhire")
        page.locator("#full_name").fill("New Hire")
        page.locator("label[for='new-role-requester']").click()
        page.get_by_label("Initial password").fill(PASSWORD)
        page.get_by_role("button", name="Add the user").click()
        expect(page.get_by_role("status").first).to_contain_text("The user was saved")
        axe.check(page)
        expect(page.get_by_role("row", name="newhire")).to_contain_text("temporary")
        sign_out(page)

        # The new user must choose their own password before anything else.
        sign_in(page, "newhire")
        heading(page, "My account")
        expect(page.locator("#temporary-password")).to_be_visible()
        fits_a_phone(page)
        page.goto(f"{server}/requests")
        heading(page, "My account")
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        heading(page, "Sign in")
        page.get_by_label("Username").fill("newhire")
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        heading(page, "Welcome")
        sign_out(page)

        # Failed sign-ins lock the name; the administrator sees it and unlocks it.
        for _ in range(MAX_FAILURES_PER_NAME):
            page.get_by_label("Username").fill("newhire")
            page.get_by_label("Password").fill("not the password at all")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.locator("#login-error")).to_contain_text("not right")
            axe.check(page)
        sign_in(page, "newhire", NEW_PASSWORD)
        expect(page.locator("#login-error")).to_contain_text("Too many failed sign-ins")
        axe.check(page)
        sign_in(page, "admin")
        heading(page, "Welcome")
        page.goto(f"{server}/admin")
        axe.check(page)
        page.get_by_role("link", name="newhire").click()
        heading(page, "User newhire")
        expect(page.locator("#lock-status")).to_contain_text(
            f"Locked: {MAX_FAILURES_PER_NAME} recent failed sign-ins"
        )
        fits_a_phone(page)
        page.get_by_role("button", name="Unlock newhire").click()
        expect(page.get_by_role("status").first).to_contain_text("can sign in again")
        axe.check(page)
        expect(page.locator("#lock-status")).to_contain_text("Not locked")

        # A second factor's secret as a QR code, drawn by the server.
        page.goto(f"{server}/account")
        axe.check(page)
        page.get_by_role("button", name="Set up a second factor").click()
        qr = page.get_by_role("img", name="QR code of the second-factor secret")
        expect(qr).to_be_visible()
        axe.check(page)
        assert qr.evaluate("image => image.naturalWidth") > 100
        fits_a_phone(page)

        # An enrolment followed live: figures and refusals change without a reload.
        with transaction(sessions) as session:
            gallery_id = get_gallery(session, GALLERY).id
            job = EnrolmentJobRow(
                gallery=GALLERY,
                active_gallery=GALLERY,
                source="batch",
                started_by="admin",
                state="running",
                runs=1,
                run_started_at=utcnow() - timedelta(seconds=4),
                total=4,
                done=1,
            )
            session.add(job)
            session.flush()
            job_id = job.id
        page.goto(f"{server}/admin/enrolments/{job_id}")
        heading(page, f"Enrolment job {job_id}")
        assert page.locator("meta[http-equiv='refresh']").count() == 0
        expect(page.locator("#no-refusals")).to_be_visible()
        page.evaluate("window.stayed = true")
        with transaction(sessions) as session:
            session.execute(update(EnrolmentJobRow).values(done=3))
            session.add(
                EnrolmentRejection(
                    gallery_id=gallery_id,
                    sha256="0" * 64,
                    source="batch/blurred.jpg",
                    code="blur",
                    reason="the face is too blurred to compare",
                )
            )
        page.clock.fast_forward(3000)
        expect(page.locator("#job-state")).to_contain_text("3 of 4 photos")
        expect(page.locator("#job-state")).to_contain_text("photos/s")
        expect(page.locator("#job-state")).to_contain_text("left")
        expect(page.locator("#refusals")).to_contain_text(
            "batch/blurred.jpg: the face is too blurred to compare"
        )
        assert page.evaluate("window.stayed") is True
        axe.check(page)
        fits_a_phone(page)

        # Without JavaScript the same page offers a link to look again. (Not watched:
        # axe-core runs as a script; these are the pages checked above, less the script.)
        plain = browser.new_context(java_script_enabled=False).new_page()
        plain.goto(f"{server}/login")
        plain.get_by_label("Username").fill("admin")
        plain.get_by_label("Password").fill(PASSWORD)
        plain.get_by_role("button", name="Sign in", exact=True).click()
        expect(plain.get_by_role("heading", level=1)).to_contain_text("Welcome")
        plain.goto(f"{server}/admin/enrolments/{job_id}")
        plain.get_by_role("link", name="Refresh to see how far it is").click()
        expect(plain.locator("#refusals")).to_contain_text("batch/blurred.jpg")
        # (DevTools turns scripts off after the parser decided to skip <noscript>.)
        assert f"signed out after {IDLE_MINUTES} minutes without activity" in plain.content()
        plain.context.close()

        # The job ends: the page loads once more, with the end's figures.
        with transaction(sessions) as session:
            session.execute(
                update(EnrolmentJobRow).values(
                    state="finished", done=4, enrolled=3, refused=1, finished_at=utcnow()
                )
            )
        page.clock.fast_forward(3000)
        expect(page.locator("#job-state")).to_contain_text("3 enrolled, 1 refused")
        assert page.evaluate("window.stayed") is None
        axe.check(page)

        # A warning comes before the idle lock, and "stay signed in" keeps the session.
        page.goto(f"{server}/admin")
        heading(page, "Administration")
        idle_for("admin", IDLE_MINUTES - 1)
        page.clock.fast_forward((IDLE_MINUTES - 2) * 60_000 + 1000)
        warning = page.locator("#session-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("Your session ends in")
        axe.check(page)
        fits_a_phone(page)
        page.get_by_role("button", name="Stay signed in").click()
        expect(warning).to_be_hidden()

        # Typed, then idle past the lock: the form sent is kept across signing in again.
        page.locator("#agency-code").fill("transit-police")
        page.locator("#agency-name").fill("Transit Police")
        idle_for("admin", IDLE_MINUTES + 1)
        page.clock.fast_forward(IDLE_MINUTES * 60_000)
        expect(warning).to_contain_text("Your session has ended")
        page.get_by_role("button", name="Add the agency").click()
        expect(page.locator("#session-ended")).to_contain_text(
            f"signed out after {IDLE_MINUTES} minutes without activity"
        )
        heading(page, "Sign in")
        fits_a_phone(page)
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        heading(page, "Send what you were sending")
        expect(page.locator("#kept-fields")).to_contain_text("transit-police")
        fits_a_phone(page)
        page.get_by_role("button", name="Send it again").click()
        expect(page.get_by_role("status").first).to_contain_text("The agency was added")
        axe.check(page)
        expect(page.get_by_role("listitem").filter(has_text="Transit Police")).to_be_visible()
        browser.close()

    axe.all_checked()
    assert errors == [], f"the browser reported: {errors}"
    with sessions() as session:
        unlocked = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "account.unlocked")
        ).one()
    assert unlocked == {"username": "newhire", "failures_cleared": MAX_FAILURES_PER_NAME}
