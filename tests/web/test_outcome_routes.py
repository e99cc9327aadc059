"""What followed a lead, over the API and on the request page."""

from __future__ import annotations

from tests.cases.leads import massachusetts_lead
from tests.web.conftest import Web, csrf_of

from facedocket.store.schema import LeadOutcome


def test_outcomes_over_the_api(web: Web) -> None:
    number = massachusetts_lead(web.world)
    url = f"/api/v1/requests/{number}/outcomes"
    today = web.world.clock.at.date().isoformat()
    arrest = {"kind": "arrest", "occurred_on": today, "note": "Arrested on a warrant."}
    made = web.call("officer", "POST", url, json=arrest)
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "arrest" and made.json()["note"] == "Arrested on a warrant."
    again = web.call("officer", "POST", url, json=arrest)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "exists"
    wrong = web.call("officer", "POST", url, json=arrest | {"kind": "acquittal"})
    assert wrong.status_code == 422
    assert web.call("examiner", "POST", url, json=arrest).status_code == 403
    assert web.call("other.officer", "POST", url, json=arrest).status_code == 404
    listed = web.call("supervisor", "GET", url)
    assert [(o["kind"], o["occurred_on"]) for o in listed.json()] == [("arrest", today)]
    assert web.call("supervisor", "GET", "/api/v1/followup/overdue-outcomes").json() == []


def test_the_request_page_records_an_outcome(web: Web) -> None:
    number = massachusetts_lead(web.world)
    officer = web.browser("officer")
    page = officer.get(f"/requests/{number}")
    assert "What followed the lead" in page.text and "Nothing recorded yet." in page.text
    today = web.world.clock.at.date().isoformat()
    data = {"csrf_token": csrf_of(page), "kind": "charge", "occurred_on": today, "note": ""}
    done = officer.post(f"/requests/{number}/outcomes", data=data)
    assert "What followed the lead is on the record." in done.text
    assert f"{today}: charge" in done.text
    with web.world.sessions() as session:
        assert [o.kind for o in session.query(LeadOutcome)] == ["charge"]
    examiner = web.browser("examiner")
    assert f'action="/requests/{number}/outcomes"' not in examiner.get(f"/requests/{number}").text
