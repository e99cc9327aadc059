"""The whole legal path in a real browser (headless Chromium driven by Playwright):
the requester submits, intake approves, the examiner searches and reviews each candidate,
a second examiner reviews them blind (the sheet then says the reviews agree), the first
concludes, the requester reads the lead, the auditor verifies the record.

It runs once, on SQLite (this module's ``engine`` replaces the shared one), against a
real uvicorn server on a free local port. Debian's ``chromium`` is used as installed
(``make browser``); Playwright never downloads a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.cases.conftest import World, order_pdf
from tests.people import add_admin
from tests.web.browser import CHROMIUM, FLAGS, PHONE, USWDS, Accessibility, Signing, fits_a_phone
from tests.web.conftest import PASSWORD
from tests.web.live import engine, free_port, served  # noqa: F401 (engine is a fixture)

from facedocket.accounts.passwords import set_password
from facedocket.cases.review import LEAD_NOTICE
from facedocket.store.db import transaction
from facedocket.store.schema import User
from facedocket.web.app import create_app

# For a reviewer to look at after a run (build/ is not committed).
SCREENSHOTS = Path("build/screenshots").resolve()
# How many lines of text each element matching a selector takes.
LINES = """selector => [...document.querySelectorAll(selector)].map(e => {
  const style = getComputedStyle(e), px = name => parseFloat(style[name]) || 0;
  const text = e.getBoundingClientRect().height - px('paddingTop') - px('paddingBottom')
    - px('borderTopWidth') - px('borderBottomWidth');
  return Math.round(text / px('lineHeight')) })"""
# Every page each role reaches on the path, its main page first; the home page last.
PHONE_PAGES = {
    "officer": [
        "/requests",
        "/requests/new",
        "/requests/{number}",
        "/requests/{number}/results",
        "/requests/{number}/lead-sheet",
        "/requests/999999",
        "/",
    ],
    "intake": ["/requests?state=submitted", "/requests/{number}", "/"],
    "examiner": ["/requests/{number}/review", "/requests/{number}", "/"],
    "supervisor": ["/supervision", "/requests/{number}/review", "/"],
    "auditor": [
        "/record",
        "/record?subject_type=request&subject_id={number}",
        "/record/verify",
        "/reports",
        "/supervision",
        "/",
    ],
    "admin": ["/admin", "/admin/users/{user}", "/admin/policies/massachusetts", "/account", "/"],
}
# Signed out: the sign-in page, and an error page without the navigation.
PHONE_SIGNED_OUT = ["/login", "/no/such/page"]


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)"),
]


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[str]:
    with transaction(world.sessions) as session:
        add_admin(session)
        for user in session.query(User):
            set_password(session, user, PASSWORD, by="operator:test", role="administrator")
    settings = world.settings.model_copy(update={"uswds_dir": USWDS})
    world.settings = settings
    app = create_app(settings, world.sessions, world.pipeline)
    port = free_port()
    with served(app, port):
        yield f"http://127.0.0.1:{port}"


def test_the_legal_path_in_a_real_browser(server: str, world: World, tmp_path: Path) -> None:
    from playwright.sync_api import ConsoleMessage, Locator, Page, expect, sync_playwright

    order = tmp_path / "order.pdf"
    order.write_bytes(order_pdf().content)
    errors: list[str] = []
    axe = Accessibility()

    def sign_in(page: Page, username: str) -> None:
        """With the keyboard only: the form must work without a mouse."""
        page.goto(f"{server}/login")
        axe.check(page)
        # The username field takes the focus by itself; on a busy machine, after the page loads.
        expect(page.locator("#username")).to_be_focused()
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        axe.check(page)
        signing_out = page.get_by_role("button", name="Sign out")
        if signing_out.is_visible():  # on a phone it is in the folded menu
            banner, button = page.locator(".usa-banner").bounding_box(), signing_out.bounding_box()
            assert banner and button and button["y"] >= banner["y"] + banner["height"], (
                "the header's sign-out button sits below the government banner, not over it"
            )
            lines = page.evaluate(LINES, ".usa-nav__primary span, .usa-nav form button")
            assert set(lines) == {1}, f"every link of {username}'s header on one line: {lines}"

    def screenshot(page: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def choose(scope: Page | Locator, label: str) -> None:
        """Click a radio's label, as a person does: USWDS draws the label as the control."""
        scope.locator("label", has_text=label).click()
        assert scope.get_by_label(label).is_checked()

    sign_out = Signing(server, axe).sign_out

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = axe.watch(browser.new_page())

        # An error, or Chromium's word that a form's pattern is no valid regular expression
        # (a warning: the field then checks nothing), on any page either browser tab loads.
        # The phone's walk opens two pages that are missing on purpose.
        def report(message: ConsoleMessage) -> None:
            missing = "status of 404" in message.text and message.location["url"].endswith(
                ("/requests/999999", "/no/such/page")
            )
            if (message.type == "error" and not missing) or "regular expression" in message.text:
                errors.append(message.text)

        page.on("console", report)

        # The requester writes and submits a court-ordered request.
        sign_in(page, "officer")
        page.get_by_role("link", name="Write a request").first.click()
        axe.check(page)
        at = world.clock.at
        page.get_by_label("Case number").fill("BPD-2026-900")
        page.locator("#offence").fill("Armed robbery")
        page.get_by_label("Narrative").fill("A store was robbed at gunpoint; the camera shows him.")
        # USWDS turns file inputs into a drop zone; the input itself still takes the file.
        page.locator("#probe").set_input_files(str(world.photo("Abdullah_Gul", 2)))
        page.get_by_label("Where the photo came from").fill("Store camera, still frame")
        choose(page, "court order")
        page.locator("#court").fill("Suffolk Superior Court")
        page.get_by_label("Docket number").fill("2684CR000900")
        page.get_by_label("Judge").fill("Hon. J. Example")
        page.get_by_label("Date issued").fill((at - timedelta(days=1)).date().isoformat())
        page.get_by_label("Expires").fill((at + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("Scope of the order").fill("One search of the RMV gallery.")
        page.locator("#order").set_input_files(str(order))
        page.get_by_role("button", name="Submit the request").click()
        expect(page.locator("#state")).to_have_text("submitted")
        axe.check(page)
        number = page.url.split("/requests/")[1].split("?")[0]
        sign_out(page)

        # Intake reads the order beside the request and approves.
        sign_in(page, "intake")
        page.goto(f"{server}/requests?state=submitted")
        axe.check(page)
        page.get_by_role("link", name=f"Request {number}").click()
        expect(page.locator("iframe[title='The signed order']")).to_be_visible()
        axe.check(page)
        screenshot(page, "intake")
        page.get_by_label("Why the basis covers this request").fill(
            "The order names this still image and an RMV search; it is in force."
        )
        page.get_by_role("button", name="Approve for search").click()
        expect(page.locator("#state")).to_have_text("approved")
        axe.check(page)
        sign_out(page)

        # The examiner searches, compares the probe with each candidate, concludes.
        sign_in(page, "examiner")
        page.goto(f"{server}/requests/{number}")
        axe.check(page)
        page.get_by_role("button", name="Run the search").click()
        expect(page.get_by_role("status")).to_contain_text("review every candidate")
        axe.check(page)
        screenshot(page, "examiner")
        # Both photos of a candidate zoom together, each around its own face, and show at
        # full size side by side, scrolling in their row while the page fits a phone.
        first = page.locator("section", has=page.locator("form[action$='/review']")).first
        photos = first.locator(".face-pair svg.face-photo")
        full_widths = [
            float(w) for w in photos.evaluate_all("ps => ps.map(p => p.width.baseVal.value)")
        ]
        zoom = first.get_by_label("Zoom both photos in on their faces")
        zoom.fill("4")
        expect(zoom).to_have_value("4")
        shown = photos.evaluate_all("ps => ps.map(p => p.viewBox.baseVal.width)")
        assert shown == pytest.approx([w / 4 for w in full_widths])
        toggle = first.get_by_role("button", name="Full size, side by side")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        drawn = photos.evaluate_all("ps => ps.map(p => p.getBoundingClientRect().width)")
        assert drawn == pytest.approx(full_widths, abs=1)
        fits_a_phone(page)
        axe.check(page)
        toggle.click()
        while (form := page.locator("form[action$='/review']").first).count():
            rank = form.locator("legend").inner_text()
            section = page.locator("section", has=form)
            # No name before the conclusion: the probe's person ranks first.
            expect(section.locator("h2")).to_contain_text("name shown after your conclusion")
            lead = rank.endswith("rank 1")
            choose(form, "possible lead" if lead else "excluded")
            form.get_by_label("Reasons").fill("Compared the eyes, nose, mouth and ears.")
            form.get_by_role("button").click()
            expect(page.get_by_role("status")).to_contain_text("conclusion was recorded")
            axe.check(page)
            assert page.url.split("#")[1].startswith("candidate-"), "back at the candidate"
            concluded = page.locator(f"section#{page.url.split('#')[1]}")
            expect(concluded.locator("h2")).not_to_contain_text("name shown after")
            assert page.evaluate("window.scrollY") > 0, "no jump to the top"
            assert page.locator("legend", has_text=rank).count() == 0
            if lead:
                expect(concluded.locator("h2")).to_contain_text("Abdullah Gul")
                probe = concluded.get_by_role("img", name="searched face boxed")
                expect(probe.locator("rect.face-box")).to_be_visible()
        sign_out(page)

        # A second examiner reviews blind; once both reviews are final, each candidate
        # says whether they agree.
        sign_in(page, "examiner2")
        page.goto(f"{server}/requests/{number}")
        axe.check(page)
        page.get_by_role("link", name="Independent second review").click()
        axe.check(page)
        candidates = page.locator("section[id^='candidate-']").count()
        expect(page.get_by_text("made; hidden until yours are final")).to_have_count(candidates)
        while (form := page.locator("form[action$='/review']").first).count():
            rank = form.locator("legend").inner_text()
            expect(page.locator("p.agreement")).to_have_count(0)
            choose(form, "possible lead" if rank.endswith("rank 1") else "excluded")
            form.get_by_label("Reasons").fill("Compared the ears, the chin and the hairline.")
            form.get_by_role("button").click()
            expect(page.get_by_role("status")).to_contain_text("conclusion was recorded")
            axe.check(page)
        agreed = page.locator("p.agreement", has_text="The reviews agree")
        expect(agreed).to_have_count(candidates)
        expect(page.get_by_text("by Examiner2, ")).to_have_count(candidates)
        screenshot(page, "second-examiner")
        sign_out(page)

        sign_in(page, "examiner")
        page.goto(f"{server}/requests/{number}/review")
        axe.check(page)
        choose(page, "At least one possible lead")
        page.get_by_role("button", name="Conclude").click()
        expect(page.locator("#state")).to_have_text("concluded")
        axe.check(page)
        sign_out(page)

        # The requester reads the released lead, under the investigative-lead notice.
        sign_in(page, "officer")
        page.goto(f"{server}/requests/{number}")
        expect(page.locator("#holder")).to_contain_text("the result is ready to read")
        expect(page.locator("#timeline")).to_contain_text("concluded the examination")
        axe.check(page)
        screenshot(page, "officer")
        page.get_by_role("link", name="Read the result").click()
        expect(page.locator("#lead-notice")).to_have_text(LEAD_NOTICE)
        expect(page.get_by_role("heading", name="Possible lead: Abdullah Gul")).to_be_visible()
        photo = page.get_by_role("img", name="Licence photo of Abdullah Gul")
        expect(photo).to_be_visible()
        assert photo.evaluate("image => image.naturalWidth") > 0
        axe.check(page)
        # The lead sheet as printed: the notice and the case number, none of the site.
        page.get_by_role("link", name="Printable lead sheet").click()
        expect(page.locator("#case-number")).to_have_text("BPD-2026-900")
        axe.check(page)
        page.emulate_media(media="print")
        expect(page.locator(".usa-header")).to_be_hidden()
        expect(page.locator("#lead-notice")).to_have_text(LEAD_NOTICE)
        screenshot(page, "officer-lead-sheet-print")
        page.emulate_media(media="screen")
        sign_out(page)

        # The auditor verifies the record.
        sign_in(page, "auditor")
        page.goto(f"{server}/record/verify")
        expect(page.locator("#verdict")).to_have_text("The record is intact")
        axe.check(page)
        # The filter form as a person uses it: one field typed, the others left empty.
        page.get_by_role("link", name="Back to the record").click()
        axe.check(page)
        page.get_by_label("Action, or its start").fill("search.")
        page.get_by_role("button", name="Filter").click()
        ran = page.get_by_text("examiner (examiner) ran the face search")
        expect(ran).to_be_visible()
        axe.check(page)
        raw = page.locator("li", has=ran).locator("pre")
        expect(raw).to_be_hidden()
        page.locator("li", has=ran).get_by_text("Raw entry").click()
        expect(raw).to_contain_text('"action": "search.run"')
        page.get_by_role("link", name=f"The whole timeline of request {number}").click()
        expect(page.get_by_text("intake (intake reviewer) approved the request")).to_be_visible()
        axe.check(page)
        screenshot(page, "auditor")
        # Reading the results changed nothing: folded under the views, shown on a click.
        read = page.get_by_text("officer (requester) read the results").first
        expect(read).to_be_hidden()
        page.get_by_text(re.compile(r"views? \(changed nothing\)")).first.click()
        expect(read).to_be_visible()

        # Each role's pages on a 390 px phone: the government banner, a header that folds
        # into a menu (kept by an error page), and nothing that scrolls sideways.
        phone = axe.watch(browser.new_page(viewport=PHONE))
        phone.on("console", report)
        for path in PHONE_SIGNED_OUT:
            phone.goto(server + path)
            axe.check(phone)
            fits_a_phone(phone)
            expect(phone.locator(".usa-banner")).to_be_visible()
        with world.sessions() as session:
            user = session.scalars(select(User.id).where(User.username == "admin")).one()
        for user_name, paths in PHONE_PAGES.items():
            sign_in(phone, user_name)
            for path in paths:
                phone.goto(server + path.format(number=number, user=user))
                axe.check(phone)
                if path == paths[0]:  # the role's main page
                    screenshot(phone, f"{user_name}-phone")
                fits_a_phone(phone)
                expect(phone.locator(".usa-banner")).to_be_visible()
                expect(phone.get_by_role("button", name="Menu")).to_be_visible()
            phone.get_by_role("button", name="Menu").click()
            sign_out(phone)
        browser.close()

    axe.all_checked()
    assert errors == [], f"the browser reported errors: {errors}"
