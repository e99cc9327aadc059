"""The compliance report finds exactly the planted problems of the seeded record."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tests.records import utc
from tests.reports.conftest import Seeded

from facedocket.kernel.refusals import Refused
from facedocket.reports.compliance import compliance_export, findings
from facedocket.reports.files import check_manifest

AT = utc(2026, 3, 1)


def test_every_planted_problem_and_nothing_else(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        found = findings(session, AT)
    r, s = seeded.requests, seeded.searches
    assert [(f.check, f.request_id, f.search_id) for f in found] == [
        ("basis", r["R2"], s["R2"]),  # the order expired on 31 October; searched 10 November
        ("basis", r["R12"], None),  # no basis at all
        ("statement", r["R10"], None),  # missing past its 48 hours
        ("statement", r["R11"], None),  # filed two days and an hour after the search
        ("review", r["R1"], s["R1"]),  # one of three candidates without a conclusion
        ("training", r["R10"], s["R10"]),  # commission policy; trained only the next day
        ("model", r["R10"], s["R10"]),  # approved only the next day
    ]
    details = {(f.check, f.request_id): f.detail for f in found}
    assert "expired" in details[("basis", r["R2"])]
    assert details[("review", r["R1"])] == "1 of 3 conclusions missing"
    assert details[("statement", r["R11"])].startswith("sworn statement filed 2026-02-14T16:00")
    assert details[("training", r["R10"])] == "no face-comparison training on record"


def test_before_the_deadline_a_missing_statement_is_not_yet_a_finding(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        found = findings(session, utc(2026, 2, 11, 12))
    assert ("statement", seeded.requests["R10"]) not in {(f.check, f.request_id) for f in found}
    # R11 and R12 did not exist yet.
    assert seeded.requests["R12"] not in {f.request_id for f in found}


def test_the_export_is_confidential_complete_and_recorded(seeded: Seeded) -> None:
    with pytest.raises(Refused), seeded.sessions.begin() as session:
        compliance_export(session, seeded.actor("supervisor"), AT)
    with seeded.sessions.begin() as session:
        files = compliance_export(session, seeded.actor("auditor"), AT)
    report = json.loads(files["compliance.json"])
    assert report["counts"] == {
        "basis": 2,
        "statement": 2,
        "review": 1,
        "training": 1,
        "model": 1,
        "unlawful": 0,
    }
    assert report["as_of"] == "2026-03-01T00:00:00+00:00"
    rows = list(csv.DictReader(io.StringIO(files["compliance.csv"].decode())))
    assert len(rows) == 7
    assert rows[0]["case_number"] == "'=HYPERLINK(1)"
    assert check_manifest(files) == []
    with seeded.sessions.begin() as session:
        again = compliance_export(session, seeded.actor("admin"), AT)
    assert again == files
