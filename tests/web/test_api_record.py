"""The record over the API: filtered reading, verification, signing and export."""

from __future__ import annotations

import base64
import os

from tests.web.conftest import Web

from facedocket.audit import read_json_lines, signing_key, verify_entries


def test_auditor_reads_verifies_signs_and_exports_the_record(light: Web) -> None:
    created = light.create()
    assert created.status_code == 201
    number = created.json()["id"]

    entries = light.call("auditor", "GET", "/api/v1/record", params={"action": "request."}).json()
    assert [e["action"] for e in entries] == ["request.submitted", "request.created"]
    assert all(len(e["entry_hash"]) == 64 for e in entries)
    mine = light.call(
        "auditor",
        "GET",
        "/api/v1/record",
        params={"subject_type": "request", "subject_id": str(number), "actor": "officer"},
    ).json()
    assert {e["actor"] for e in mine} == {"officer"}
    page = light.call("auditor", "GET", "/api/v1/record", params={"limit": 2}).json()
    older = light.call(
        "auditor", "GET", "/api/v1/record", params={"before_seq": page[-1]["seq"], "limit": 2}
    ).json()
    assert older[0]["seq"] == page[-1]["seq"] - 1
    naive = light.call("auditor", "GET", "/api/v1/record", params={"since": "2026-01-01T00:00"})
    assert naive.status_code == 422, "a time without a zone is ambiguous in a legal record"
    window = light.call(
        "auditor",
        "GET",
        "/api/v1/record",
        params={"since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z"},
    ).json()
    assert window == []

    check = light.call("auditor", "GET", "/api/v1/record/verification").json()
    assert check["ok"] and check["problem"] is None
    signed = light.call("auditor", "POST", "/api/v1/record/checkpoints")
    assert signed.status_code == 201
    check = light.call("auditor", "GET", "/api/v1/record/verification").json()
    assert check["ok"] and check["signatures_checked"] and check["checkpoints"] == 1

    exported = light.call("auditor", "GET", "/api/v1/record/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/jsonl")
    lines = exported.content.splitlines()
    assert read_json_lines([lines[-1]], "export").__next__()["action"] == "record.exported"
    checkpoints = light.call("auditor", "GET", "/api/v1/record/export/checkpoints").content
    public = signing_key(light.world.settings).public_key()
    result = verify_entries(
        read_json_lines(lines, "entries"),
        list(read_json_lines(checkpoints.splitlines(), "checkpoints")),
        public,
    )
    assert result.ok, result

    actions = {
        e["action"]
        for e in light.call("auditor", "GET", "/api/v1/record", params={"action": "record."}).json()
    }
    assert actions == {
        "record.viewed",
        "record.verified",
        "record.checkpoint_signed",
        "record.exported",
    }
    for role in ("officer", "examiner", "supervisor", "admin"):
        assert light.call(role, "GET", "/api/v1/record").status_code == 403
        assert light.call(role, "GET", "/api/v1/record/export").status_code == 403


def test_a_checkpoint_after_a_key_change_is_a_409_naming_the_key(light: Web) -> None:
    assert light.call("auditor", "POST", "/api/v1/record/checkpoints").status_code == 201
    key_file = light.world.settings.audit_signing_key_file
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n", encoding="ascii")
    refused = light.call("auditor", "POST", "/api/v1/record/checkpoints")
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert detail["code"] == "record_not_signed"
    assert "names key" in detail["reasons"][0] and "not the given key" in detail["reasons"][0]
