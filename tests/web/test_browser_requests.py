"""Requests that cannot get stuck, in a real browser (headless Chromium, as
``test_browser``, on its live server): the form shows the chosen basis's fields only and
keeps what was typed and chosen when refused; intake sends the request back; the officer
corrects and submits it again, then withdraws it; and what the rules refuse is shown
disabled with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cases.conftest import World
from tests.web.browser import CHROMIUM, FLAGS, Accessibility, Signing, fits_a_phone
from tests.web.live import engine  # noqa: F401 (a fixture)
from tests.web.test_browser import server  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)"),
]


def test_a_request_returned_corrected_and_withdrawn_in_a_real_browser(
    server: str,  # noqa: F811
    world: World,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    axe = Accessibility()

    signing = Signing(server, axe)
    sign_in, sign_out = signing.sign_in, signing.sign_out

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = axe.watch(browser.new_page())
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        sign_in(page, "officer")
        page.goto(f"{server}/requests/new")
        axe.check(page)
        # Only the chosen basis's fields show: the court order's first, the facts on a switch.
        expect(page.locator("#court")).to_be_visible()
        expect(page.locator("#facts")).to_be_hidden()
        page.locator("label[for='basis-emergency']").click()
        expect(page.locator("#court")).to_be_hidden()
        expect(page.locator("#facts")).to_be_visible()
        page.get_by_label("Case number").fill("BPD-2026-901")
        page.locator("#offence").fill("Abduction")
        page.get_by_label("Narrative").fill("A child was taken from a playground an hour ago.")
        page.locator("#probe").set_input_files(str(world.photo("Abdullah_Gul", 2)))
        page.get_by_label("Where the photo came from").fill("Playground camera")
        # Too short to be the facts: the browser lets it through (minlength counts only
        # what was typed), the server refuses it beside the field, keeping everything.
        page.locator("#facts").fill("Urgent.")
        page.locator("#facts").evaluate("area => area.removeAttribute('minlength')")
        page.get_by_role("button", name="Submit the request").click()
        expect(page.locator("#facts-error")).to_have_text("Write at least 10 characters.")
        expect(page.get_by_label("Case number")).to_have_value("BPD-2026-901")
        expect(page.locator("#probe-hint")).to_contain_text("Kept: Abdullah_Gul_0002.jpg")
        expect(page.locator("#court")).to_be_hidden()
        axe.check(page)
        fits_a_phone(page)
        page.locator("#facts").fill("A child was taken an hour ago; the abductor's face is seen.")
        page.get_by_role("button", name="Submit the request").click()
        expect(page.locator("#state")).to_have_text("submitted")
        axe.check(page)
        number = page.url.split("/requests/")[1].split("?")[0]
        sign_out(page)

        # Intake: approving an emergency is the supervisor's, so it is shown disabled.
        sign_in(page, "intake")
        page.goto(f"{server}/requests/{number}")
        axe.check(page)
        expect(page.get_by_role("button", name="Approve for search")).to_be_disabled()
        expect(page.locator("#approve-refused")).to_contain_text("approved by a supervisor")
        fits_a_phone(page)
        page.get_by_label("What the officer must correct").fill(
            "Say where the playground camera is and who holds the footage."
        )
        page.get_by_role("button", name="Send back for correction").click()
        expect(page.locator("#state")).to_have_text("returned")
        axe.check(page)
        sign_out(page)

        sign_in(page, "officer")
        page.goto(f"{server}/requests/{number}")
        axe.check(page)
        page.get_by_role("link", name="Change the request").click()
        expect(page.get_by_text("Intake sent it back: Say where the playground")).to_be_visible()
        axe.check(page)
        fits_a_phone(page)
        page.get_by_label("Where the photo came from").fill("Playground camera 2, city parks")
        page.get_by_role("button", name="Submit it again").click()
        expect(page.locator("#state")).to_have_text("submitted")
        axe.check(page)
        page.get_by_label("Why you withdraw the request").fill(
            "The child was found; no search is needed."
        )
        page.get_by_role("button", name="Withdraw the request").click()
        expect(page.locator("#state")).to_have_text("withdrawn")
        expect(page.get_by_role("button", name="Withdraw the request")).to_have_count(0)
        axe.check(page)
        browser.close()
    axe.all_checked()

    # The one refused form answers 422, which the browser reports; nothing else went wrong.
    refused = "Failed to load resource: the server responded with a status of 422"
    assert [e[: len(refused)] for e in errors] == [refused], errors
