"""What the requester follows: tags that say what a state means, who has the request now
and what was done to it (in the policy's time zone), the counts on the home page, and the
printable lead sheet, refused to anyone the results are not for."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from tests.web.conftest import Web
from tests.web.test_api_cases import approved

from facedocket.cases.progress import STANDING, Standing
from facedocket.cases.review import LEAD_NOTICE
from facedocket.cases.states import State
from facedocket.store.schema import SearchRequest

REASONS = "Compared the eyes, nose, mouth and ears."


def concluded(web: Web) -> int:
    """A request taken to its conclusion over the API: rank 1 (the probe's person) a lead."""
    number = approved(web)
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={}).is_success
    for row in web.call("supervisor", "GET", f"/api/v1/requests/{number}/candidates").json():
        body = {
            "candidate_id": row["candidate_id"],
            "conclusion": "possible_lead" if row["rank"] == 1 else "excluded",
            "reasons": REASONS,
        }
        made = web.call("examiner", "POST", f"/api/v1/requests/{number}/reviews", json=body)
        assert made.status_code == 201, made.text
    done = {"outcome": "lead"}
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/conclusion", json=done)
    return number


def test_every_state_means_something_to_the_requester() -> None:
    assert set(STANDING) == set(State)
    assert STANDING[State.CONCLUDED] == Standing.RESULT_READY
    assert STANDING[State.REJECTED] == Standing.REFUSED


def test_the_request_page_says_who_has_it_and_what_happened(web: Web) -> None:
    draft = web.create(submit=False).json()["id"]
    number = approved(web)
    officer = web.browser("officer")
    page = officer.get(f"/requests/{number}").text
    holder = page.split('id="holder">')[1].split("</p>")[0]
    assert holder == "The examiners at Massachusetts State Police, to search"
    timeline = page.split('id="timeline">')[1].split("</ol>")[0]
    steps = re.findall(r"<p>([^<]+)</p>", timeline)
    assert steps == [
        "officer (requester) wrote the request",
        "officer (requester) submitted the request",
        "intake (intake reviewer) approved the request for search",
    ]
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", timeline)) == 3
    assert "viewed" not in timeline, "views are not steps of the request"
    assert 'class="usa-tag bg-primary" id="state">approved<' in page
    with web.world.sessions() as session:
        written = session.get_one(SearchRequest, number).created_at
    local = written.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M %Z")
    assert f"Written</dt><dd>{local}</dd>" in page, "the policy's zone, not UTC"
    mine = officer.get(f"/requests/{draft}").text
    assert 'class="usa-tag bg-base-lighter text-ink" id="state">draft<' in mine
    assert "who writes it: not sent yet" in mine
    listing = officer.get("/requests").text
    assert ">draft</span>" in listing and ">approved</span>" in listing


def test_the_home_page_counts_the_requester_s_own_requests(web: Web) -> None:
    web.create(submit=False)
    web.create(submit=False)
    ready = concluded(web)
    returned = web.create().json()["id"]
    again = {"reason": "The scope must quote the words of the order."}
    assert web.call("intake", "POST", f"/api/v1/requests/{returned}/return", json=again)
    web.create(username="other.officer")
    officer = web.browser("officer")
    counts = officer.get("/").text.split('id="my-requests"')[1].split("</ul>")[0]
    assert "3 draft(s)</a> not sent yet or sent back to you for correction" in counts
    assert "0 waiting</a>" in counts
    assert "1 result(s) ready</a>" in counts
    # Each count's link lists the very requests it counted: a returned one with the drafts.
    for link, listed in (("draft", 3), ("waiting", 0), ("result_ready", 1)):
        assert f'href="/requests?standing={link}"' in counts
        shown = officer.get(f"/requests?standing={link}")
        rows = re.findall(r'<a href="/requests/(\d+)">', shown.text)
        assert len(rows) == listed, (link, rows)
    drafts = officer.get("/requests?standing=draft").text
    assert f'<a href="/requests/{returned}">' in drafts and ">returned</span>" in drafts
    assert "Requests: drafts and requests sent back for correction" in drafts
    assert f'<a href="/requests/{ready}">' in officer.get("/requests?standing=result_ready").text
    assert officer.get("/requests?standing=nonsense").status_code == 200, "shows them all"
    other = web.browser("other.officer").get("/").text.split('id="my-requests"')[1]
    assert "0 draft(s)</a>" in other and "1 waiting</a>" in other
    told = web.browser("intake").get("/").text.split('id="notices"')[1].split("</ul>")[0]
    assert re.search(r"\(\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T\)", told), "notices in the zone"


def test_the_lead_sheet_carries_the_notice_and_the_case_and_only_for_its_readers(
    web: Web,
) -> None:
    early = approved(web)
    officer = web.browser("officer")
    assert officer.get(f"/requests/{early}/lead-sheet").status_code == 409
    number = concluded(web)
    sheet = officer.get(f"/requests/{number}/lead-sheet")
    assert sheet.status_code == 200
    assert sheet.text.count(LEAD_NOTICE) == 2, "at the top and again at the foot"
    assert '<dd id="case-number">BPD-2026-1</dd>' in sheet.text
    assert re.search(r"Concluded</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T</dd>", sheet.text)
    assert "Possible lead: Abdullah Gul" in sheet.text
    assert 'href="/static/facedocket/print.css"' in sheet.text
    assert (
        f'href="/requests/{number}/lead-sheet"' in officer.get(f"/requests/{number}/results").text
    )
    stranger = web.browser("other.officer").get(f"/requests/{number}/lead-sheet")
    assert stranger.status_code == 404 and "Abdullah" not in stranger.text
    assert web.browser("intake").get(f"/requests/{number}/lead-sheet").status_code == 403
