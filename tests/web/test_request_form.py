"""The request form as a person meets it without JavaScript: errors in plain words beside
their field, what was typed and the files chosen kept, nothing written until it is right;
the gallery chosen explicitly; correcting a returned request; and the actions the page
offers, or shows disabled with the server's own reason."""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import Any

import httpx2 as httpx
from PIL import Image
from sqlalchemy import func, select
from tests.cases.conftest import order_pdf
from tests.web.conftest import Web, csrf_of
from tests.web.test_pages import court_order_fields

from facedocket.gallery.galleries import ensure_gallery
from facedocket.policy import load_policy
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Document, SearchRequest

ORDER = ("order.pdf", order_pdf().content, "application/pdf")
EMERGENCY = {
    "basis": "emergency",
    "facts": "A child was taken from a playground an hour ago; the abductor is on camera.",
}


def errors_of(page: httpx.Response) -> dict[str, str]:
    """Each inline error, by the field it stands beside."""
    found = re.findall(
        r'<span class="usa-error-message" id="([\w-]+)-error">([^<]*)</span>', page.text
    )
    return dict(found)


def written(web: Web) -> tuple[int, int]:
    with web.world.sessions() as session:
        requests = session.scalar(select(func.count()).select_from(SearchRequest))
        entries = session.scalar(select(func.count()).where(AuditEntry.action == "request.created"))
        return int(requests or 0), int(entries or 0)


def probe(web: Web, name: str = "p.jpg") -> tuple[str, bytes, str]:
    return (name, web.world.photo("Abdullah_Gul", 2).read_bytes(), "image/jpeg")


def test_a_refused_form_keeps_input_and_files_and_says_why_in_plain_words(light: Web) -> None:
    officer = light.browser("officer")
    form = officer.get("/requests/new")
    fields: dict[str, Any] = court_order_fields(light) | {"csrf_token": csrf_of(form)}
    bad = {"probe": ("probe.jpg", b"not a photo at all", "image/jpeg"), "order": ORDER}
    refused = officer.post("/requests/new", data=fields, files=bad)
    assert refused.status_code == 422
    assert "probe.jpg" in errors_of(refused)["probe"]
    assert 'value="BPD-2026-77"' in refused.text, "what was typed is still there"
    assert written(light) == (0, 0), "nothing was written"

    # A good probe, but a date that is not one and no scope: each error at its field.
    wrong = fields | {"expires_at": "next tuesday", "scope": "", "csrf_token": csrf_of(refused)}
    again = officer.post("/requests/new", data=wrong, files={"probe": probe(light), "order": ORDER})
    errors = errors_of(again)
    assert errors["expires_at"] == "Enter a date and a time."
    assert errors["scope"] == "Write at least 10 characters."
    assert "probe" not in errors and "Kept: p.jpg" in again.text
    for internal in ("court_order", "Field required", "String should", "basis."):
        assert internal not in "".join(errors.values())
    held = dict(re.findall(r'name="held_(probe|order)" value="([0-9a-f]{32})"', again.text))
    assert set(held) == {"probe", "order"}
    assert written(light) == (0, 0)

    # Another user cannot take the held files.
    other = light.browser("other.officer")
    stolen = fields | {f"held_{k}": v for k, v in held.items()}
    taken = other.post("/requests/new", data=stolen | {"csrf_token": csrf_of(other.get("/"))})
    assert errors_of(taken)["probe"] == "Choose the photo of the unknown person."

    # Corrected, the files held are the ones stored: nobody chose them again.
    fixed = fields | {f"held_{k}": v for k, v in held.items()} | {"csrf_token": csrf_of(again)}
    saved = officer.post("/requests/new", data=fixed | {"action": "draft"})
    assert saved.status_code == 200 and "saved as a draft" in saved.text
    with light.world.sessions() as session:
        kinds = sorted(session.scalars(select(Document.kind)))
        sha = session.scalar(select(Document.sha256).where(Document.kind == "probe"))
    assert kinds == ["order", "probe"]
    assert sha == hashlib.sha256(probe(light)[1]).hexdigest()


def test_a_missing_order_is_said_in_words_beside_its_field(light: Web) -> None:
    officer = light.browser("officer")
    fields: dict[str, Any] = court_order_fields(light)
    fields["csrf_token"] = csrf_of(officer.get("/requests/new"))
    unsigned = officer.post("/requests/new", data=fields, files={"probe": probe(light)})
    assert unsigned.status_code == 422
    assert (
        errors_of(unsigned)["order"] == "A request under a court order needs the signed document."
    )
    assert written(light) == (0, 0)


def test_each_basis_shows_its_fields_and_the_required_ones_are_marked(light: Web) -> None:
    officer = light.browser("officer")
    form = officer.get("/requests/new")
    # Without the script every basis's fields show, under headings, none blocking the form.
    assert (
        'data-bases="court_order"' in form.text and 'data-bases="emergency deceased"' in form.text
    )
    assert re.search(r'id="court"[^>]*data-required', form.text)
    assert not re.search(
        r'id="court"[^>]*\brequired\b(?!-)', form.text.replace("data-required", "")
    )
    assert re.search(r'for="case_number">Case number <abbr title="required"', form.text)
    assert "/static/facedocket/request_form.js" in form.text
    assert light.client.get("/static/facedocket/request_form.js").status_code == 200
    # An emergency without facts: the facts field says so, the order's fields say nothing.
    fields = court_order_fields(light) | EMERGENCY | {"facts": "", "csrf_token": csrf_of(form)}
    refused = officer.post("/requests/new", data=fields, files={"probe": probe(light)})
    assert errors_of(refused) == {"facts": "Write at least 10 characters."}
    assert 'id="basis-emergency" type="radio" name="basis" value="emergency" checked' in (
        refused.text
    )


def test_the_gallery_is_chosen_explicitly_and_shown(light: Web) -> None:
    officer = light.browser("officer")
    one = officer.get("/requests/new")
    assert '<option value="rmv" selected>' in one.text, "the only gallery, chosen for you"
    with transaction(light.world.sessions) as session:
        ensure_gallery(session, "booking", "Booking photos")
    form = officer.get("/requests/new")
    select_ = form.text.split('id="gallery"')[1].split("</select>")[0]
    assert '<option value="">- Choose the gallery -</option>' in select_
    assert "selected" not in select_
    fields = court_order_fields(light) | EMERGENCY | {"gallery": "", "csrf_token": csrf_of(form)}
    refused = officer.post("/requests/new", data=fields, files={"probe": probe(light)})
    assert errors_of(refused) == {"gallery": "Fill this in."}
    chosen = fields | {"gallery": "booking", "csrf_token": csrf_of(refused)}
    saved = officer.post("/requests/new", data=chosen, files={"probe": probe(light)})
    assert saved.status_code == 200, errors_of(saved)
    assert re.search(r'<dd id="gallery">booking \(Booking photos\)</dd>', saved.text)


def test_returned_corrected_through_the_pages(light: Web) -> None:
    officer = light.browser("officer")
    form = officer.get("/requests/new")
    data = court_order_fields(light) | {"csrf_token": csrf_of(form), "action": "submit"}
    sent = officer.post("/requests/new", data=data, files={"probe": probe(light), "order": ORDER})
    number = int(re.findall(r"/requests/(\d+)/withdraw", sent.text)[0])
    assert f"/requests/{number}/edit" not in sent.text, "a submitted request is not changed"

    intake = light.browser("intake")
    page = intake.get(f"/requests/{number}")
    assert "Send back for correction" in page.text
    reason = "The scope must quote the words of the order, not a summary."
    back = intake.post(
        f"/requests/{number}/return", data={"csrf_token": csrf_of(page), "reason": reason}
    )
    assert "sent back to the officer" in back.text and 'id="state">returned' in back.text
    assert "Send back for correction" not in back.text

    shown = officer.get(f"/requests/{number}")
    assert f"Sent back for correction:</strong> {reason}" in shown.text
    edit = officer.get(f"/requests/{number}/edit")
    assert edit.status_code == 200 and 'value="BPD-2026-77"' in edit.text
    assert "Kept: p.jpg" in edit.text and "Kept: order.pdf" in edit.text
    assert reason in edit.text
    scope = "One search of the RMV gallery with the attached still image, as ordered."
    fields = data | {"scope": scope, "csrf_token": csrf_of(edit), "action": "submit"}
    again = officer.post(f"/requests/{number}/edit", data=fields)
    assert again.status_code == 200 and 'id="state">submitted' in again.text
    assert light.browser("other.officer").get(f"/requests/{number}/edit").status_code == 404
    assert intake.get(f"/requests/{number}/edit").status_code == 403

    # Withdrawn from the page, with a reason; nothing more is offered.
    page = officer.get(f"/requests/{number}")
    why = "The suspect was identified by a witness; no search is needed."
    gone = officer.post(
        f"/requests/{number}/withdraw", data={"csrf_token": csrf_of(page), "reason": why}
    )
    assert 'id="state">withdrawn' in gone.text and "/withdraw" not in gone.text
    assert officer.get(f"/requests/{number}/edit").status_code == 409


def test_actions_the_rules_refuse_are_shown_disabled_with_the_reason(web: Web) -> None:
    number = web.create(**{"kind": "emergency"}).json()["id"]
    intake = web.browser("intake").get(f"/requests/{number}")
    approve = intake.text.split(f'action="/requests/{number}/approve"')[1].split("</form>")[0]
    assert "disabled" in approve
    assert "Not possible now: a request on the emergency basis is approved by a supervisor" in (
        approve
    )
    assert "disabled" not in intake.text.split("/return")[1].split("</form>")[0]
    supervisor = web.browser("supervisor")
    page = supervisor.get(f"/requests/{number}")
    note = "The facts show a child in danger that cannot wait for an order."
    supervisor.post(f"/requests/{number}/approve", data={"csrf_token": csrf_of(page), "note": note})

    court = web.create().json()["id"]  # an order that allows one search
    web.call("intake", "POST", f"/api/v1/requests/{court}/approve", json={"note": note})
    examiner = web.browser("examiner")
    page = examiner.get(f"/requests/{court}")
    assert "Run the search" in page.text and "search-refused" not in page.text
    examiner.post(f"/requests/{court}/search", data={"csrf_token": csrf_of(page)})
    after = examiner.get(f"/requests/{court}").text
    search = after.split(f'action="/requests/{court}/search"')[1].split("</form>")[0]
    assert "disabled" in search and "all 1 searches this court_order allows" in search
    # The first examiner reviews; the independent second review is not theirs to make.
    sheet = web.call("examiner", "GET", f"/api/v1/requests/{court}/candidates").json()
    review = {
        "candidate_id": sheet[0]["candidate_id"],
        "conclusion": "excluded",
        "reasons": "Compared the eyes, nose, mouth and ears.",
    }
    assert web.call("examiner", "POST", f"/api/v1/requests/{court}/reviews", json=review).is_success
    first = examiner.get(f"/requests/{court}").text
    assert "review?round=2" not in first
    assert "No independent second review by you: the second review must be made by another" in (
        first
    )
    assert "review?round=2" in web.browser("examiner2").get(f"/requests/{court}").text


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_probe_is_checked_when_attached_and_the_requester_reads_the_check(
    light: Web,
) -> None:
    officer = light.browser("officer")
    form = officer.get("/requests/new")
    fields = court_order_fields(light) | EMERGENCY | {"csrf_token": csrf_of(form)}
    # No face: refused at once, beside the probe, and nothing written.
    blank = ("wall.jpg", jpeg(Image.new("RGB", (400, 400), "grey")), "image/jpeg")
    refused = officer.post("/requests/new", data=fields, files={"probe": blank})
    assert refused.status_code == 422
    assert errors_of(refused)["probe"].startswith("Probe wall.jpg: no face was found")
    assert written(light) == (0, 0)
    api = light.call(
        "officer",
        "POST",
        "/api/v1/requests",
        data={"form": json.dumps(light.request_form(kind="emergency"))},
        files={"probe": blank},
    )
    assert api.status_code == 422 and api.json()["detail"]["code"] == "no_face"
    assert written(light) == (0, 0)

    face = Image.open(light.world.photo("Abdullah_Gul", 2)).convert("RGB")
    two = Image.new("RGB", (face.width * 2, face.height))
    two.paste(face, (0, 0))
    two.paste(Image.open(light.world.photo("Adam_Sandler", 1)).convert("RGB"), (face.width, 0))
    small = face.resize((face.width // 5, face.height // 5))
    floor = load_policy(light.world.settings.policy).probe_min_eye_distance
    for name, image, said in (
        ("one.jpg", face, "1 face found."),
        ("two.jpg", two, "2 faces found: the examiner will choose which one to search."),
        ("small.jpg", small, f"under the {floor} the policy asks: an examiner must give a reason"),
    ):
        sent = fields | {"csrf_token": csrf_of(form)}
        page = officer.post(
            "/requests/new", data=sent, files={"probe": (name, jpeg(image), "image/jpeg")}
        )
        assert page.status_code == 200, errors_of(page)
        check = page.text.split('id="probe-check-')[1].split("</ul>")[0]
        assert said in check, check
    with light.world.sessions() as session:
        checks = list(session.scalars(select(Document.probe_check).order_by(Document.id)))
    assert [len(c["faces"]) for c in checks] == [1, 2, 1]
    assert checks[2]["faces"][0]["eye_distance"] < floor <= checks[0]["faces"][0]["eye_distance"]
