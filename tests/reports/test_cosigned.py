"""The annual and compliance reports embed the newest checkpoint a witness cosigned (a
real witness process on loopback), or say that no witness has cosigned any."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from tests.audit.helpers import fill
from tests.audit.witnessed import witnessed
from tests.records import utc
from tests.reports.conftest import Seeded

from facedocket.audit import checkpoint
from facedocket.audit.note import check_cosignature, check_signature, parse
from facedocket.audit.witnesses import submit
from facedocket.reports.compliance import compliance_export
from facedocket.reports.publish import produce_annual
from facedocket.reports.witnessed import NONE
from facedocket.settings import Settings

AT = utc(2026, 3, 1)


def _reports(seeded: Seeded) -> tuple[str, dict[str, object], dict[str, object]]:
    """The annual report's HTML and manifest, and the compliance report's JSON."""
    with seeded.sessions.begin() as session:
        annual = produce_annual(session, Settings(), seeded.actor("auditor"), 2025, ("html", "pdf"))
        compliance = compliance_export(session, seeded.actor("auditor"), AT)
    html = annual["annual-report-2025-2026.html"].decode()
    assert annual["annual-report-2025-2026.pdf"].startswith(b"%PDF")
    return (
        html,
        json.loads(annual["manifest.json"])["about"],
        json.loads(compliance["compliance.json"]),
    )


def test_the_reports_embed_the_cosigned_checkpoint(
    seeded: Seeded, engine: Engine, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    fill(seeded.sessions, 3, start=900)
    for setup in witnessed(engine, seeded.sessions, key, tmp_path):
        with seeded.sessions.begin() as session:
            checkpoint(session, key)
        assert submit(seeded.sessions, setup.witness, 10.0).problem is None
        html, manifest, compliance = _reports(seeded)
        for embedded in (manifest["cosigned_checkpoint"], compliance["cosigned_checkpoint"]):
            assert isinstance(embedded, dict)
            note = parse(embedded["note"])
            check_signature(note, note.origin, key.public_key())
            check_cosignature(note, setup.witness.name, setup.witness.key)
            assert embedded["size"] == note.size
            assert [w["witness"] for w in embedded["witnesses"]] == [setup.witness.name]
        assert f"cosigned by {setup.witness.name} (" in html
        assert f"root hash {manifest['cosigned_checkpoint']['root_hash']}" in html  # type: ignore[index]
        assert NONE not in html


def test_the_reports_say_when_no_witness_cosigned(seeded: Seeded) -> None:
    fill(seeded.sessions, 3, start=900)
    with seeded.sessions.begin() as session:
        checkpoint(session, Ed25519PrivateKey.generate())
    html, manifest, compliance = _reports(seeded)
    assert manifest["cosigned_checkpoint"] is None
    assert compliance["cosigned_checkpoint"] is None
    assert NONE in html
