"""A real case, from request to conclusion, for the disclosure tests (the World of tests/cases)."""

from __future__ import annotations

import pytest
from tests.cases.conftest import World, pipeline, world
from tests.cases.leads import massachusetts_lead

from facedocket.cases.directory import add_user
from facedocket.store.db import transaction

__all__ = ["pipeline", "world"]


@pytest.fixture
def case(world: World) -> int:
    """A court-ordered request, searched, every candidate concluded, a lead released."""
    with transaction(world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username="admin",
            full_name="Admin",
            agency_code="state-police",
            roles=["administrator"],
        )
    # The examiner's sheet is blind: tests.cases.leads reads who each candidate is.
    return massachusetts_lead(world)
