"""No search runs under gate settings the record lacks (#10 item 6)."""

from __future__ import annotations

from sqlalchemy import select
from tests.cases.conftest import World
from tests.cases.test_workflow import act, approved

from facedocket.cases.configuration import ACTION
from facedocket.store.schema import AuditEntry


def _actions(world: World) -> list[AuditEntry]:
    with world.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_the_gate_records_its_settings_before_the_first_search_and_on_each_change(
    world: World,
) -> None:
    act(world, "examiner", "search", approved(world))
    recorded = _actions(world)
    first = next(entry for entry in recorded if entry.action == ACTION)
    assert recorded[first.seq].action == "search.run", "the settings come just before"
    assert first.details["replaces"] is None
    assert first.details["settings"]["policy"].startswith("massachusetts ")
    assert first.details["settings"]["match_threshold_setting"] is None
    assert len(first.details["settings"]["policy_sha256"]) == 64

    act(world, "examiner", "search", approved(world))
    assert [e.seq for e in _actions(world) if e.action == ACTION] == [first.seq]

    world.settings = world.settings.model_copy(update={"match_threshold": 0.5})
    act(world, "examiner", "search", approved(world))
    changes = [e for e in _actions(world) if e.action == ACTION]
    assert len(changes) == 2
    assert changes[1].details["replaces"] == first.seq
    assert changes[1].details["changed"] == ["match_threshold_setting", "threshold"]
    assert changes[1].details["settings"]["match_threshold_setting"] == "0.5000"
