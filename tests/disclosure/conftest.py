"""A real case, from request to conclusion, for the disclosure tests (the World of tests/cases)."""

from __future__ import annotations

import pytest
from tests.cases.conftest import World, pipeline, world
from tests.cases.test_workflow import act, approved

from facedocket.cases.directory import add_user
from facedocket.cases.review import Conclusion
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
    number = approved(world)
    act(world, "examiner", "search", number)
    for row in act(world, "examiner", "sheet", number, 1):
        lead = row.record_id == "Abdullah_Gul"
        conclusion = Conclusion.POSSIBLE_LEAD if lead else Conclusion.EXCLUDED
        act(world, "examiner", "review", number, row.candidate_id, conclusion, "Compared ears.")
    act(world, "examiner", "conclude", number, "lead")
    return number
