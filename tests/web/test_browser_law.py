"""What the law adds, in a real browser (headless Chromium, as ``test_browser``, on its
live server), every page checked by axe-core: under Maine's law a supervisor declares a
search unlawful on the request page (the browser itself holds the form back without a
reason or the confirmation) and reads the tombstone; the auditor views the public search
log; under Montana's law the auditor views a report of the law's own. Each of these pages,
the forms and the tombstone among them, fits a 390 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from tests.cases.conftest import World
from tests.cases.test_unlawful import WHY, maine_search, rows
from tests.web.browser import CHROMIUM, FLAGS, USWDS, Accessibility, Signing, fits_a_phone
from tests.web.conftest import PASSWORD
from tests.web.live import engine, free_port, served  # noqa: F401 (engine is a fixture)

from facedocket.accounts.passwords import set_password
from facedocket.store.db import transaction
from facedocket.store.schema import User
from facedocket.web.app import create_app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)"),
]


@pytest.fixture
def maine(world: World, tmp_path: Path) -> Iterator[tuple[str, World, int, int, FastAPI]]:
    """A concluded Maine request with one search, served on a free port."""
    number, search = maine_search(world, tmp_path)
    with transaction(world.sessions) as session:
        for user in session.query(User):
            set_password(session, user, PASSWORD, by="operator:test", role="administrator")
    world.settings = world.settings.model_copy(update={"uswds_dir": USWDS})
    app = create_app(world.settings, world.sessions, world.pipeline)
    port = free_port()
    with served(app, port):
        yield f"http://127.0.0.1:{port}", world, number, search, app


def test_the_laws_acts_and_reports_in_a_real_browser(
    maine: tuple[str, World, int, int, FastAPI],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, world, number, search, app = maine
    axe = Accessibility()
    errors: list[str] = []

    signing = Signing(server, axe)
    sign_in, sign_out = signing.sign_in, signing.sign_out

    kept = rows(world, search)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = axe.watch(browser.new_page())
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        sign_in(page, "p.boss")
        page.goto(f"{server}/requests/{number}")
        axe.check(page)
        fits_a_phone(page)
        declare = page.get_by_role("button", name="Declare this search unlawful")
        # Without a reason, then without the confirmation, the browser does not send it.
        declare.click()
        expect(page.locator("#unlawful-reason")).to_have_js_property("validity.valid", False)
        page.get_by_label("Why the search was unlawful (required)").fill(WHY)
        declare.click()
        expect(page.locator("#unlawful-confirm")).to_have_js_property("validity.valid", False)
        assert rows(world, search) == kept, "nothing was sent"
        page.locator("label[for='unlawful-confirm']").click()
        declare.click()
        expect(page.get_by_role("status")).to_contain_text("declared unlawful")
        tombstone = page.get_by_role("region", name=f"Search {search}: results deleted")
        expect(tombstone).to_contain_text(WHY)
        expect(tombstone).to_contain_text("(p.boss, supervisor)")
        expect(tombstone).to_contain_text(f"{kept[0]} candidate")
        expect(declare).to_have_count(0)
        axe.check(page)
        fits_a_phone(page)
        assert rows(world, search) == (0, 0)
        sign_out(page)

        sign_in(page, "p.audit")
        page.goto(f"{server}/reports")
        axe.check(page)
        fits_a_phone(page)
        page.get_by_label("First day").fill("2026-01-01")
        page.get_by_label("Last day (included)").fill("2026-12-31")
        log = page.locator("form[action='/reports/public-log']")
        log.get_by_role("button", name="View").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Public search log")
        expect(page.locator("caption")).to_contain_text("1 row")
        expect(page.locator("tbody")).to_contain_text("True")
        axe.check(page)
        fits_a_phone(page)

        app.state.services.settings = world.settings.model_copy(update={"policy": "montana-2023"})
        page.goto(f"{server}/reports")
        axe.check(page)
        fits_a_phone(page)
        page.get_by_label("The calendar year it covers").fill("2026")
        page.locator("form[action='/reports/law']").get_by_role("button", name="View").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Agency report on facial recognition searches"
        )
        # Maine's search is not Montana's to count: a total of none, and no agency.
        expect(page.locator("caption", has_text="totals")).to_have_text("totals: 1 row")
        expect(page.get_by_text("agencies: none.")).to_be_visible()
        axe.check(page)
        fits_a_phone(page)
        sign_out(page)
        browser.close()
    axe.all_checked()
    assert errors == [], errors
