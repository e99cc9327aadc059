"""Stored files are checked against the record on every use: search, view and export.

The attack: whoever holds the database replaces a document's bytes (and, to be thorough,
the hash column beside them). The search must not run on the new bytes while the record
names the old hash, and no view or packet may hand them out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.cases.conftest import World, order_pdf
from tests.cases.test_workflow import act, approved, searches

from facedocket.cases.files import read_document
from facedocket.cases.followup import attach_statement
from facedocket.disclosure.packet import export_packet
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import Refused
from facedocket.reports.files import sha256
from facedocket.store.db import transaction
from facedocket.store.schema import Document


def documents(world: World, number: int) -> dict[str, Document]:
    with world.sessions() as session:
        rows = session.scalars(select(Document).where(Document.request_id == number))
        return {document.kind: document for document in rows}


def replace(world: World, document: Document, content: bytes, *, rehash: bool) -> None:
    """Rewrite the stored bytes behind FaceDocket's back, as a database administrator could."""
    values: dict[str, object] = {"content": content}
    if rehash:
        values["sha256"] = sha256(content)
    with world.sessions.begin() as session:
        session.execute(update(Document).where(Document.id == document.id).values(**values))


def view(world: World, number: int, document: Document, user: str = "auditor") -> bytes:
    with transaction(world.sessions) as session:
        return read_document(session, load_actor(session, user), number, document.id).content


def export(world: World, number: int, tmp_path: Path) -> bytes:
    with transaction(world.sessions) as session:
        actor = load_actor(session, "auditor")
        return export_packet(session, world.settings, actor, number, tmp_path / "absent.json")


@pytest.mark.parametrize("rehash", [False, True], ids=["bytes", "bytes-and-hash-column"])
def test_a_probe_replaced_in_the_database_is_not_searched(world: World, rehash: bool) -> None:
    number = approved(world)
    probe = documents(world, number)["probe"]
    replace(world, probe, world.photo("Adam_Sandler").read_bytes(), rehash=rehash)
    with pytest.raises(Refused) as refused:
        act(world, "examiner", "search", number)
    assert refused.value.code == "document_altered"
    assert f"the probe (document {probe.id})" in str(refused.value)
    assert probe.sha256 in str(refused.value), "the refusal names the hash on the record"
    assert "request.created" in str(refused.value)
    assert searches(world) == 0
    replace(world, probe, probe.content or b"", rehash=True)
    assert act(world, "examiner", "search", number).candidates_returned >= 1


@pytest.mark.parametrize("kind", ["probe", "order"])
def test_views_and_packets_of_an_altered_document_are_refused(
    world: World, tmp_path: Path, kind: str
) -> None:
    number = approved(world)
    document = documents(world, number)[kind]
    assert view(world, number, document) == document.content
    replace(world, document, (document.content or b"") + b"\0", rehash=True)
    for attempt in (lambda: view(world, number, document), lambda: export(world, number, tmp_path)):
        with pytest.raises(Refused) as refused:
            attempt()
        assert refused.value.code == "document_altered"
        assert f"(document {document.id})" in str(refused.value)


def test_an_altered_sworn_statement_is_refused(world: World) -> None:
    number = approved(world, kind="emergency")
    act(world, "examiner", "search", number)
    with transaction(world.sessions) as session:
        attach_statement(session, world.settings, world.actor("officer"), number, order_pdf())
    statement = documents(world, number)["sworn_statement"]
    assert view(world, number, statement, "officer") == statement.content
    replace(world, statement, b"%PDF-1.4 another statement", rehash=False)
    with pytest.raises(Refused, match=r"statement\.filed") as refused:
        view(world, number, statement, "officer")
    assert refused.value.code == "document_altered"


def test_a_document_no_entry_recorded_is_refused(world: World) -> None:
    """A file slipped into the table (no entry stored it) is not handed out as evidence."""
    number = approved(world)
    probe = documents(world, number)["probe"]
    with world.sessions.begin() as session:
        added = Document(
            request_id=number,
            kind="attachment",
            filename="planted.pdf",
            media_type="application/pdf",
            size=len(b"%PDF-1.4 planted"),
            sha256=sha256(b"%PDF-1.4 planted"),
            content=b"%PDF-1.4 planted",
            uploaded_by_id=probe.uploaded_by_id,
        )
        session.add(added)
    with pytest.raises(Refused, match="is not on the record") as refused:
        view(world, number, added)
    assert refused.value.code == "document_altered"
