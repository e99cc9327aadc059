"""The search gate refuses untrained examiners and unapproved models where the policy asks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World, approve_the_model, train, under_commission_rules
from tests.cases.test_workflow import act

from facedocket.kernel.refusals import Refused
from facedocket.store.schema import Search


@pytest.fixture
def commission(world: World) -> World:
    return under_commission_rules(world)


def warrant(world: World) -> int:
    number = world.draft(kind="warrant")
    act(world, "officer", "submit", number)
    act(world, "frt.sup", "approve", number, "The warrant names this image and this gallery.")
    return number


def searches(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(Search)) or 0


def test_training_then_approval_then_the_search_runs(commission: World, tmp_path: Path) -> None:
    world = commission
    number = warrant(world)
    with pytest.raises(Refused, match="no face-comparison training on record"):
        act(world, "frt.exam", "search", number)
    train(world, "frt.exam")
    with pytest.raises(Refused, match="face model is not approved"):
        act(world, "frt.exam", "search", number)
    assert searches(world) == 0
    approve_the_model(world, tmp_path)
    found = act(world, "frt.exam", "search", number)
    assert found.candidates_returned >= 1 and searches(world) == 1


def test_expired_training_is_refused(commission: World, tmp_path: Path) -> None:
    world = commission
    approve_the_model(world, tmp_path)
    train(world, "frt.exam", expires_days=2)
    number = warrant(world)
    world.clock.advance(days=3)
    with pytest.raises(Refused, match="expired on"):
        act(world, "frt.exam", "search", number)
    assert searches(world) == 0


def test_massachusetts_law_asks_neither(world: World) -> None:
    number = world.draft()
    act(world, "officer", "submit", number)
    act(world, "intake", "approve", number, "The order names this image and this gallery.")
    act(world, "examiner", "search", number)
    assert searches(world) == 1
