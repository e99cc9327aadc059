"""The quarterly per-search documentation, counted by hand from the seeded record."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from tests.reports.conftest import Seeded

from facedocket.kernel.refusals import Refused
from facedocket.reports.files import check_manifest
from facedocket.reports.quarterly import COLUMNS, quarterly_export
from facedocket.settings import Settings
from facedocket.store.schema import AuditEntry

SETTINGS = Settings()


def export(seeded: Seeded, quarter: str, body: str, user: str = "auditor") -> dict[str, bytes]:
    with seeded.sessions.begin() as session:
        return quarterly_export(session, SETTINGS, seeded.actor(user), quarter, body)


def test_one_row_per_search_of_the_body_in_the_local_quarter(seeded: Seeded) -> None:
    files = export(seeded, "2025Q4", "state-police")
    rows = json.loads(files["searches.json"])["searches"]
    # R7 ran in September (Q3); R3 at 04:30 UTC on 1 January is 23:30 on 31 December in Boston.
    assert [r["request_id"] for r in rows] == [seeded.requests[n] for n in ("R1", "R2", "R3")]
    first = rows[0]
    assert first["run_at"] == "2025-10-05T10:00:00-04:00"
    assert rows[2]["run_at"] == "2025-12-31T23:30:00-05:00"
    assert (first["requesting_agency"], first["examiner"], first["basis"]) == (
        "bpd",
        "examiner",
        "court_order",
    )
    assert (first["threshold"], first["list_size"], first["candidates_returned"]) == (
        "0.9120",
        20,
        3,
    )
    assert (first["model"], first["model_version"], first["model_sha256"]) == (
        "dlib-resnet-v1",
        "1.0",
        "ab" * 32,
    )
    assert (first["search_number"], first["searches_in_request"]) == (1, 1)
    assert rows[2]["basis"] == "emergency"
    assert rows[2]["emergency_supervisor"] == "supervisor"
    assert set(first) == set(COLUMNS)


def test_other_bodies_and_quarters(seeded: Seeded) -> None:
    fbi = json.loads(export(seeded, "2026Q1", "fbi")["searches.json"])["searches"]
    assert [r["request_id"] for r in fbi] == [seeded.requests["R6"]]
    police = json.loads(export(seeded, "2026Q1", "state-police")["searches.json"])["searches"]
    assert [r["request_id"] for r in police] == [seeded.requests["R10"], seeded.requests["R11"]]
    assert (
        json.loads(export(seeded, "2025Q3", "state-police")["searches.json"])["searches"][0][
            "request_id"
        ]
        == seeded.requests["R7"]
    )
    assert json.loads(export(seeded, "2024Q1", "state-police")["searches.json"])["searches"] == []


def test_csv_matches_json_and_defuses_formulas(seeded: Seeded) -> None:
    files = export(seeded, "2025Q4", "state-police")
    table = list(csv.DictReader(io.StringIO(files["searches.csv"].decode())))
    assert [row["search_id"] for row in table] == [
        str(seeded.searches[n]) for n in ("R1", "R2", "R3")
    ]
    assert table[1]["case_number"] == "'=HYPERLINK(1)"
    assert json.loads(files["searches.json"])["searches"][1]["case_number"] == "=HYPERLINK(1)"
    assert files["searches.csv"].count(b"\r\n") == 4


def test_manifest_lists_every_file_and_the_export_is_recorded(seeded: Seeded) -> None:
    files = export(seeded, "2025Q4", "state-police")
    assert check_manifest(files) == []
    manifest = json.loads(files["manifest.json"])
    assert manifest["about"]["searches"] == 3
    assert [f["name"] for f in manifest["files"]] == ["searches.csv", "searches.json"]
    with seeded.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.created")
        ).one()
    assert entry.actor == "auditor"
    assert entry.subject_id == "quarterly-2025Q4-state-police"
    assert entry.details["kind"] == "quarterly"
    assert entry.details["searches"] == 3


def test_same_record_same_bytes(seeded: Seeded) -> None:
    assert export(seeded, "2025Q4", "state-police") == export(seeded, "2025Q4", "state-police")


@pytest.mark.parametrize("user", ["examiner", "supervisor", "officer"])
def test_only_auditors_and_administrators_produce_it(seeded: Seeded, user: str) -> None:
    with pytest.raises(Refused, match="auditor, administrator"):
        export(seeded, "2025Q4", "state-police", user)
    export(seeded, "2025Q4", "state-police", "admin")


@pytest.mark.parametrize(
    ("quarter", "body", "message"),
    [
        ("2025Q5", "state-police", "not a quarter"),
        ("2025-Q1", "state-police", "not a quarter"),
        ("1899Q1", "state-police", "outside"),
        ("2025Q1", "bpd", "not a searching body"),
        ("2025Q1", "nobody'; DROP TABLE", "no agency"),
    ],
)
def test_bad_quarters_and_bodies_are_refused(
    seeded: Seeded, quarter: str, body: str, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        export(seeded, quarter, body)
    with seeded.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []
