"""A Montana lead: a warrant search for a listed serious crime that the examiner concludes
with a possible lead, for the tests of what follows a lead and of Montana's reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from tests.cases.conftest import World
from tests.cases.test_pack_scenarios import NOTE, Row, setting_up, write
from tests.cases.test_workflow import act, approved

from facedocket.cases.states import Conclusion
from facedocket.policy import load_pack
from facedocket.store.schema import Candidate, Person, Search

MONTANA = "montana-2023"
ROBBERY = Row("warrant for robbery", "warrant", offence_code="MCA 45-5-401")


def under_montana(world: World, folder: Path) -> dict[str, str]:
    """The Montana pack in force, its bodies, people and gallery (``setting_up``)."""
    world.settings = world.settings.model_copy(update={"policy": MONTANA})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    return setting_up(world, folder, load_pack(MONTANA).latest)


def lead(world: World, where: dict[str, str], row: Row = ROBBERY, found: bool = True) -> int:
    """A request written, approved, searched and concluded now: ``lead`` if ``found`` (the
    probe's person a possible lead), else ``no_lead``."""
    number = write(world, where, row, world.clock.at)
    act(world, "officer", "submit", number)
    act(world, "p.intake", "approve", number, NOTE)
    act(world, "p.exam", "search", number)
    conclude(world, number, "p.exam", found)
    return number


def conclude(world: World, number: int, examiner: str, found: bool = True) -> None:
    """Review every candidate of a searched request and conclude it: the probe's person is
    the possible lead if ``found``."""
    with world.sessions() as session:
        rows = session.execute(
            select(Candidate.id, Person.record_id)
            .join(Person, Person.id == Candidate.person_id)
            .join(Search, Search.id == Candidate.search_id)
            .where(Search.request_id == number)
        )
        people = dict(rows.all())
    # The sheet is blind (no names before one's own conclusion): who each candidate is
    # comes from the store.
    for line in act(world, examiner, "sheet", number):
        possible = found and people[line.candidate_id] == "Abdullah_Gul"
        conclusion = Conclusion.POSSIBLE_LEAD if possible else Conclusion.EXCLUDED
        act(world, examiner, "review", number, line.candidate_id, conclusion, "Compared ears.")
    act(world, examiner, "conclude", number, "lead" if found else "no_lead")


def massachusetts_lead(world: World) -> int:
    """A court-order request of the world's pack (Massachusetts) concluded with a lead."""
    number = approved(world)
    act(world, "examiner", "search", number)
    conclude(world, number, "examiner")
    return number
