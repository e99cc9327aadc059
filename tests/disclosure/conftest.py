"""A real case, from request to conclusion, for the disclosure tests (the World of tests/cases)."""

from __future__ import annotations

import pytest
from tests.cases.conftest import World, pipeline, world
from tests.cases.leads import massachusetts_lead
from tests.people import add_admin

from facedocket.store.db import transaction

__all__ = ["pipeline", "world"]


@pytest.fixture
def case(world: World) -> int:
    """A court-ordered request, searched, every candidate concluded, a lead released."""
    with transaction(world.sessions) as session:
        add_admin(session)
    # The examiner's sheet is blind: tests.cases.leads reads who each candidate is.
    return massachusetts_lead(world)
