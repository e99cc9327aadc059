"""Requests that cannot get stuck, over the API: intake sends one back for correction, the
requester corrects, changes or withdraws it; and the refusals (wrong role, wrong state,
another requester's request) on every database."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from tests.cases.conftest import order_pdf
from tests.web.conftest import Web

from facedocket.store.schema import AuditEntry

CORRECT = {"reason": "The scope names the wrong gallery; say which one the order covers."}
WITHDRAW = {"reason": "The suspect was identified by a witness; no search is needed."}
APPROVE = {"note": "The order names this still image and the RMV gallery."}


def entries(web: Web, number: int) -> list[tuple[str, dict[str, Any]]]:
    with web.world.sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(number))
            .order_by(AuditEntry.seq)
        )
        return [(action, details) for action, details in rows]


def edit(web: Web, number: int, username: str = "officer", **change: Any) -> Any:
    """PUT the request as the test world writes it, with ``change`` over its fields."""
    probe = change.pop("probe", None)
    form = web.request_form() | change
    files = {"probe": ("new.jpg", probe, "image/jpeg")} if probe else None
    data = {"form": json.dumps(form)} | ({"probe_source": "Bus camera"} if probe else {})
    return web.call(username, "PUT", f"/api/v1/requests/{number}", data=data, files=files)


def test_returned_for_correction_then_corrected_and_approved(light: Web) -> None:
    number = light.create().json()["id"]
    returned = light.call("intake", "POST", f"/api/v1/requests/{number}/return", json=CORRECT)
    assert returned.status_code == 200, returned.text
    assert returned.json()["state"] == "returned"
    assert returned.json()["decision_reason"] == CORRECT["reason"]
    # Returned, it cannot be approved until the requester submits it again.
    early = light.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=APPROVE)
    assert early.status_code == 409 and "returned" in early.text

    photo = light.world.photo("Abdullah_Gul", 3).read_bytes()
    changed = edit(light, number, offence="Armed robbery of a pharmacy", probe=photo)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["state"] == "returned" and body["offence"] == "Armed robbery of a pharmacy"
    kinds = sorted(d["kind"] for d in body["documents"])
    assert kinds == ["order", "probe", "replaced_probe"], "the old probe stays, as replaced"
    replaced = next(d for d in body["documents"] if d["kind"] == "replaced_probe")
    # Still readable: the record knows it by its number, under the kind it now has.
    old = light.call("intake", "GET", f"/api/v1/requests/{number}/documents/{replaced['id']}")
    assert old.status_code == 200 and old.content.startswith(b"\xff\xd8")

    again = light.call("officer", "POST", f"/api/v1/requests/{number}/submit")
    assert again.json()["state"] == "submitted"
    approval = light.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=APPROVE)
    assert approval.json()["state"] == "approved"

    actions = [action for action, _ in entries(light, number) if action != "document.viewed"]
    assert actions[-5:] == [
        "request.returned",
        "request.approval_refused",
        "request.edited",
        "request.submitted",
        "request.approved",
    ]
    edited = dict(entries(light, number))["request.edited"]
    assert edited["changed"] == ["offence", "probe"]
    assert edited["state"] == "returned"
    assert [d["kind"] for d in edited["replaced"]] == ["replaced_probe"]


def test_a_change_after_approval_goes_back_to_intake(light: Web) -> None:
    number = light.create().json()["id"]
    light.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=APPROVE)
    # The same request sent again changes nothing: refused, and it stays approved.
    same = edit(light, number)
    assert same.status_code == 422 and "same as the one on file" in same.text
    assert light.call("officer", "GET", f"/api/v1/requests/{number}").json()["state"] == "approved"
    changed = edit(light, number, narrative="The robber also threatened the clerk with a knife.")
    assert changed.status_code == 200, changed.text
    assert changed.json()["state"] == "submitted"
    assert changed.json()["basis"]["confirmed_at"] is None, "the approval no longer holds"
    # The examiner cannot search what intake has not approved again.
    searched = light.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert searched.status_code == 409
    assert dict(entries(light, number))["request.edited"]["state"] == "submitted"


def test_a_change_of_basis_drops_the_order_and_a_court_order_needs_one(light: Web) -> None:
    number = light.create(submit=False).json()["id"]
    facts = {"kind": "emergency", "facts": "A child was taken an hour ago; the abductor is seen."}
    emergency = edit(light, number, basis=facts)
    assert emergency.status_code == 200, emergency.text
    kinds = sorted(d["kind"] for d in emergency.json()["documents"])
    assert kinds == ["probe", "replaced_order"]
    assert emergency.json()["basis"]["court"] is None
    # Back to a court order, without sending the order: refused, nothing changed.
    refused = edit(light, number)
    assert refused.status_code == 422 and "needs the signed document" in refused.text
    shown = light.call("officer", "GET", f"/api/v1/requests/{number}").json()
    assert shown["basis"]["kind"] == "emergency"
    form = light.request_form()
    files = {"order": ("order.pdf", order_pdf().content, "application/pdf")}
    data = {"form": json.dumps(form)}
    court = light.call("officer", "PUT", f"/api/v1/requests/{number}", data=data, files=files)
    assert court.status_code == 200, court.text
    assert sorted(d["kind"] for d in court.json()["documents"]) == [
        "order",
        "probe",
        "replaced_order",
    ]


def test_corrections_are_refused_to_the_wrong_role_state_or_requester(light: Web) -> None:
    number = light.create().json()["id"]
    url = f"/api/v1/requests/{number}"
    # Only intake sends back; the examiner and the officer are refused before the route runs.
    for who in ("examiner", "officer"):
        assert light.call(who, "POST", f"{url}/return", json=CORRECT).status_code == 403
    short = light.call("intake", "POST", f"{url}/return", json={"reason": "no"})
    assert short.status_code == 422
    # Submitted (not returned): the requester may withdraw it but not change it.
    assert edit(light, number).status_code == 409
    # Another requester neither sees, changes nor withdraws it.
    assert edit(light, number, "other.officer").status_code == 404
    other = light.call("other.officer", "POST", f"{url}/withdraw", json=WITHDRAW)
    assert other.status_code == 404
    assert light.call("intake", "POST", f"{url}/withdraw", json=WITHDRAW).status_code == 403
    assert light.call("intake", "PUT", url, data={"form": "{}"}).status_code == 403
    vague = light.call("officer", "POST", f"{url}/withdraw", json={"reason": "x"})
    assert vague.status_code == 422
    withdrawn = light.call("officer", "POST", f"{url}/withdraw", json=WITHDRAW)
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    # Withdrawn is the end: nothing more happens to it.
    assert light.call("intake", "POST", f"{url}/return", json=CORRECT).status_code == 409
    assert light.call("officer", "POST", f"{url}/submit").status_code == 409
    assert light.call("officer", "POST", f"{url}/withdraw", json=WITHDRAW).status_code == 409
    assert [a for a, _ in entries(light, number)][-1] == "request.withdrawn"


def test_a_draft_withdrawn_never_reaches_intake(light: Web) -> None:
    number = light.create(submit=False).json()["id"]
    url = f"/api/v1/requests/{number}"
    assert light.call("officer", "POST", f"{url}/withdraw", json=WITHDRAW).status_code == 200
    assert light.call("intake", "GET", url).status_code == 404
    assert light.call("officer", "GET", url).json()["state"] == "withdrawn"


def test_no_withdrawal_or_change_once_searched(web: Web) -> None:
    number = web.create().json()["id"]
    url = f"/api/v1/requests/{number}"
    web.call("intake", "POST", f"{url}/approve", json=APPROVE)
    assert web.call("examiner", "POST", f"{url}/searches", json={}).status_code == 201
    assert web.call("officer", "POST", f"{url}/withdraw", json=WITHDRAW).status_code == 409
    assert edit(web, number, offence="Something else entirely").status_code == 409
    assert web.call("officer", "GET", url).json()["state"] == "searched"
