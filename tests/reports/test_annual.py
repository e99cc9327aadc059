"""The annual public report: figures counted by hand, withheld counts, HTML and PDF."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
from tests.reports.conftest import Seeded

from facedocket.kernel.refusals import Refused
from facedocket.policy import load_policy
from facedocket.reports.annual import annual_report
from facedocket.reports.files import check_manifest
from facedocket.reports.periods import annual
from facedocket.reports.publish import produce_annual
from facedocket.settings import Settings


def report(seeded: Seeded, policy_id: str = "massachusetts", year: int = 2025):  # type: ignore[no-untyped-def]
    policy = load_policy(policy_id)
    with seeded.sessions() as session:
        return annual_report(session, policy, annual(policy, year))


def figures(table) -> list[list[int | None]]:  # type: ignore[no-untyped-def]
    rows = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    return [*rows, [*table.column_totals, table.total]]


def test_the_massachusetts_period_runs_september_to_september() -> None:
    period = annual(load_policy("massachusetts"), 2025)
    assert (period.start.date(), period.end.date()) == (date(2025, 9, 1), date(2026, 9, 1))
    assert period.start.utcoffset() is not None and period.label == "2025-2026"
    assert annual(load_policy("maryland-2024"), 2025).label == "2025"


def test_requests_by_agency_and_basis(seeded: Seeded) -> None:
    made = report(seeded)
    basis = made.tables[0]
    # R7 was submitted before the period, R9 after it, R8 never: 9 requests.
    assert made.requests == 9
    assert basis.rows == ("Boston Police Department", "Cambridge Police Department")
    assert basis.columns == ("court order", "emergency", "deceased person", "no basis on record")
    assert figures(basis) == [[2, 3, 0, 1, 6], [2, 0, 1, 0, 3], [4, 3, 1, 1, 9]]


def test_requests_by_offence_class_and_outcome(seeded: Seeded) -> None:
    outcomes = report(seeded).tables[1]
    assert outcomes.rows == ("felony", "misdemeanour")
    assert outcomes.columns == (
        "investigative lead",
        "no lead",
        "request refused",
        "withdrawn by the requester",
        "not yet concluded",
    )
    assert figures(outcomes) == [[3, 1, 0, 0, 4, 8], [0, 0, 1, 0, 0, 1], [3, 1, 1, 0, 4, 9]]


def test_searches_by_body_and_gallery(seeded: Seeded) -> None:
    made = report(seeded)
    bodies, galleries = made.tables[2], made.tables[3]
    # R7's search ran on 2 September, inside the period, though its request came before.
    assert made.searches == 7
    assert bodies.columns == ("Federal Bureau of Investigation", "Massachusetts State Police")
    assert figures(bodies) == [[0, 6, 6], [1, 0, 1], [1, 6, 7]]
    assert figures(galleries) == [[7, 7], [7, 7]]


def test_no_names_or_case_numbers_in_the_public_report(seeded: Seeded) -> None:
    with seeded.sessions.begin() as session:
        files = produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html",))
    page = files["annual-report-2025-2026.html"].decode()
    for private in ("BPD-1", "HYPERLINK", "Officer", "Examiner", "Person 1", "L1"):
        assert private not in page
    assert "Boston Police Department" in page and ">9<" in page


def test_small_counts_are_withheld_where_the_policy_says(seeded: Seeded) -> None:
    made = report(seeded, "maryland-2024", 2025)
    basis = made.tables[0]
    # Calendar 2025: R1, R2, R3, R4 and R7 (31 August in Boston). Every non-zero count but
    # the total of 5 is below 5.
    assert made.requests == 5
    assert basis.columns[:2] == ("court order", "emergency")
    assert figures(basis) == [
        [None, None, 0, 0, 0, None],
        [None, 0, 0, 0, 0, None],
        [None, None, 0, 0, 0, 5],
    ]
    for table in made.tables:
        shown = [v for row in figures(table) for v in row if v is not None]
        assert all(v == 0 or v >= 5 for v in shown), table.title


def test_the_report_names_the_head_of_the_record(seeded: Seeded) -> None:
    with seeded.sessions.begin() as session:
        files = produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html",))
    about = json.loads(files["manifest.json"])["about"]
    # The seeded rows bypass the record, which is empty until this production.
    assert about["audit_head"] == f"entry 0, hash {'0' * 64}"
    with seeded.sessions.begin() as session:
        files = produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html",))
    page = files["annual-report-2025-2026.html"].decode()
    assert "entry 1, hash " in page


def test_same_record_same_bytes_in_both_formats(seeded: Seeded) -> None:
    made = []
    for _ in range(2):
        with seeded.sessions() as session:
            made.append(
                produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html", "pdf"))
            )
            session.rollback()
    assert made[0] == made[1]
    assert check_manifest(made[0]) == []


def test_the_pdf_renders_with_its_charts(seeded: Seeded) -> None:
    with seeded.sessions.begin() as session:
        files = produce_annual(session, Settings(), seeded.actor("supervisor"), 2025, ("pdf",))
    document = pdfium.PdfDocument(files["annual-report-2025-2026.pdf"])
    assert len(document) >= 1
    pixels = np.asarray(document[0].render(scale=1).to_pil().convert("RGB")).reshape(-1, 3)
    inked = int((pixels != 255).any(axis=1).sum())
    bars = int((pixels == (31, 78, 156)).all(axis=1).sum())
    assert inked > 0.02 * len(pixels), "the first page is blank"
    assert bars > 500, "no chart bars drawn"
    text = document[0].get_textpage().get_text_range()
    assert "Requests received" in text and "9" in text


@pytest.mark.parametrize("user", ["officer", "examiner"])
def test_staff_outside_supervision_and_audit_cannot_produce_it(seeded: Seeded, user: str) -> None:
    with pytest.raises(Refused), seeded.sessions.begin() as session:
        produce_annual(session, Settings(), seeded.actor(user), 2025, ("html",))


def test_unknown_formats_are_refused(seeded: Seeded) -> None:
    with pytest.raises(Refused, match="docx"), seeded.sessions.begin() as session:
        produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html", "docx"))
