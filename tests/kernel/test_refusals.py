"""Refusal codes: each carries its status and meaning, the face engine's codes are among
them, and docs/refusals.md lists exactly them."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest

from facedocket.faces.errors import FaceCode
from facedocket.kernel.refusals import RefusalCode, Refused

DOCUMENT = Path(__file__).parents[2] / "docs" / "refusals.md"
BEGIN, END = "<!-- codes: begin -->", "<!-- codes: end -->"


def table() -> str:
    rows = [f"| `{code}` | {code.status.value} | {code.meaning} |" for code in RefusalCode]
    return "\n".join(["| code | status | meaning |", "|---|---|---|", *rows])


def test_the_document_lists_every_code_with_its_status() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    listed = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert listed == table(), f"docs/refusals.md between the markers should read:\n{table()}"


def test_every_code_has_an_error_status_and_a_sentence() -> None:
    for code in RefusalCode:
        assert isinstance(code.status, HTTPStatus)
        assert 400 <= code.status < 600
        assert code.meaning.endswith(".") and code.meaning[0].isupper()
    assert len({code.value for code in RefusalCode}) == len(RefusalCode)


def test_every_face_code_is_a_refusal_code_of_the_same_name() -> None:
    for face in FaceCode:
        assert RefusalCode[face.name] == face.value
        assert RefusalCode[face.name].status == HTTPStatus.UNPROCESSABLE_ENTITY


def test_a_refusal_names_a_member_and_keeps_every_reason() -> None:
    refused = Refused(["one reason", "another"], code=RefusalCode.POLICY)
    assert refused.code is RefusalCode.POLICY
    assert str(refused) == "one reason; another"
    with pytest.raises(TypeError):
        Refused("no code given")  # type: ignore[call-arg]


def test_one_code_for_a_missing_reason() -> None:
    assert "missing_reasons" not in {code.value for code in RefusalCode}
    assert RefusalCode("missing_reason") is RefusalCode.MISSING_REASON
