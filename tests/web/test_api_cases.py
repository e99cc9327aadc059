"""A whole case over the JSON API, and the refusals along the way, on every database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.cases.conftest import approve_the_model, order_pdf, train, under_commission_rules
from tests.web.conftest import Web

from facedocket.cases.review import LEAD_NOTICE
from facedocket.store.schema import AuditEntry


def actions(web: Web) -> list[str]:
    with web.world.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def approved(web: Web) -> int:
    created = web.create()
    assert created.status_code == 201, created.text
    number = created.json()["id"]
    note = {"note": "The order names this still image and the RMV gallery."}
    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=note).is_success
    return int(number)


def test_court_ordered_case_from_request_to_released_lead(web: Web) -> None:
    created = web.create(submit=False)
    assert created.status_code == 201, created.text
    body = created.json()
    number = body["id"]
    assert body["state"] == "draft"
    assert body["basis"]["kind"] == "court_order"
    assert {d["kind"] for d in body["documents"]} == {"probe", "order"}
    assert "content" not in body["documents"][0], "file bytes never travel in JSON"

    assert web.call("officer", "POST", f"/api/v1/requests/{number}/submit").json()["state"] == (
        "submitted"
    )
    queue = web.call("intake", "GET", "/api/v1/requests", params={"state": "submitted"}).json()
    assert [r["id"] for r in queue] == [number]
    basis = web.call("intake", "GET", f"/api/v1/requests/{number}/basis").json()
    assert basis["court"] == "Suffolk Superior Court"
    documents = web.call("intake", "GET", f"/api/v1/requests/{number}/documents").json()
    order = next(d for d in documents if d["kind"] == "order")
    shown = web.call("intake", "GET", f"/api/v1/requests/{number}/documents/{order['id']}")
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.content.startswith(b"%PDF-")
    assert "frame-ancestors 'self'" in shown.headers["content-security-policy"]

    note = {"note": "The order names this still image and the RMV gallery."}
    approval = web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=note)
    assert approval.json()["state"] == "approved"

    search = web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert search.status_code == 201, search.text
    assert search.json()["candidates_returned"] >= 1
    listed = web.call("supervisor", "GET", f"/api/v1/requests/{number}/searches").json()
    assert [s["id"] for s in listed] == [search.json()["id"]]

    sheet = web.call("supervisor", "GET", f"/api/v1/requests/{number}/candidates").json()
    assert sheet[0]["record_id"] == "Abdullah_Gul"
    assert sheet[0]["quality"]["eye_distance"] > 0
    photo = web.call(
        "examiner", "GET", f"/api/v1/requests/{number}/candidates/{sheet[0]['candidate_id']}/photo"
    )
    assert photo.headers["content-type"] == "image/jpeg"
    for row in sheet:
        lead = row["record_id"] == "Abdullah_Gul"
        review = {
            "candidate_id": row["candidate_id"],
            "conclusion": "possible_lead" if lead else "excluded",
            "reasons": "Compared the eyes, nose, mouth and ears.",
        }
        made = web.call("examiner", "POST", f"/api/v1/requests/{number}/reviews", json=review)
        assert made.status_code == 201, made.text

    early = web.call("officer", "GET", f"/api/v1/requests/{number}/results")
    assert early.status_code == 409
    assert early.json()["detail"]["code"] == "not_ready"
    done = web.call(
        "examiner", "POST", f"/api/v1/requests/{number}/conclusion", json={"outcome": "lead"}
    )
    assert done.json()["state"] == "concluded"

    results = web.call("officer", "GET", f"/api/v1/requests/{number}/results").json()
    assert results["notice"] == LEAD_NOTICE
    assert [lead["record_id"] for lead in results["leads"]] == ["Abdullah_Gul"]
    lead_id = results["leads"][0]["candidate_id"]
    lead_photo = web.call("officer", "GET", f"/api/v1/requests/{number}/candidates/{lead_id}/photo")
    assert lead_photo.status_code == 200
    others = [r["candidate_id"] for r in sheet if r["candidate_id"] != lead_id]
    if others:
        hidden = web.call(
            "officer", "GET", f"/api/v1/requests/{number}/candidates/{others[0]}/photo"
        )
        assert hidden.status_code == 404, "a requester sees only released leads"

    closed = web.call("supervisor", "POST", f"/api/v1/requests/{number}/close")
    assert closed.json()["state"] == "closed"
    recorded = actions(web)
    for action in ("document.viewed", "photo.viewed", "results.viewed", "search.run"):
        assert action in recorded


def test_refusals_say_why_with_the_right_status(web: Web) -> None:
    number = approved(web)
    refused = web.call("officer", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert refused.status_code == 403
    assert refused.json()["detail"]["code"] == "wrong_role"
    again = web.call(
        "intake",
        "POST",
        f"/api/v1/requests/{number}/approve",
        json={"note": "Approving a second time should not work."},
    )
    assert again.status_code == 409
    assert "cannot be asked to approve" in again.json()["detail"]["reasons"][0]
    short = web.call("intake", "POST", f"/api/v1/requests/{number}/reject", json={"reason": "no"})
    assert short.status_code == 422
    assert web.call("other.officer", "GET", f"/api/v1/requests/{number}").status_code == 404
    assert web.call("officer", "GET", "/api/v1/requests/999").status_code == 404
    assert web.call("examiner", "GET", "/api/v1/requests/0").status_code == 422
    local = web.call("local.examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert local.status_code == 404, "another agency's staff do not see the request at all"
    web.world.clock.advance(days=11)
    expired = web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert expired.status_code == 403
    assert "expired" in expired.text
    assert "search.run" not in actions(web)


def test_uploads_are_checked_by_type_and_size(web: Web) -> None:
    form = json.dumps(web.request_form())
    order = ("order.pdf", order_pdf().content, "application/pdf")

    def send(probe: tuple[str, bytes, str], **extra: object) -> int:
        data = {"form": extra.get("form", form)}
        files = {"probe": probe, **({"order": order} if extra.get("with_order", True) else {})}
        return web.call("officer", "POST", "/api/v1/requests", data=data, files=files).status_code

    photo = web.world.photo("Abdullah_Gul", 2).read_bytes()
    assert send(("probe.jpg", photo, "image/jpeg")) == 201
    assert send(("probe.jpg", b"%PDF-1.4 not a photo", "image/jpeg")) == 422
    assert send(("probe.jpg", b"GIF89a" + b"\0" * 100, "image/jpeg")) == 422
    assert send(("probe.jpg", photo, "image/jpeg"), with_order=False) == 422
    assert send(("probe.jpg", photo, "image/jpeg"), form="{not json") == 422
    assert send(("probe.jpg", photo, "image/jpeg"), form=form.replace("BPD", "BPD\\u0000")) == 422
    limit = web.world.settings.max_request_bytes
    big = web.call(
        "officer",
        "POST",
        "/api/v1/requests",
        content=b"x" * 10,
        headers={**web.auth("officer"), "content-length": str(limit + 1)},
    )
    assert big.status_code == 413


def test_a_broken_order_or_a_disguised_file_name_is_refused_and_nothing_is_kept(
    web: Web,
) -> None:
    form = json.dumps(web.request_form())
    photo = web.world.photo("Abdullah_Gul", 2).read_bytes()
    order = order_pdf().content

    def send(probe_name: str, order_content: bytes, order_name: str = "order.pdf") -> Any:
        files = {
            "probe": (probe_name, photo, "image/jpeg"),
            "order": (order_name, order_content, "application/pdf"),
        }
        return web.call("officer", "POST", "/api/v1/requests", data={"form": form}, files=files)

    before = web.call("officer", "GET", "/api/v1/requests").json()
    for content in (b"%PDF-1.4 a signed order", order[: len(order) // 2]):
        refused = send("probe.jpg", content)
        assert refused.status_code == 422
        assert refused.json()["detail"]["code"] == "corrupt_document"
        assert "order order.pdf: starts like a PDF but is not a readable one" in refused.text
    for name, shown in (("probe\u202egpj.exe", "U+202E"), ("order\u2066.pdf", "U+2066")):
        disguised = send(name, order) if "probe" in name else send("probe.jpg", order, name)
        assert disguised.status_code == 422
        assert f"bidirectional control character {shown}" in disguised.text
    escape = send("probe\x1b[2J.jpg", order)
    assert escape.status_code == 422 and "control character U+001B" in escape.text
    assert web.call("officer", "GET", "/api/v1/requests").json() == before
    assert send("probe.jpg", order).status_code == 201


def test_emergency_statement_and_the_overdue_list(web: Web, tmp_path: Path) -> None:
    world = under_commission_rules(web.world)
    train(world, "frt.exam")
    approve_the_model(world, tmp_path)
    web.app.state.services.settings = world.settings
    created = web.create(kind="emergency")
    assert created.status_code == 201, created.text
    number = created.json()["id"]
    note = {"note": "The facts show an urgent risk to a child."}
    assert web.call("frt.sup", "POST", f"/api/v1/requests/{number}/approve", json=note).is_success
    searched = web.call("frt.exam", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert searched.status_code == 201, searched.text
    world.clock.advance(hours=49)
    late = web.call("frt.sup", "GET", "/api/v1/followup/overdue").json()
    assert [row["request_id"] for row in late] == [number]
    statement = ("statement.pdf", order_pdf().content, "application/pdf")
    filed = web.call(
        "officer", "POST", f"/api/v1/requests/{number}/statement", files={"file": statement}
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["basis"]["statement_document_id"] is not None
    assert web.call("auditor", "GET", "/api/v1/followup/overdue").json() == []
    assert web.call("examiner", "GET", "/api/v1/followup/overdue").status_code == 403


def test_no_parameter_shows_the_second_examiner_the_first_conclusions(web: Web) -> None:
    number = approved(web)
    assert web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={}).is_success
    url = f"/api/v1/requests/{number}/candidates"
    for row in web.call("examiner", "GET", url).json():
        body = {
            "candidate_id": row["candidate_id"],
            "conclusion": "excluded",
            "reasons": "The first examiner's secret reasons.",
            "round": 1,
        }
        made = web.call("examiner", "POST", f"/api/v1/requests/{number}/reviews", json=body)
        assert made.status_code == 201, made.text
    for query in ("", "?round=1", "?round=2", "?round=1&round=1", "?review_round=1"):
        sheet = web.call("examiner2", "GET", url + query)
        assert sheet.status_code == 200, (query, sheet.text)
        assert "secret reasons" not in sheet.text, query
    page = web.browser("examiner2").get(f"/requests/{number}/review?round=1")
    assert page.status_code == 200 and "secret reasons" not in page.text
    assert "secret reasons" in web.call("supervisor", "GET", url).text
