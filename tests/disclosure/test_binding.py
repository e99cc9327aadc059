"""A packet rebuilt around an altered case file, with a manifest to match, must not verify.

The attacks are the ones issue 19 found: a probe byte flipped, a lead renamed and called
excluded, the manifest line recomputed, the ZIP rebuilt. The signed entries still say what
was recorded, so the check against them names every file that differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.cases.conftest import World
from tests.disclosure.test_disclosure import key, packet
from typer.testing import CliRunner

from facedocket.audit import public_key_text
from facedocket.cli import app
from facedocket.cli import disclosure as disclosure_cli
from facedocket.disclosure.online import check_against_record
from facedocket.disclosure.verify import verify_packet
from facedocket.reports.files import Files, read_zip, sha256, with_manifest, zip_bytes

runner = CliRunner()


def rezipped(files: Files, changed: dict[str, bytes]) -> bytes:
    """The packet with files changed and every manifest line recomputed to match."""
    about = json.loads(files["manifest.json"])["about"]
    kept = {name: content for name, content in files.items() if name != "manifest.json"}
    assert set(changed) <= set(kept), "only files of the packet are changed"
    return zip_bytes(with_manifest(kept | changed, about))


def named(problems: list[str], start: str, *words: str) -> None:
    """Some problem starts with ``start`` and says each of ``words``."""
    assert any(p.startswith(start) and all(w in p for w in words) for p in problems), problems


def searches_changed(world: World, files: Files, searches: Any) -> list[str]:
    """The problems of the packet with case/searches.json rewritten as ``searches``."""
    return problems_of(
        world, rezipped(files, {"case/searches.json": json.dumps(searches).encode()})
    )


def probe_document(files: Files) -> dict[str, Any]:
    documents = json.loads(files["case/documents.json"])
    return next(d for d in documents if d["kind"] == "probe")


def flipped(content: bytes, at: int = 200) -> bytes:
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


def problems_of(world: World, data: bytes) -> list[str]:
    check = verify_packet(data, key(world))
    assert not check.ok
    return check.problems


def test_a_flipped_probe_byte_with_its_manifest_line_fixed_is_named(
    world: World, case: int, tmp_path: Path
) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    probe = probe_document(files)
    name = probe["in_packet"]
    content = flipped(files[name])
    problems = problems_of(world, rezipped(files, {name: content}))
    assert [p for p in problems if p.startswith(name)] == [
        f"{name}: document {probe['document']} (probe) has SHA-256 {sha256(content)}; the "
        f"record (entry {_created_seq(files)}, request.created) says {probe['sha256']}"
    ], problems

    # documents.json rewritten to the new hash as well: the record still says the old one.
    documents = json.loads(files["case/documents.json"])
    for document in documents:
        if document["document"] == probe["document"]:
            document["sha256"] = sha256(content)
    listed = json.dumps(documents).encode()
    problems = problems_of(world, rezipped(files, {name: content, "case/documents.json": listed}))
    named(problems, f"case/documents.json: document {probe['document']} (probe) has SHA-256")
    named(problems, name, probe["sha256"])
    # The search names its probe by hash too.
    named(problems, "case/searches.json: search", "probe_sha256", "search.run")


def test_a_renamed_lead_called_excluded_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    searches = json.loads(files["case/searches.json"])
    lead = next(
        c
        for c in searches[0]["candidates"]
        if any(m["conclusion"] == "possible_lead" for m in c["conclusions"])
    )
    lead["name"], lead["record_id"] = "Someone Else", "Someone_Else"
    for made in lead["conclusions"]:
        made["conclusion"] = "excluded"
    problems = searches_changed(world, files, searches)
    where = f"case/searches.json: search {searches[0]['search']}"
    named(problems, f"{where}: its candidate list", "search.run")
    named(
        problems,
        f"{where}, candidate {lead['rank']}, round 1: conclusion is 'excluded'",
        "'possible_lead'",
        "review.recorded",
    )


def test_a_conclusion_left_out_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    searches = json.loads(files["case/searches.json"])
    dropped = searches[0]["candidates"][-1]
    dropped["conclusions"] = []
    named(
        searches_changed(world, files, searches),
        f"case/searches.json: search {searches[0]['search']}, candidate {dropped['rank']}, "
        "round 1: the record",
        "leaves it out",
    )


def test_a_search_field_changed_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    for field, value in [
        ("threshold", "0.0100"),
        ("gallery", "mugshots"),
        ("quality_override", "It looked fine."),
        ("examiner", "Examiner2 (examiner2)"),
    ]:
        searches = json.loads(files["case/searches.json"])
        searches[0][field] = value
        named(
            searches_changed(world, files, searches),
            f"case/searches.json: search {searches[0]['search']}: {field} is {value!r}",
            "search.run",
        )


def test_the_outcome_changed_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    request = json.loads(files["case/request.json"])
    request["outcome"] = "no_lead"
    changed = {"case/request.json": json.dumps(request).encode()}
    named(
        problems_of(world, rezipped(files, changed)),
        "case/request.json: outcome is 'no_lead'",
        "request.concluded",
    )


def test_case_files_of_another_shape_are_reported_not_raised(
    world: World, case: int, tmp_path: Path
) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    for name in (
        "case/searches.json",
        "case/documents.json",
        "case/request.json",
        "case/basis.json",
    ):
        for content in (b"[]", b"{}", b'"text"', b"[1, {}]", b"not json", b'[{"search": 1}]'):
            problems = problems_of(world, rezipped(files, {name: content}))
            assert any(p.startswith(name) for p in problems), (name, content, problems)


def test_the_record_holds_the_packets_production(world: World, case: int, tmp_path: Path) -> None:
    data = packet(world, case, tmp_path / "absent.json")
    with world.sessions() as session:
        check = check_against_record(session, read_zip(data))
    assert check.problems == [] and check.production is not None
    assert check.production.action == "export.created"


def test_a_rebuilt_packet_has_no_production_on_the_record(
    world: World, case: int, tmp_path: Path
) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    data = rezipped(files, {"README.txt": b"A friendlier README.\n"})
    assert verify_packet(data, key(world)).ok, "offline, a new README is not evidence"
    with world.sessions() as session:
        check = check_against_record(session, read_zip(data))
    assert check.production is None
    assert len(check.problems) == 1 and "no export.created entry" in check.problems[0]


def test_an_entry_left_out_of_the_packet_is_found_online(
    world: World, case: int, tmp_path: Path
) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    lines = files["record/entries.jsonl"].splitlines(keepends=True)
    left_out = json.loads(lines[1])
    data = rezipped(files, {"record/entries.jsonl": b"".join([lines[0], *lines[2:]])})
    with world.sessions() as session:
        check = check_against_record(session, read_zip(data))
    assert (
        f"entry {left_out['seq']} ({left_out['action']}) of request {case} is on the record "
        "but not in the packet"
    ) in check.problems, check.problems


def _created_seq(files: Files) -> int:
    for line in files["record/entries.jsonl"].splitlines():
        entry = json.loads(line)
        if entry["action"] == "request.created":
            return int(entry["seq"])
    raise AssertionError("no request.created entry in the packet")


def test_the_command_checks_the_record_where_it_can_reach_it(
    world: World, case: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = packet(world, case, tmp_path / "absent.json")
    made = tmp_path / "packet.zip"
    made.write_bytes(data)
    rebuilt = tmp_path / "rebuilt.zip"
    rebuilt.write_bytes(rezipped(read_zip(data), {"README.txt": b"A friendlier README.\n"}))
    public = public_key_text(key(world))
    monkeypatch.setattr(disclosure_cli, "reachable_sessions", lambda: world.sessions)

    def verify(path: Path, *more: str, code: int) -> str:
        result = runner.invoke(
            app, ["disclosure", "verify", str(path), "--public-key", public, *more]
        )
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    assert "on the record: entry" in verify(made, code=0)
    assert "no export.created entry" in verify(rebuilt, code=1)
    assert "not checked against the agency's record" in verify(rebuilt, "--offline", code=0)
    monkeypatch.setattr(disclosure_cli, "reachable_sessions", lambda: None)
    assert "not checked against the agency's record" in verify(made, code=0)
