"""The legal workflow driven through ``facedocket admin`` and ``facedocket requests``."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from PIL import Image
from tests.photos import lfw
from typer.testing import CliRunner

from facedocket.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_case_from_the_command_line(tmp_path: Path, faces: Path) -> None:
    run("admin", "add-agency", "state-police", "Massachusetts State Police")
    run("admin", "add-agency", "bpd", "Boston Police Department")
    staff = [
        ("det", "bpd", "requester"),
        ("intake", "state-police", "intake_reviewer"),
        ("exam", "state-police", "examiner"),
        ("sup", "state-police", "supervisor"),
    ]
    for username, agency, role in staff:
        run(
            "admin",
            "add-user",
            username,
            "--name",
            username.title(),
            "--agency",
            agency,
            "--role",
            role,
            "--rank",
            "Sergeant",
        )
    manifest = tmp_path / "rmv.csv"
    manifest.write_text(
        "record_id,name,photo\n"
        + "".join(f"{n},{n},{lfw(faces, n)}\n" for n in ("Abdullah_Gul", "Adam_Sandler"))
    )
    run("gallery", "enrol", "rmv", str(manifest), "--workers", "1")

    now = datetime.now(UTC)
    form = tmp_path / "request.yaml"
    form.write_text(
        yaml.safe_dump(
            {
                "case_number": "BPD-1",
                "offence": "Robbery",
                "offence_class": "felony",
                "narrative": "A robbery caught on a store camera; the robber is unknown.",
                "gallery": "rmv",
                "searching_body": "state-police",
                "basis": {
                    "kind": "court_order",
                    "court": "Suffolk Superior Court",
                    "docket_number": "26CR1",
                    "judge": "Hon. Example",
                    "issued_on": (now - timedelta(days=1)).date().isoformat(),
                    "expires_at": (now + timedelta(days=5)).isoformat(),
                    "scope": "One search of the RMV gallery with the store camera still.",
                    "searches_allowed": 1,
                },
            }
        )
    )
    order = tmp_path / "order.pdf"
    buffer = io.BytesIO()
    Image.new("RGB", (100, 140), "white").save(buffer, "PDF")
    order.write_bytes(buffer.getvalue())
    probe = lfw(faces, "Abdullah_Gul", 2)

    written = run(
        "requests",
        "create",
        "--as",
        "det",
        str(form),
        "--probe",
        str(probe),
        "--probe-source",
        "store camera",
        "--order",
        str(order),
    )
    number = re.search(r"request (\d+) written", written)
    assert number is not None
    rid = number.group(1)
    run("requests", "search", "--as", "exam", rid, code=1)
    run("requests", "submit", "--as", "det", rid)
    refused = run("requests", "approve", "--as", "det", rid, "--note", "Approving my own.", code=1)
    assert "only an intake reviewer or supervisor may approve" in refused
    run("requests", "approve", "--as", "intake", rid, "--note", "The order covers this image.")
    assert "1 candidate(s)" in run("requests", "search", "--as", "exam", rid)
    sheet = run("requests", "sheet", "--as", "exam", rid)
    candidate = re.search(r"│\s*(\d+)\s*│\s*1\s*│", sheet)
    assert candidate is not None
    assert "Abdullah" not in sheet, "no name before the examiner's conclusion"
    assert "only after the examiners conclude" in run(
        "requests", "results", "--as", "det", rid, code=1
    )
    run(
        "requests",
        "review",
        "--as",
        "exam",
        rid,
        candidate.group(1),
        "--conclusion",
        "possible_lead",
        "--reasons",
        "Same ears, nose and brow line.",
    )
    assert "Abdullah" in run("requests", "sheet", "--as", "exam", rid), "named after it"
    run("requests", "conclude", "--as", "exam", rid, "--outcome", "lead")
    results = run("requests", "results", "--as", "det", rid)
    assert "NOT AN IDENTIFICATION" in results
    assert "possible lead: Abdullah_Gul" in results
    shown = run("requests", "show", "--as", "det", rid)
    assert f"request {rid}: concluded lead" in shown
    assert "docket 26CR1" in shown
    today = now.astimezone(ZoneInfo("America/New_York")).date().isoformat()
    assert "not a date" in run(
        "requests", "outcome", "--as", "det", rid, "--kind", "arrest", "--on", "soon", code=1
    )
    assert "requesting officer or a supervisor" in run(
        "requests", "outcome", "--as", "exam", rid, "--kind", "arrest", "--on", today, code=1
    )
    recorded = run("requests", "outcome", "--as", "det", rid, "--kind", "arrest", "--on", today)
    assert f"request {rid}: {today}: arrest" in recorded
    assert "none overdue" in run("requests", "overdue-outcomes", "--as", "sup")
    unlawful = ("requests", "unlawful-search", rid, "--search", "1", "--reason")
    why = "The order did not cover this camera."
    assert "takes one of these roles: supervisor, auditor" in run(
        *unlawful, why, "--as", "det", code=1
    )
    assert "has no search 99" in run(
        "requests",
        "unlawful-search",
        rid,
        "--search",
        "99",
        "--reason",
        why,
        "--as",
        "sup",
        code=1,
    )
    kept = run(*unlawful, why, "--as", "sup", code=1)
    assert "has no rule deleting the results of an unlawful search" in kept
    assert "possible lead: Abdullah_Gul" in run("requests", "results", "--as", "det", rid)
    assert "intact" in run("audit", "verify")


def test_unknown_user_and_bad_form_are_refused(tmp_path: Path) -> None:
    assert "no active user called 'ghost'" in run("requests", "list", "--as", "ghost", code=1)
    form = tmp_path / "bad.yaml"
    form.write_text("case_number: X\nbasis: {kind: rumour}\n")
    probe = tmp_path / "p.jpg"
    probe.write_bytes(b"x")
    output = run("requests", "create", "--as", "ghost", str(form), "--probe", str(probe), code=1)
    assert "is not a valid request" in output
    assert "offence" in output
