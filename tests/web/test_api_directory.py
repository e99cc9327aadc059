"""Agencies, users, the signed-in user's account, galleries and enrolment over the API."""

from __future__ import annotations

import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Web, sign_in

from facedocket.accounts.throttle import MAX_FAILURES_PER_NAME
from facedocket.gallery.runner import run_next
from facedocket.store.schema import ApiToken, AuditEntry, PasswordHash, TotpSecret, User


def test_administrator_manages_agencies_and_users(light: Web) -> None:
    created = light.call(
        "admin", "POST", "/api/v1/agencies", json={"code": "cpd", "name": "Cambridge PD"}
    )
    assert created.status_code == 201
    codes = [a["code"] for a in light.call("admin", "GET", "/api/v1/agencies").json()]
    assert "cpd" in codes
    duplicate = light.call("admin", "POST", "/api/v1/agencies", json={"code": "cpd", "name": "x"})
    # A duplicate agency is a conflict, as a duplicate user is.
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"]["code"] == "exists"

    user = light.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "det.new",
            "full_name": "New Detective",
            "agency_code": "cpd",
            "roles": ["requester"],
            "password": "a fine long password",
        },
    )
    assert user.status_code == 201, user.text
    body = user.json()
    assert body["has_password"] and body["roles"] == ["requester"]
    assert "password" not in body
    assert light.call("admin", "GET", f"/api/v1/users/{body['id']}").json()["username"] == "det.new"
    assert "det.new" in [u["username"] for u in light.call("admin", "GET", "/api/v1/users").json()]

    bad_role = light.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={"username": "x.y", "full_name": "X", "agency_code": "cpd", "roles": ["judge"]},
    )
    assert bad_role.status_code == 422

    changed = light.call(
        "admin", "PATCH", f"/api/v1/users/{body['id']}", json={"roles": ["requester", "auditor"]}
    )
    assert changed.json()["roles"] == ["auditor", "requester"]
    assert light.call("det.new", "GET", "/api/v1/me").status_code == 200
    light.call("admin", "PATCH", f"/api/v1/users/{body['id']}", json={"active": False})
    assert light.call("det.new", "GET", "/api/v1/me").status_code == 401, "deactivated at once"

    admin_id = light.call("admin", "GET", "/api/v1/me").json()["id"]
    last = light.call("admin", "PATCH", f"/api/v1/users/{admin_id}", json={"active": False})
    assert last.status_code == 409
    assert last.json()["detail"]["code"] == "last_administrator"

    reset = light.call(
        "admin", "PUT", f"/api/v1/users/{body['id']}/password", json={"password": "short"}
    )
    assert reset.status_code == 422
    reset = light.call(
        "admin",
        "PUT",
        f"/api/v1/users/{body['id']}/password",
        json={"password": "another long password"},
    )
    assert reset.status_code == 204
    assert light.call("officer", "GET", "/api/v1/users").status_code == 403


def test_personal_tokens_are_shown_once_and_stored_hashed(light: Web) -> None:
    made = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": "case system"})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("fdk_")
    with light.world.sessions() as session:
        stored = session.scalars(select(ApiToken.token_sha256)).all()
    assert secret not in stored and all(len(digest) == 64 for digest in stored)
    headers = {"Authorization": f"Bearer {secret}"}
    assert light.client.get("/api/v1/me", headers=headers).json()["username"] == "officer"
    listed = light.call("officer", "GET", "/api/v1/me/tokens").json()
    assert "token" not in listed[0]
    token_id = made.json()["details"]["id"]
    assert light.call("other.officer", "DELETE", f"/api/v1/me/tokens/{token_id}").status_code == 404
    revoked = light.call("officer", "DELETE", f"/api/v1/me/tokens/{token_id}")
    assert revoked.json()["revoked_at"] is not None
    assert light.client.get("/api/v1/me", headers=headers).status_code == 401
    bad = {"Authorization": "Bearer fdk_not-a-token"}
    assert light.client.get("/api/v1/me", headers=bad).status_code == 401


def test_password_change_and_second_factor(light: Web) -> None:
    light.browser("officer")  # gives the officer a password
    wrong = light.call(
        "officer",
        "PUT",
        "/api/v1/me/password",
        json={"current_password": "not the password", "new_password": "a new long password"},
    )
    assert wrong.status_code == 422
    changed = light.call(
        "officer",
        "PUT",
        "/api/v1/me/password",
        json={"current_password": "a long test passphrase", "new_password": "a new long pass"},
    )
    assert changed.status_code == 204
    with light.world.sessions() as session:
        assert session.scalars(select(PasswordHash.hash)).first().startswith("$argon2id$")

    started = light.call("officer", "POST", "/api/v1/me/totp").json()
    assert started["uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(started["secret"])
    bad = light.call("officer", "POST", "/api/v1/me/totp/confirm", json={"code": "000000"})
    assert bad.status_code == 422
    code = totp.now()
    assert light.call("officer", "POST", "/api/v1/me/totp/confirm", json={"code": code}).is_success
    assert light.call("officer", "GET", "/api/v1/me").json()["totp_enabled"]
    assert light.call("officer", "POST", "/api/v1/me/totp").status_code == 409
    replay = light.call("officer", "POST", "/api/v1/me/totp/disable", json={"code": code})
    assert replay.status_code == 422, "a code is good once"
    user_id = light.call("officer", "GET", "/api/v1/me").json()["id"]
    assert light.call("admin", "DELETE", f"/api/v1/users/{user_id}/totp").status_code == 204
    with light.world.sessions() as session:
        assert session.get(TotpSecret, user_id) is None
    assert light.call("admin", "DELETE", f"/api/v1/users/{user_id}/totp").status_code == 409
    again = light.call("officer", "POST", "/api/v1/me/totp").json()
    fresh = pyotp.TOTP(again["secret"]).now()
    light.call("officer", "POST", "/api/v1/me/totp/confirm", json={"code": fresh})
    off = light.call(
        "officer",
        "POST",
        "/api/v1/me/totp/disable",
        json={"code": pyotp.TOTP(again["secret"]).at(time.time() + 30)},
    )
    assert off.status_code == 204
    assert not light.call("officer", "GET", "/api/v1/me").json()["totp_enabled"]


def test_galleries_enrolment_jobs_policies_and_models(light: Web) -> None:
    imports = light.world.settings.imports_dir
    for name in ("Adam_Sandler", "Adrien_Brody"):
        (imports / "batch" / name).mkdir(parents=True)
        (imports / "batch" / name / "1.jpg").symlink_to(light.world.photo(name, 2))
    created = light.call("admin", "POST", "/api/v1/galleries", json={"name": "county"})
    assert created.status_code == 201
    assert created.json()["persons"] == 0
    assert light.call(
        "admin", "POST", "/api/v1/galleries", json={"name": "county"}
    ).status_code == (409)
    outside = light.call(
        "admin", "POST", "/api/v1/galleries/county/enrolments", json={"source": "../.."}
    )
    assert outside.status_code == 422
    unknown = light.call("admin", "POST", "/api/v1/galleries/nope/enrolments", json={"source": "x"})
    assert unknown.status_code == 404
    job = light.call(
        "admin", "POST", "/api/v1/galleries/county/enrolments", json={"source": "batch"}
    )
    assert job.status_code == 202, job.text
    assert (job.json()["total"], job.json()["state"]) == (2, "queued")
    again = light.call(
        "admin", "POST", "/api/v1/galleries/county/enrolments", json={"source": "batch"}
    )
    assert again.status_code == 409
    assert "unfinished enrolment job" in again.json()["detail"]["reasons"][0]
    services = light.app.state.services
    assert run_next(services.settings, services.sessions) == job.json()["id"]
    status = light.call("admin", "GET", f"/api/v1/enrolments/{job.json()['id']}").json()
    assert status["state"] == "finished", status
    assert (status["done"], status["enrolled"], status["runs"]) == (2, 2, 1)
    finished = light.call("admin", "POST", f"/api/v1/enrolments/{job.json()['id']}/pause")
    assert finished.status_code == 409
    assert light.call("admin", "POST", "/api/v1/enrolments/1/stop").status_code == 422
    assert [j["id"] for j in light.call("admin", "GET", "/api/v1/enrolments").json()] == [1]
    assert light.call("admin", "GET", "/api/v1/enrolments/99").status_code == 404
    county = light.call("admin", "GET", "/api/v1/galleries/county").json()
    assert county["persons"] == 2
    names = {g["name"] for g in light.call("admin", "GET", "/api/v1/galleries").json()}
    assert names == {"county", "rmv"}
    assert light.call("admin", "GET", "/api/v1/galleries/none").status_code == 404

    policies = light.call("admin", "GET", "/api/v1/policies").json()
    assert [p["id"] for p in policies if p["in_force_here"]] == ["massachusetts"]
    models = light.call("admin", "GET", "/api/v1/models").json()
    assert models[0]["name"] == "dlib-resnet-v1"
    assert len(models[0]["file_sha256"]) == 64


def test_an_administrator_unlocks_a_locked_name_over_the_api(light: Web) -> None:
    light.browser("officer")  # gives the officer a password
    client = TestClient(light.app)
    for _ in range(MAX_FAILURES_PER_NAME):
        assert sign_in(client, "officer", "a wrong guess").status_code == 401
    with light.world.sessions() as session:
        officer = session.scalars(select(User.id).where(User.username == "officer")).one()
    url = f"/api/v1/users/{officer}"
    locked = light.call("admin", "GET", url).json()["locked_until"]
    assert locked is not None
    assert sign_in(client, "officer", PASSWORD).status_code == 429, "locked"

    # Only an administrator unlocks, and only a user who exists; a refusal clears nothing.
    for role_user in ("intake", "officer", "auditor"):
        refused = light.call(role_user, "DELETE", url + "/lock")
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "wrong_role"
    assert light.call("admin", "DELETE", "/api/v1/users/999999/lock").status_code == 404
    assert TestClient(light.app).delete(url + "/lock").status_code == 401
    assert light.call("admin", "GET", url).json()["locked_until"] == locked

    unlocked = light.call("admin", "DELETE", url + "/lock")
    assert unlocked.status_code == 200 and unlocked.json() == {
        "failures_cleared": MAX_FAILURES_PER_NAME
    }
    assert light.call("admin", "GET", url).json()["locked_until"] is None
    assert sign_in(client, "officer", PASSWORD).status_code == 303
    with light.world.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.unlocked")
        ).all()
    assert [(e.actor, e.role, e.subject_id, e.details) for e in entries] == [
        (
            "admin",
            "administrator",
            str(officer),
            {"username": "officer", "failures_cleared": MAX_FAILURES_PER_NAME},
        )
    ]
