"""Every search is signed: a rewrite of the record after it cannot pass ``verify`` (#19)."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from tests.audit.helpers import attacker, rechain, rows
from tests.cases.conftest import World
from tests.cases.test_workflow import act, approved, searches

from facedocket.audit import Problem, VerifyResult, existing_signing_key, signing_key, verify
from facedocket.audit.keys import replace_key_file
from facedocket.audit.rotation import rotate
from facedocket.cases.oversight import sign_checkpoint
from facedocket.kernel.refusals import Refused
from facedocket.store.db import transaction


def _verify(world: World) -> VerifyResult:
    key = existing_signing_key(world.settings)
    assert key is not None, "the search made the development key"
    with world.sessions() as session:
        return verify(session, key.public_key())


def test_a_search_commits_with_a_checkpoint_over_it(world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    result = _verify(world)
    assert result.ok, result
    assert (result.checkpoints, result.uncovered) == (1, 0)
    last = rows(world.sessions)[-1]
    assert (last["action"], last["subject_id"]) == ("search.run", str(number))


def test_a_recomputed_chain_after_a_search_is_caught(engine: Engine, world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    original = rows(world.sessions)
    searched = next(entry for entry in original if entry["action"] == "search.run")
    with attacker(engine) as connection:
        # Change who searched, then recompute every later hash, link and the head row.
        rechain(connection, original, searched["seq"], "examiner2")
    with world.sessions() as session:
        assert verify(session).problem == Problem.CHECKPOINT  # even without the key
    result = _verify(world)
    assert (result.ok, result.problem) == (False, Problem.CHECKPOINT)
    assert "was rewritten" in result.reason


def test_deleting_the_search_entry_and_rewinding_the_head_is_caught(
    engine: Engine, world: World
) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    last = rows(world.sessions)[-1]
    assert last["action"] == "search.run"
    with attacker(engine) as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": last["seq"]})
        connection.execute(
            text("UPDATE audit_head SET seq = :s, head_hash = :h"),
            {"s": last["seq"] - 1, "h": last["prev_hash"]},
        )
    result = _verify(world)
    assert (result.ok, result.problem, result.first_bad) == (False, Problem.DELETED, last["seq"])
    assert f"covers entries up to {last['seq']}" in result.reason


def test_no_search_runs_on_a_record_that_cannot_be_signed(engine: Engine, world: World) -> None:
    first = approved(world)
    act(world, "examiner", "search", first)
    second = approved(world)  # its approval comes after the first search's checkpoint
    approval = rows(world.sessions)[-1]
    assert approval["action"] == "request.approved"
    with attacker(engine) as connection:
        connection.execute(
            text("UPDATE audit_entries SET actor = 'x' WHERE seq = :s"), {"s": approval["seq"]}
        )
    before = searches(world)
    with pytest.raises(Refused, match="the record cannot be signed") as refused:
        act(world, "examiner2", "search", second)
    assert refused.value.code == "record_not_signed"
    assert searches(world) == before


def test_after_a_key_change_a_search_and_a_checkpoint_are_refusals_naming_the_key(
    world: World,
) -> None:
    first = approved(world)
    act(world, "examiner", "search", first)
    # The deployment's key is replaced: the record's checkpoints name the old one.
    key_file = world.settings.audit_signing_key_file
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n", encoding="ascii")
    second = approved(world)
    before = searches(world)
    with pytest.raises(
        Refused, match=r"the search is not run: .* names key.*rotate-key"
    ) as refused:
        act(world, "examiner2", "search", second)
    assert refused.value.code == "record_not_signed"
    assert searches(world) == before, "no search without a checkpoint over it"
    with (
        transaction(world.sessions) as session,
        pytest.raises(Refused, match=r"no checkpoint is signed: .* names key") as refused,
    ):
        sign_checkpoint(session, world.settings, world.actor("auditor"))
    assert refused.value.code == "record_not_signed"


def test_after_the_key_is_rotated_searches_are_signed_by_the_new_key(world: World) -> None:
    first = approved(world)
    act(world, "examiner", "search", first)
    old = signing_key(world.settings)
    new = Ed25519PrivateKey.generate()
    with transaction(world.sessions) as session:
        rotate(session, old, new, actor="operator:test", role="operator")
    replace_key_file(world.settings.audit_signing_key_file, new)
    second = approved(world)
    act(world, "examiner2", "search", second)
    with world.sessions() as session:
        for key in (old, new):
            result = verify(session, key.public_key())
            assert result.ok and result.uncovered == 0, str(result)
    assert rows(world.sessions)[-1]["action"] == "search.run"
