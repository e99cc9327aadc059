"""A route's transaction (``WriteSession``) commits before its answer is sent: a commit
that fails is answered as a failure, with nothing written, never as the route's success."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tests.web.conftest import Web, csrf_of
from tests.web.test_error_pages import assert_layout

from facedocket.store.schema import ApiToken


@pytest.fixture
def doomed_commits() -> Iterator[None]:
    """The database refuses to commit a transaction that holds a token named "doomed" (as
    a full disk or a lost server would), after the route has done all its work."""

    def refuse(session: Session) -> None:
        doomed = select(ApiToken.id).where(ApiToken.name == "doomed")
        if session.execute(doomed).first() is not None:
            raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    event.listen(Session, "before_commit", refuse)
    yield
    event.remove(Session, "before_commit", refuse)


def _tokens(web: Web) -> list[str]:
    with web.world.sessions() as session:
        return list(session.scalars(select(ApiToken.name)))


def test_a_failed_commit_answers_an_error_and_writes_nothing(
    light: Web, doomed_commits: Any
) -> None:
    light.auth("officer")  # the caller's own token, made before the failure
    before = _tokens(light)
    failed = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": "doomed"})
    assert failed.status_code == 500, failed.text
    detail = failed.json()["detail"]
    assert detail["code"] == "server_error" and detail["correlation_id"] in " ".join(
        detail["reasons"]
    )
    assert "fdk_" not in failed.text  # the secret of a token that does not exist
    assert _tokens(light) == before
    # The same route, committing, answers its success and writes.
    made = light.call("officer", "POST", "/api/v1/me/tokens", json={"name": "kept"})
    assert made.status_code == 201 and _tokens(light) == [*before, "kept"]


def test_a_failed_commit_on_a_page_keeps_its_layout_and_writes_nothing(
    light: Web, doomed_commits: Any
) -> None:
    officer = light.browser("officer")
    account = officer.get("/account")
    before = _tokens(light)
    failed = officer.post(
        "/account/tokens", data={"csrf_token": csrf_of(account), "name": "doomed"}
    )
    # The person who was signed in keeps their header and navigation, though the
    # database that failed is not asked again who they are.
    assert_layout(failed, 500, "officer")
    assert re.search(r"Reference: <code>[0-9a-f]{16}</code>", failed.text)
    assert _tokens(light) == before
