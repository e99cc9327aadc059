"""What intake decides on, beside the order (issue 18): the probe itself with its check
from when it was attached, the gallery, and the searches run against those the basis
allows, counted as the search gate counts them."""

from __future__ import annotations

import re

from sqlalchemy import select
from tests.web.conftest import Web, csrf_of

from facedocket.policy import load_policy
from facedocket.store.schema import Document

NOTE = {"note": "The order names this still image and the RMV gallery."}


def probe_of(web: Web, number: int) -> Document:
    with web.world.sessions() as session:
        wanted = select(Document).where(Document.request_id == number, Document.kind == "probe")
        return session.scalars(wanted).one()


def test_intake_sees_the_probe_gallery_and_searches_beside_the_order(web: Web) -> None:
    number = int(web.create().json()["id"])
    probe = probe_of(web, number)
    intake = web.browser("intake")
    page = intake.get(f"/requests/{number}").text
    column = page.split("<h2>The probe</h2>")[1]
    assert column.index("<h2>The order</h2>") > 0, "the probe and the order side by side"
    source = f"/api/v1/requests/{number}/documents/{probe.id}"
    assert re.search(rf'<img src="{source}" alt="The probe photo, probe.jpg, as attached"', page)
    shown = intake.get(source)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.content == probe.content
    # The check made at attachment is beside the photo, once.
    assert page.count(f'id="probe-check-{probe.id}"') == 1
    assert column.index(f'id="probe-check-{probe.id}"') < column.index("<h2>The order</h2>")
    assert "1 face found." in column
    assert '<dd id="gallery">rmv' in page
    assert '<dd id="searches-used">0 run of the 1 allowed</dd>' in page

    assert web.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=NOTE)
    examiner = web.browser("examiner")
    sheet = examiner.get(f"/requests/{number}")
    examiner.post(f"/requests/{number}/search", data={"csrf_token": csrf_of(sheet)})
    after = examiner.get(f"/requests/{number}").text
    assert '<dd id="searches-used">1 run of the 1 allowed</dd>' in after


def test_a_basis_that_states_no_number_shows_the_policy_s(web: Web) -> None:
    number = int(web.create(kind="emergency").json()["id"])
    policy = load_policy(web.world.settings.policy)
    granted = policy.bases["emergency"].searches.default
    page = web.browser("supervisor").get(f"/requests/{number}").text
    said = f"0 run of the {granted} allowed (the policy's number: the basis states none)"
    assert f'<dd id="searches-used">{said}</dd>' in page
