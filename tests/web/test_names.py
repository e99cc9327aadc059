"""One rule for usernames and gallery names on the API, the pages and the CLI: names are
NFKC-normalised and case-folded before they are stored, compared or throttled, and what
no account or gallery may be called is refused the same way everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.databases import migrated_file
from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in
from typer.testing import CliRunner

from facedocket.cases.directory import checked_username
from facedocket.cli import app as cli
from facedocket.cli import context
from facedocket.settings import get_settings
from facedocket.store.schema import Gallery, User

REFUSED = ["dotless\u0131", "two words", " ", "a", "officer\x00", "../x", "o/../../etc", "ｏ"]


def _api_user(light: Web, username: str) -> Any:
    body = {"username": username, "full_name": "N", "agency_code": "bpd", "roles": ["requester"]}
    return light.call("admin", "POST", "/api/v1/users", json=body)


def _page_user(light: Web, username: str) -> Any:
    admin = light.browser("admin")
    form = {
        "csrf_token": csrf_of(admin.get("/admin")),
        "username": username,
        "full_name": "N",
        "agency_code": "bpd",
        "roles": ["requester"],
        "password": "a page-made password",
    }
    return admin.post("/admin/users", data=form)


@pytest.mark.parametrize("username", REFUSED)
def test_the_api_and_the_page_refuse_the_same_names(light: Web, username: str) -> None:
    api, page = _api_user(light, username), _page_user(light, username)
    assert api.status_code == page.status_code == 422, (api.text, page.text)
    assert "a username is" in api.text and "a username is" in page.text
    with light.world.sessions() as session:
        assert len(session.scalars(select(User)).all()) == 1 + len(_staff(light))


def _staff(light: Web) -> list[str]:
    with light.world.sessions() as session:
        return [u for u in session.scalars(select(User.username)) if u != "admin"]


@pytest.mark.parametrize(("typed", "stored"), [("Det.Case", "det.case"), ("ＤＥＴ.Ｋ", "det.k")])
def test_both_paths_store_the_normal_form(light: Web, typed: str, stored: str) -> None:
    made = _api_user(light, typed)
    assert made.status_code == 201 and made.json()["username"] == stored
    again = _page_user(light, stored.upper())
    assert again.status_code == 409 and "exists already" in again.text, "the same name"


def test_case_variants_share_one_throttle_and_one_account(light: Web) -> None:
    light.browser("officer")
    client = light.client
    for typed in ("Officer", "OFFICER", "officer", "Ｏfficer", "oFFICER"):
        assert sign_in(client, typed, "a wrong guess").status_code == 401
    assert sign_in(client, "officer", PASSWORD).status_code == 429, "one count for one name"


def test_officer_signs_in_as_typed_in_capitals(light: Web) -> None:
    light.browser("officer")
    assert sign_in(light.client, "  OFFICER ", PASSWORD).status_code == 303


def test_normal_form_is_nfkc_then_casefold() -> None:
    assert checked_username("Kelvin\u212a") == "kelvink"  # KELVIN SIGN folds to k
    assert checked_username("\ufb01le.clerk") == "file.clerk"  # the fi ligature
    assert checked_username("Stra\u00dfe") == "strasse"  # full case folding
    with pytest.raises(ValueError, match="a username is"):
        checked_username("\u0131rmak")  # a dotless i stays itself: refused, not folded


BAD_GALLERIES = ["../../etc", "..", "a/b", "Upper", "with space", "x" * 101]


@pytest.mark.parametrize("name", BAD_GALLERIES)
def test_a_gallery_name_that_is_not_one_word_is_refused_by_api_and_page(
    light: Web, name: str
) -> None:
    api = light.call("admin", "POST", "/api/v1/galleries", json={"name": name})
    assert api.status_code == 422, api.text
    admin = light.browser("admin")
    form = {"csrf_token": csrf_of(admin.get("/admin")), "name": name}
    page = admin.post("/admin/galleries", data=form)
    assert page.status_code == 422 and "gallery name" in page.text
    with light.world.sessions() as session:
        assert session.scalars(select(Gallery.name)).all() == ["rmv"]


@pytest.mark.parametrize("name", BAD_GALLERIES[:3])
def test_the_cli_refuses_the_same_gallery_names(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "data"))
    migrated_file(tmp_path / "data" / "facedocket.db")
    get_settings.cache_clear()
    context.sessions.cache_clear()
    try:
        source = tmp_path / "photos" / "Someone"
        source.mkdir(parents=True)
        result = CliRunner().invoke(cli, ["gallery", "enrol", name, str(source.parent)])
        with context.sessions()() as session:
            assert session.scalars(select(Gallery.name)).all() == []
    finally:
        get_settings.cache_clear()
        context.sessions.cache_clear()
    assert result.exit_code == 1 and "gallery name" in result.output, result.output
    assert "Traceback" not in result.output
