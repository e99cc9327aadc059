"""The search gate refuses untrained examiners and unapproved models where the policy asks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.test_workflow import act
from tests.governance.test_register import BENCH

from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.errors import Refused
from facedocket.governance.accuracy import read_accuracy
from facedocket.governance.register import approve_model, register_model
from facedocket.governance.training import record_training
from facedocket.store.db import transaction
from facedocket.store.schema import FaceModelRecord, Search


@pytest.fixture
def commission(world: World) -> World:
    """The 2022 commission's rules: training and an approved model are required."""
    world.settings = world.settings.model_copy(update={"policy": "ma-commission-2022"})
    with transaction(world.sessions) as session:
        add_agency(session, "operator:test", "state-police-frt-unit", "MSP face unit")
        for username, role in (("frt.sup", "supervisor"), ("frt.exam", "examiner")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username,
                agency_code="state-police-frt-unit",
                roles=[role],
                rank="Sergeant",
            )
        add_user(
            session,
            "operator:test",
            username="admin",
            full_name="Admin",
            agency_code="state-police",
            roles=["administrator"],
        )
    return world


def warrant(world: World) -> int:
    number = world.draft(kind="warrant")
    act(world, "officer", "submit", number)
    act(world, "frt.sup", "approve", number, "The warrant names this image and this gallery.")
    return number


def train(world: World, expires_days: int | None = None) -> None:
    today = world.clock.at.date()
    with transaction(world.sessions) as session:
        record_training(
            session,
            world.actor("admin"),
            "frt.exam",
            "FISWG facial comparison",
            today - timedelta(days=30),
            today + timedelta(days=expires_days) if expires_days is not None else None,
        )


def approve_the_model(world: World, tmp_path: Path) -> None:
    results = tmp_path / "accuracy.json"
    results.write_text(json.dumps(BENCH))
    with transaction(world.sessions) as session:
        model = session.scalars(select(FaceModelRecord)).one()
        register_model(session, world.actor("admin"), model, read_accuracy(results))
        approve_model(session, world.actor("admin"), model.id, "Measured on the benchmark.")


def searches(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(Search)) or 0


def test_training_then_approval_then_the_search_runs(commission: World, tmp_path: Path) -> None:
    world = commission
    number = warrant(world)
    with pytest.raises(Refused, match="no face-comparison training on record"):
        act(world, "frt.exam", "search", number)
    train(world)
    with pytest.raises(Refused, match="face model is not approved"):
        act(world, "frt.exam", "search", number)
    assert searches(world) == 0
    approve_the_model(world, tmp_path)
    found = act(world, "frt.exam", "search", number)
    assert found.candidates_returned >= 1 and searches(world) == 1


def test_expired_training_is_refused(commission: World, tmp_path: Path) -> None:
    world = commission
    approve_the_model(world, tmp_path)
    train(world, expires_days=2)
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
