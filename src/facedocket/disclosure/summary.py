"""The packet's PDF summary: the case on a few pages, for a reader without tools.

Made from the same views as the packet's JSON files, so it cannot say anything they do
not. It opens with the notice that a candidate is an investigative lead, never an
identification, and ends by saying how to check the packet.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fpdf.errors import FPDFException
from PIL import UnidentifiedImageError

from facedocket.cases.review import LEAD_NOTICE
from facedocket.governance.accuracy import MeasuredAccuracy
from facedocket.reports.pdf import Pdf

FIELDS = {
    "request": [
        ("case_number", "Case number"),
        ("agency", "Requesting agency"),
        ("officer", "Officer"),
        ("officer_rank", "Rank"),
        ("offence", "Offence"),
        ("submitted_at", "Submitted"),
        ("decided_at", "Decided"),
        ("decided_by", "Decided by"),
        ("state", "State"),
        ("outcome", "Outcome"),
        ("policy", "Policy"),
    ],
    "basis": [
        ("kind", "Legal basis"),
        ("court", "Court"),
        ("docket_number", "Docket"),
        ("judge", "Judge"),
        ("issued_on", "Issued"),
        ("expires_at", "Expires"),
        ("scope", "Scope"),
        ("facts", "Facts"),
        ("approving_supervisor", "Approved by"),
        ("statement_due_at", "Statement due"),
        ("confirmed_by", "Confirmed by"),
        ("confirmed_at", "Confirmed"),
    ],
}


def summary_pdf(
    case: dict[str, Any],
    probe: bytes | None,
    accuracy: MeasuredAccuracy,
    record: dict[str, Any],
    as_of: datetime,
) -> bytes:
    request, basis = case["request"], case["basis"]
    pdf = Pdf(f"Face search disclosure, request {request['request']}", as_of)
    pdf.heading(f"Face search disclosure: request {request['request']}", 16)
    pdf.paragraph(LEAD_NOTICE, 10, "B")
    pdf.heading("Request", 12)
    pdf.fields(_pairs(request, FIELDS["request"]))
    pdf.paragraph(f"Narrative: {request['narrative']}", 9)
    pdf.heading("Legal basis", 12)
    pdf.fields(_pairs(basis, FIELDS["basis"]))
    pdf.heading("Files", 12)
    pdf.grid(
        ["document", "kind", "SHA-256", "in this packet"],
        [[str(d["document"]), d["kind"], d["sha256"], _where(d)] for d in case["documents"]],
        first=20,
    )
    _probe(pdf, probe)
    for search in case["searches"]:
        _search(pdf, search)
    pdf.heading("Measured accuracy of the software", 12)
    for line in accuracy.lines():
        pdf.paragraph(line, 9)
    pdf.heading("The record", 12)
    pdf.paragraph(
        f"record/entries.jsonl holds the {record['entries']} audit entries of this request. "
        f"They link through record/chain.jsonl to entry {record['checkpoint_seq']}, whose "
        f"hash {record['head_hash']} the agency signed on {record['signed_at']} with the key "
        f"of fingerprint {record['key_fingerprint']}. Check the packet with "
        "`facedocket disclosure verify PACKET --public-key KEY`, using the agency's public key "
        "as published by the oversight office. README.txt says what the check proves.",
        9,
    )
    pdf.paragraph(
        "Text that the PDF fonts cannot show is printed as '?'; the JSON files in the packet "
        "hold the exact text.",
        8,
    )
    return pdf.render()


def _search(pdf: Pdf, search: dict[str, Any]) -> None:
    model = search["model"]
    pdf.heading(f"Search {search['search']}", 12)
    pdf.fields(
        [
            ("Run", search["run_at"]),
            ("Examiner", search["examiner"]),
            ("Searching body", search["searching_body"]),
            ("Gallery", search["gallery"]),
            ("Model", f"{model['name']} {model['version']}"),
            ("Model file SHA-256", model["file_sha256"]),
            ("Model approved", model["approved_at"] or "not approved"),
            ("Threshold", search["threshold"]),
            ("List size", str(search["list_size"])),
            ("Candidates returned", str(search["candidates_returned"])),
            ("Quality override", search["quality_override"] or "none"),
        ]
    )
    purged = search["candidate_list_purged"]
    if purged is not None:
        pdf.paragraph(
            f"The candidate list was purged under the retention policy on {purged['purged_at']}; "
            f"its SHA-256 was {purged['sha256']}.",
            9,
        )
        return
    rows = []
    for candidate in search["candidates"]:
        made = {
            c["round"]: f"{c['conclusion']}: {c['reasons']} ({c['examiner']})"
            for c in candidate["conclusions"]
        }
        rows.append(
            [
                str(candidate["rank"]),
                candidate["score"],
                f"{candidate['name']} ({candidate['record_id']})",
                made.get(1, "none"),
                made.get(2, "none"),
            ]
        )
    pdf.grid(["rank", "score", "candidate", "first examiner", "second examiner"], rows, first=12)


def _probe(pdf: Pdf, probe: bytes | None) -> None:
    if probe is None:
        pdf.paragraph("The probe photo is not in this packet (purged or absent).", 9)
        return
    try:
        pdf.image(io.BytesIO(probe), w=60)
    except (FPDFException, UnidentifiedImageError, OSError, ValueError):
        pdf.paragraph("The probe photo could not be drawn here; it is in case/documents/.", 9)
        return
    pdf.paragraph("The probe photo as searched (full file in case/documents/).", 8)


def _pairs(values: dict[str, Any], fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(label, str(values[key])) for key, label in fields if values.get(key) not in (None, "")]


def _where(document: dict[str, Any]) -> str:
    return str(document["in_packet"] or f"purged {document['purged_at']}")
