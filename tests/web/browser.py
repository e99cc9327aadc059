"""What the tests that drive Chromium share: Debian's browser as installed (``make
browser``; Playwright never downloads one), and axe-core (``make assets``) run inside
every page such a test visits.

``fits_a_phone`` checks that a page does not scroll sideways on a 390 px phone screen.

``Accessibility`` watches a page's navigations: each page that loads must be checked
(``check``) before the next one loads, so a test cannot visit a page that axe-core never
looked at; a page with a violation fails the test with the list of what axe-core found,
as does a form field whose pattern Chromium cannot compile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.web.conftest import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path("node_modules/axe-core/axe.min.js").resolve()
USWDS = Path("node_modules/@uswds/uswds/dist").resolve()
# Evaluated through DevTools, which the pages' Content-Security-Policy (no inline script)
# does not govern; a script tag would be refused, as it should be.
LOAD_AXE = "() => {{ if (!window.axe) {{ {source}\n }} }}"
# Chromium compiles a field's pattern with the v flag; one that does not compile checks
# nothing, and Chromium says so only on the console, and only once the field is checked.
BAD_PATTERNS = """() => [...document.querySelectorAll('[pattern]')].filter(field => {
  try { new RegExp(field.pattern, 'v'); return false } catch { return true } })
  .map(field => `#${field.id}: ${field.pattern}`)"""
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map(v => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map(n => n.target.join(' '))
  .slice(0, 5).join(', ')}`)"""
# A phone's screen; what sticks out past its right edge, innermost first, says why a page
# is wide (a table made to scroll inside its own container may be wider).
PHONE: ViewportSize = {"width": 390, "height": 844}
WIDE = """[...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.usa-table-container--scrollable') &&
    e.getBoundingClientRect().right > 391 && ![...e.children].some(
    c => c.getBoundingClientRect().right > 391))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))"""


def fits_a_phone(page: Page) -> None:
    """The page as it is now, laid out 390 px wide, does not scroll sideways; it is laid
    out again at the size it had."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDE) if width > PHONE["width"] else []
        assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone: {wide}"
    finally:
        if size is not None and size != PHONE:
            page.set_viewport_size(size)


class Accessibility:
    """axe-core over every page a test's browser loads; see the module's docstring."""

    def __init__(self) -> None:
        self.source = AXE.read_text(encoding="utf-8")
        self.waiting: dict[int, str] = {}  # a page's id: the address it loaded, unchecked
        self.unchecked: list[str] = []
        self.checked = 0

    def watch(self, page: Page) -> Page:
        def loaded(frame: Frame) -> None:
            if frame is page.main_frame:
                if id(page) in self.waiting:
                    self.unchecked.append(self.waiting[id(page)])
                self.waiting[id(page)] = frame.url

        page.on("framenavigated", loaded)
        return page

    def check(self, page: Page) -> None:
        """axe-core over the page as it is now; fails with every violation it finds, and
        with every form field whose pattern Chromium cannot compile."""
        page.wait_for_load_state()
        page.evaluate(LOAD_AXE.format(source=self.source))
        found: list[Any] = page.evaluate(RUN_AXE)
        assert found == [], f"axe-core on {page.url}:\n" + "\n".join(found)
        bad: list[str] = page.evaluate(BAD_PATTERNS)
        assert bad == [], f"patterns that are no regular expression on {page.url}: {bad}"
        self.waiting.pop(id(page), None)
        self.checked += 1

    def all_checked(self) -> None:
        """Every page that loaded was checked (the test's last page too)."""
        left = self.unchecked + list(self.waiting.values())
        assert left == [], f"pages axe-core did not check: {left}"


@dataclass
class Signing:
    """Signing in with the form and out with the header's button, each page checked."""

    server: str
    axe: Accessibility

    def sign_in(self, page: Page, username: str, password: str = PASSWORD) -> None:
        from playwright.sync_api import expect

        page.goto(f"{self.server}/login")
        self.axe.check(page)
        page.locator("#username").fill(username)
        page.locator("#password").fill(password)
        page.locator("#password").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        self.axe.check(page)

    def sign_out(self, page: Page) -> None:
        from playwright.sync_api import expect

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to FaceDocket")
        self.axe.check(page)
