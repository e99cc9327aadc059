"""Making a disclosure packet: one ZIP a defence lawyer can read and check offline.

Layout (every file listed with its SHA-256 in ``manifest.json``)::

    README.txt                 what each file is and how to check the packet
    summary.pdf                the case on a few pages
    case/request.json          the written request, decisions, legal holds
    case/basis.json            the legal basis (order, warrant, emergency facts ...)
    case/documents.json        every file of the request, with its SHA-256
    case/documents/<id>-<kind>.<ext>  the files themselves (probe, order ...), unless purged
    case/searches.json         each search: gallery, model and version, threshold, list
                               size, the candidates examiners were shown, every conclusion
    case/accuracy.json         the model's measured accuracy, or "not measured"
    record/...                 the audit entries and their proof (see ``proof``)

Only auditors and administrators make packets; each is on the record with its hashes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit.witnesses import Outcome, configured, submit_all
from facedocket.cases.evidence import verified_content
from facedocket.cases.requests import open_case
from facedocket.disclosure.case import (
    basis_view,
    document_path,
    documents_view,
    request_view,
    searches_view,
)
from facedocket.disclosure.proof import record_proof, sealed_checkpoint
from facedocket.governance.access import acting_role
from facedocket.governance.accuracy import read_accuracy
from facedocket.kernel.actors import Actor, load_actor
from facedocket.reports.exports import CONFIDENTIAL_ROLES, record_export
from facedocket.reports.files import json_bytes, sha256, with_manifest, zip_bytes
from facedocket.settings import Settings
from facedocket.store.db import transaction

README = """FACE SEARCH DISCLOSURE PACKET - request {request}

A face search returns candidates: investigative leads, never an identification.

summary.pdf              the case on a few pages (made from the JSON files below)
case/request.json        the written request and the decisions on it
case/basis.json          the legal basis
case/documents.json      every file of the request with its SHA-256; the files are in
                         case/documents/ unless the retention policy purged them
case/searches.json       each search: gallery, model and version, threshold, list size,
                         the candidates shown to the examiners and every conclusion
case/accuracy.json       the model's measured accuracy, or "not measured"
record/entries.jsonl     every entry of the audit record about this request, each
                         naming the case's entry before it: the case's chain
record/inclusion.jsonl   each entry's RFC 9162 inclusion proof in the signed tree
record/checkpoint.note   the signed checkpoint (C2SP signed note) the proofs lead to, as
                         stored, with any witness cosignatures; it ends at the case's
                         last entry
record/checkpoint.json   the same checkpoint in the record's own form
record/public-key.txt    the public key that signed it
record/witnessed.json    which witnesses were asked to cosign that checkpoint and what
                         they answered; unless all cosigned it, the nearest checkpoint a
                         witness did cosign, with the consistency proof between the two
manifest.json            SHA-256 and size of every other file

To check it: facedocket disclosure verify PACKET --public-key KEY [--witness-key KEY]
with the agency's public key as the oversight office publishes it (and each witness's).
The check recomputes every file hash and entry hash, proves each entry in the signed
tree, follows the case's chain from its last entry (the checkpoint's last) back to its
first, so that no entry of the case was left out, checks the signatures (and says, for
each witness key, whether that witness cosigned this checkpoint, a later one that extends
it, or only an earlier one, leaving the entries after it unwitnessed), and compares
each file in case/ (every document's SHA-256, every search, every conclusion, the
outcome) with the entries that recorded it, naming any difference. summary.pdf and
case/accuracy.json are not recorded in the case's entries: the packet's own
export.created entry, on the agency's record, lists their hashes (the command checks it
where the agency's database is reachable). The format is described in docs/tlog.md.
"""
PACKET_FORMAT = "facedocket-disclosure/v3"


def seal(
    sessions: sessionmaker[Session], settings: Settings, username: str, request_id: int
) -> list[Outcome]:
    """The step before ``export_packet``: the case sealed on the record, and the seal
    offered to the configured witnesses, so that the packet carries their cosignatures.

    The seal commits first: a witness must only ever cosign a checkpoint the record
    keeps (one rolled back afterwards would be, to the witness, a fork). The witnesses
    are asked as after a search, with no transaction open; what each answered is returned.
    """
    with transaction(sessions) as session:
        request, actor = open_case(session, load_actor(session, username), request_id)
        role = acting_role(actor, CONFIDENTIAL_ROLES, "make a disclosure packet")
        sealed_checkpoint(session, settings, actor, role, request.id)
    witnesses = configured(settings)
    return submit_all(sessions, witnesses, settings.witness_timeout_seconds) if witnesses else []


def export_packet(
    session: Session, settings: Settings, actor: Actor, request_id: int, accuracy_path: Path
) -> bytes:
    request, actor = open_case(session, actor, request_id)
    role = acting_role(actor, CONFIDENTIAL_ROLES, "make a disclosure packet")
    proof = record_proof(session, settings, actor, role, request.id)
    accuracy = read_accuracy(accuracy_path)
    case = {
        "request": request_view(session, request),
        "basis": basis_view(session, request),
        "documents": documents_view(request),
        "searches": searches_view(session, request),
    }
    # Each file is the one the record stored, or no packet is made.
    contents = {
        document_path(d): (d, verified_content(session, d))
        for d in request.documents
        if d.content is not None
    }
    probes = [content for d, content in contents.values() if d.kind == "probe"]
    record = {
        "entries": proof.count,
        "checkpoint_seq": proof.checkpoint["seq"],
        "head_hash": proof.checkpoint["head_hash"],
        "signed_at": proof.checkpoint["created_at"],
        "key_fingerprint": proof.checkpoint["key_fingerprint"],
    }
    as_of = datetime.fromisoformat(proof.checkpoint["created_at"])
    # fpdf2 loads only when a packet is made, not with every command that imports this.
    from facedocket.disclosure.summary import summary_pdf  # noqa: PLC0415

    files = {
        "README.txt": README.format(request=request.id).encode(),
        "summary.pdf": summary_pdf(case, probes[0] if probes else None, accuracy, record, as_of),
        "case/request.json": json_bytes(case["request"]),
        "case/basis.json": json_bytes(case["basis"]),
        "case/documents.json": json_bytes(case["documents"]),
        "case/searches.json": json_bytes(case["searches"]),
        "case/accuracy.json": json_bytes(accuracy.as_dict()),
        "record/entries.jsonl": proof.entries,
        "record/inclusion.jsonl": proof.inclusion,
        "record/checkpoint.note": proof.note.encode(),
        "record/checkpoint.json": json_bytes(proof.checkpoint),
        "record/public-key.txt": (proof.public_key + "\n").encode(),
        "record/witnessed.json": json_bytes(proof.witnessed),
    }
    files |= {path: content for path, (_, content) in contents.items()}
    files = with_manifest(
        files,
        {
            "packet": "face search disclosure",
            "format": PACKET_FORMAT,
            "request": request.id,
            "case_number": request.case_number,
            **record,
            "witnessing": proof.witnessed["statement"],
        },
    )
    packet = zip_bytes(files)
    record_export(
        session,
        actor,
        role,
        "disclosure",
        ("request", request.id),
        files,
        {"packet_sha256": sha256(packet), "entries": proof.count},
    )
    return packet
