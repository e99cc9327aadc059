"""``facedocket policy``: the packs and their versions, each rule with its citation, the
differences between two, and an agency's own file checked line by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.policy.test_policy_files import _pack, _write
from typer.testing import CliRunner

from facedocket.cli import app
from facedocket.policy import list_packs, load_pack

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["policy", *args])
    return result.exit_code, result.output


def test_list_names_every_pack_and_its_versions() -> None:
    code, out = _run("list")
    assert code == 0, out
    for pack in list_packs():
        assert pack.id in out
        for version in pack.versions:
            assert f"  {version.version}  {version.effective_from}" in out
    assert "(this deployment's policy)" in out and "<- in force today" in out


def test_show_explains_every_rule_with_its_citation_and_the_unverified_mark() -> None:
    code, out = _run("show", "ma-commission-2022", "--at", "2026-01-01")
    assert code == 0, out
    assert "PROPOSED LAW" in out
    assert "- offences: only these kinds of offence may be investigated: Felony" in out
    assert "48 hours of the first search" in out
    policy = load_pack("ma-commission-2022").at(date(2026, 1, 1))
    for name, source in policy.sources.items():
        assert f"- {name}: " in out
        assert source.cite in out
    unverified = [s for s in policy.sources.values() if not s.verified]
    assert out.count("[SOURCE NOT VERIFIED: ") == len(unverified)


def test_show_refuses_an_unknown_pack_or_version() -> None:
    code, out = _run("show", "vermont")
    assert code == 1 and "no such policy pack" in out
    code, out = _run("show", "massachusetts@9.9")
    assert code == 1 and "has no version 9.9" in out
    code, out = _run("show", "massachusetts", "--at", "yesterday")
    assert code == 2


def test_diff_shows_each_differing_rule_from_both() -> None:
    code, out = _run("diff", "massachusetts", "ma-commission-2022")
    assert code == 0, out
    assert "- offences\n    massachusetts" in out
    assert "any offence may be investigated" in out and "Felony (felony)" in out
    assert "- bases.warrant\n" in out and "(no such rule)" in out
    code, out = _run("diff", "massachusetts", "massachusetts")
    assert code == 0 and "no difference in any rule" in out


def test_check_names_file_line_and_field(tmp_path: Path) -> None:
    good = _write(tmp_path, _pack("maryland-2024"))
    code, out = _run("check", str(good))
    assert code == 0 and "valid: maryland-2024" in out
    data = _pack("maryland-2024")
    data["versions"][0]["rules"]["candidates"]["max"] = "fifty"
    bad = _write(tmp_path, data)
    line = next(
        number
        for number, text in enumerate(bad.read_text("utf-8").splitlines(), start=1)
        if "max: fifty" in text
    )
    code, out = _run("check", str(bad))
    assert code == 1
    assert f"{bad}:{line}: versions[0].rules.candidates.max: Input should be a valid integer" in out
    code, out = _run("check", str(tmp_path / "absent.yaml"))
    assert code == 1 and "cannot be read" in out
