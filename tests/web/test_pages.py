"""The pages of every role, driven with forms as a browser would (without JavaScript)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from sqlalchemy import select, update
from tests.cases.conftest import order_pdf
from tests.web.conftest import Web, csrf_of

from facedocket.cases.review import LEAD_NOTICE, OUTCOME_RULE
from facedocket.gallery.runner import run_next
from facedocket.store.db import transaction
from facedocket.store.schema import EnrolmentJobRow, Notice, User
from facedocket.store.schema.base import utcnow


def court_order_fields(web: Web) -> dict[str, str]:
    at = web.world.clock.at
    return {
        "case_number": "BPD-2026-77",
        "offence": "Armed robbery",
        "offence_class": "felony",
        "narrative": "A store was robbed at gunpoint; the camera shows the robber.",
        "gallery": "rmv",
        "searching_body": "state-police",
        "basis": "court_order",
        "court": "Suffolk Superior Court",
        "docket_number": "2684CR000077",
        "judge": "Hon. J. Example",
        "issued_on": (at - timedelta(days=1)).date().isoformat(),
        "expires_at": (at + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "scope": "One search of the RMV gallery with the attached still image.",
        "searches_allowed": "1",
        "probe_source": "Store camera, still frame",
    }


def test_a_case_through_the_pages_of_every_role(web: Web) -> None:
    officer = web.browser("officer")
    form = officer.get("/requests/new")
    assert form.status_code == 200
    assert "uswds.min.css" not in form.text, "no USWDS installed here: plain HTML"
    # Only the policy's bodies registered here are offered: a request to another is refused.
    offered = re.findall(r'<option value="([\w-]+)">', form.text.split('id="searching_body"')[1])
    assert "state-police" in offered and "rmv" not in offered
    files = {
        "probe": ("probe.jpg", web.world.photo("Abdullah_Gul", 2).read_bytes(), "image/jpeg"),
        "order": ("order.pdf", order_pdf().content, "application/pdf"),
    }
    data = court_order_fields(web) | {"csrf_token": csrf_of(form), "action": "draft"}
    saved = officer.post("/requests/new", data=data, files=files)
    assert saved.status_code == 200 and "saved as a draft" in saved.text
    number = int(re.findall(r"/requests/(\d+)/submit", saved.text)[0])
    submitted = officer.post(f"/requests/{number}/submit", data={"csrf_token": csrf_of(saved)})
    assert "sent to the searching body" in submitted.text

    intake = web.browser("intake")
    told = intake.get("/").text.split('id="notices"')[1].split("</ul>")[0]
    assert f'<a href="/requests/{number}">Request {number} was submitted and waits' in told
    queue = intake.get("/requests?state=submitted")
    assert f'href="/requests/{number}"' in queue.text
    detail = intake.get(f"/requests/{number}")
    assert "<iframe" in detail.text and "The signed order" in detail.text
    approved = intake.post(
        f"/requests/{number}/approve",
        data={"csrf_token": csrf_of(detail), "note": "The order covers this image and gallery."},
    )
    assert "approved for search" in approved.text

    examiner = web.browser("examiner")
    page = examiner.get(f"/requests/{number}")
    assert "Run the search" in page.text
    sheet = examiner.post(f"/requests/{number}/search", data={"csrf_token": csrf_of(page)})
    assert "review every candidate" in sheet.text
    assert f"/api/v1/requests/{number}/candidates/" in sheet.text and "Score" in sheet.text
    assert "pixels between the eyes" in sheet.text
    candidates = re.findall(r'name="candidate_id" value="(\d+)"', sheet.text)
    assert "Abdullah Gul" not in sheet.text, "no name before the examiner's conclusion"
    for rank, candidate in enumerate(candidates, start=1):
        sheet = examiner.post(
            f"/requests/{number}/review",
            data={
                "csrf_token": csrf_of(sheet),
                "candidate_id": candidate,
                "round": "1",
                "conclusion": "possible_lead" if rank == 1 else "excluded",
                "reasons": "Compared the eyes, nose, mouth and ears.",
            },
        )
        assert "conclusion was recorded" in sheet.text
    names = re.findall(r'<h2 id="candidate-\d+-heading">Rank \d+: ([^<]+)</h2>', sheet.text)
    assert names[0] == "Abdullah Gul"

    second = web.browser("examiner2").get(f"/requests/{number}/review?round=2")
    assert "made; hidden until yours are final" in second.text
    # Only the outcome the reviews allow is offered; the other is disabled, with why.
    assert 'value="lead" required checked>' in sheet.text
    assert 'value="no_lead" disabled aria-describedby="outcome-no-lead-why">' in sheet.text
    assert f'id="outcome-no-lead-why">(not offered: {OUTCOME_RULE})<' in sheet.text
    contradicting = examiner.post(
        f"/requests/{number}/conclude", data={"csrf_token": csrf_of(sheet), "outcome": "no_lead"}
    )
    assert contradicting.status_code == 409 and OUTCOME_RULE in contradicting.text
    concluded = examiner.post(
        f"/requests/{number}/conclude", data={"csrf_token": csrf_of(sheet), "outcome": "lead"}
    )
    assert "examination was concluded" in concluded.text

    results = officer.get(f"/requests/{number}/results")
    assert LEAD_NOTICE in results.text
    assert "Possible lead: Abdullah Gul" in results.text
    assert officer.get(f"/requests/{number}/review").status_code == 403

    supervisor = web.browser("supervisor")
    page = supervisor.get(f"/requests/{number}")
    closed = supervisor.post(f"/requests/{number}/close", data={"csrf_token": csrf_of(page)})
    assert "request was closed" in closed.text


def test_refusals_are_pages_that_say_why(light: Web) -> None:
    officer = light.browser("officer")
    assert officer.get("/requests/12345").status_code == 404
    assert officer.get("/admin").status_code == 403
    examiner = light.browser("examiner")
    assert "This is not allowed" in examiner.get("/requests/new").text


def test_administration_pages(light: Web) -> None:
    admin = light.browser("admin")
    page = admin.get("/admin")
    for heading in ("Users", "Agencies", "Galleries", "Policies", "Face models"):
        assert f"<h2>{heading}</h2>" in page.text
    added = admin.post(
        "/admin/agencies", data={"csrf_token": csrf_of(page), "code": "cpd", "name": "Cambridge"}
    )
    assert "agency was added" in added.text
    made = admin.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(added),
            "username": "det.page",
            "full_name": "Page Detective",
            "agency_code": "cpd",
            "roles": ["requester", "auditor"],
            "password": "a page-made password",
        },
    )
    assert "user was saved" in made.text
    user_id = re.findall(r'href="/admin/users/(\d+)">det.page<', made.text)[0]
    edit = admin.get(f"/admin/users/{user_id}")
    assert 'value="auditor" checked' in edit.text
    saved = admin.post(
        f"/admin/users/{user_id}",
        data={"csrf_token": csrf_of(edit), "full_name": "Page D.", "roles": ["requester"]},
    )
    assert "user was saved" in saved.text and 'id="active" type="checkbox" name="active"' in (
        saved.text
    )
    assert light.call("det.page", "GET", "/api/v1/me").status_code == 401, "left inactive"
    reset = admin.post(
        f"/admin/users/{user_id}/password",
        data={"csrf_token": csrf_of(saved), "password": "yet another password"},
    )
    assert reset.status_code == 200
    no_factor = admin.post(f"/admin/users/{user_id}/totp", data={"csrf_token": csrf_of(reset)})
    assert no_factor.status_code == 409

    gallery = admin.post("/admin/galleries", data={"csrf_token": csrf_of(reset), "name": "county"})
    assert "gallery was created" in gallery.text
    outside = admin.post(
        "/admin/enrolments",
        data={"csrf_token": csrf_of(gallery), "source": "/etc", "gallery": "county"},
    )
    assert outside.status_code == 422 and "import folder" in outside.text
    batch = light.world.settings.imports_dir / "one" / "Adam_Sandler"
    batch.mkdir(parents=True)
    (batch / "a.jpg").symlink_to(light.world.photo("Adam_Sandler", 1))
    job = admin.post(
        "/admin/enrolments",
        data={"csrf_token": csrf_of(gallery), "source": "one", "gallery": "county"},
    )
    assert "Enrolment job 1: county" in job.text and "<progress" in job.text
    assert "queued: 0 of 1 photos, waiting for a worker" in job.text
    paused = admin.post("/admin/enrolments/1/pause", data={"csrf_token": csrf_of(job)})
    assert "paused: 0 of 1 photos" in paused.text and "Resume</button>" in paused.text
    resumed = admin.post("/admin/enrolments/1/resume", data={"csrf_token": csrf_of(paused)})
    assert "queued: 0 of 1" in resumed.text
    services = light.app.state.services
    assert run_next(services.settings, services.sessions) == 1
    assert "finished: 1 of 1 photos" in admin.get("/admin/enrolments/1").text
    assert admin.get("/admin/enrolments/9").status_code == 404
    with transaction(services.sessions) as session:  # as a worker leaves it mid-run
        started = utcnow() - timedelta(seconds=10)
        session.execute(
            update(EnrolmentJobRow).values(
                state="running", done=10, total=40, run_started_at=started
            )
        )
    listed = admin.get("/admin").text
    assert "<td>10 / 40</td><td>1.0 photos/s</td><td>30 s</td><td>running</td>" in listed
    assert "Sign a checkpoint over the record" in listed and "when a worker starts" in listed
    assert "No mail server is set" in listed
    with transaction(services.sessions) as session:  # a notice the mail server refused twice
        admin_id = session.scalars(select(User.id).where(User.username == "admin")).one()
        session.add(
            Notice(
                user_id=admin_id,
                event="job.failed",
                key="job.failed:1:admin",
                text="Enrolment job 1 failed.",
                link="/admin/enrolments/1",
                mail_state="pending",
                attempts=2,
                last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            )
        )
    failing = admin.get("/admin").text.split('id="mail-failures"')[1].split("</table>")[0]
    assert "<td>job.failed</td><td>2</td><td>ConnectionRefusedError" in failing
    assert "retrying" in failing


def test_with_several_galleries_the_enrolment_form_asks_which(light: Web) -> None:
    admin = light.browser("admin")
    made = admin.get("/admin")
    for name in ("county", "state"):
        made = admin.post("/admin/galleries", data={"csrf_token": csrf_of(made), "name": name})
    form = made.text.split('id="enrol-form"')[1].split("</form>")[0]
    assert '<option value="">- Choose the gallery -</option>' in form and "selected" not in form
    batch = light.world.settings.imports_dir / "two" / "Adam_Sandler"
    batch.mkdir(parents=True)
    (batch / "a.jpg").symlink_to(light.world.photo("Adam_Sandler", 1))
    unnamed = admin.post("/admin/enrolments", data={"csrf_token": csrf_of(made), "source": "two"})
    assert unnamed.status_code == 422
    assert 'id="enrol-gallery-error">Choose the gallery to enrol into.<' in unnamed.text
    assert 'value="two"' in unnamed.text
    chosen = admin.post(
        "/admin/enrolments",
        data={"csrf_token": csrf_of(unnamed), "source": "two", "gallery": "state"},
    )
    assert "Enrolment job 1: state" in chosen.text


def test_the_policy_pages_show_each_rule_with_its_source(light: Web) -> None:
    admin = light.browser("admin")
    listing = admin.get("/admin")
    assert 'href="/admin/policies/ma-commission-2022"' in listing.text
    assert "new requests are decided under this one" in listing.text
    shown = admin.get("/admin/policies/ma-commission-2022", params={"at": "2026-01-01"})
    assert shown.status_code == 200
    assert "PROPOSED LAW" in shown.text and "Felony (felony)" in shown.text
    assert "SOURCE NOT VERIFIED" in shown.text and "(unverified)" in shown.text
    assert admin.get("/admin/policies/vermont").status_code == 404
    assert admin.get("/admin/policies/..%2F..%2Fetc").status_code == 404
    assert admin.get("/admin/policies/massachusetts", params={"at": "soon"}).status_code == 422
    assert light.browser("auditor").get("/admin/policies/massachusetts").status_code == 403


def test_record_and_supervision_pages(light: Web) -> None:
    auditor = light.browser("auditor")
    record = auditor.get("/record", params={"action": "account.", "since": "2000-01-01T00:00"})
    assert record.status_code == 200 and "account.password_set" in record.text
    assert auditor.get("/record", params={"since": "yesterday"}).status_code == 422
    verified = auditor.get("/record/verify")
    assert "The record is intact" in verified.text
    signed = auditor.post("/record/checkpoint", data={"csrf_token": csrf_of(verified)})
    assert "record was signed" in signed.text and "Signatures checked</dt><dd>yes" in signed.text
    supervision = light.browser("supervisor").get("/supervision")
    assert "Overdue sworn statements" in supervision.text
    refused = light.browser("officer").get("/supervision")
    assert refused.status_code == 403
    assert "Sign out officer" in refused.text, "an error page keeps the navigation"


def test_account_page_tokens_second_factor_and_password(light: Web) -> None:
    me = light.browser("officer")
    page = me.get("/account")
    made = me.post("/account/tokens", data={"csrf_token": csrf_of(page), "name": "scripts"})
    token = re.findall(r'id="new-token">([^<]+)<', made.text)[0]
    assert light.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).is_success
    token_id = re.findall(r"/account/tokens/(\d+)/revoke", made.text)[0]
    revoked = me.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(made)})
    assert "token was revoked" in revoked.text

    started = me.post("/account/totp", data={"csrf_token": csrf_of(revoked)})
    secret = re.findall(r'id="totp-secret">([A-Z2-7]+)<', started.text)[0]
    totp = pyotp.TOTP(secret)
    on = me.post("/account/totp/confirm", data={"csrf_token": csrf_of(started), "code": totp.now()})
    assert "second factor is on" in on.text
    off = me.post(
        "/account/totp/disable",
        data={"csrf_token": csrf_of(on), "code": totp.at(time.time() + 30)},
    )
    assert "second factor is off" in off.text

    changed = me.post(
        "/account/password",
        data={
            "csrf_token": csrf_of(off),
            "current": "a long test passphrase",
            "new": "brand new pw!",
        },
    )
    assert changed.url.path == "/login" and "password was changed" in changed.text
    assert me.get("/account", follow_redirects=False).status_code == 303, "signed out"
