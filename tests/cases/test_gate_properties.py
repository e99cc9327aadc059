"""Property: no sequence of actions by anyone produces an unlawful search.

Hypothesis plays random people taking random steps on random requests while the clock
moves; after every step, every search on record must rest on an approved request whose
basis held at that moment, run by an examiner of a body allowed to search.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from tests.cases.conftest import STAFF, World
from tests.cases.test_pack_scenarios import FAIR, Row, enter, setting_up, write
from tests.cases.test_workflow import act

from facedocket.governance.figures import accuracy_decision
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.policy import Policy, check_intake_body, check_searcher, list_packs, load_pack
from facedocket.store.schema import Search, SearchRequest, User

STEPS = ["submit", "approve", "reject", "search", "close"]
KINDS = ["court_order", "emergency", "deceased"]
NOTE = "The basis covers this request and this gallery."


def steps_of(
    world: World, people: list[str], kinds: list[str], draft: Callable[[str], int]
) -> type[RuleBasedStateMachine]:
    """Random people taking random steps on random requests while the clock moves; the
    caller adds the invariant."""

    class Steps(RuleBasedStateMachine):
        cases = Bundle("cases")

        @rule(target=cases, kind=st.sampled_from(kinds))
        def write(self, kind: str) -> int:
            return draft(kind)

        @rule(number=cases, user=st.sampled_from(people), step=st.sampled_from(STEPS))
        def take(self, number: int, user: str, step: str) -> None:
            args = (NOTE,) if step in ("approve", "reject") else ()
            with contextlib.suppress(Refused, NotFound):
                act(world, user, step, number, *args)

        @rule(hours=st.integers(min_value=0, max_value=24 * 15))
        def wait(self, hours: int) -> None:
            world.clock.advance(hours=hours)

    return Steps


SETTINGS = settings(
    max_examples=12,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_no_search_without_approval_and_a_valid_basis(world: World) -> None:
    class Workflow(steps_of(world, sorted(STAFF), KINDS, lambda kind: world.draft(kind=kind))):
        @invariant()
        def every_search_is_lawful(self) -> None:
            with world.sessions() as session:
                for search in session.scalars(select(Search)):
                    request = session.get_one(SearchRequest, search.request_id)
                    basis = request.basis
                    examiner = session.get_one(User, search.examiner_id)
                    assert basis is not None and basis.confirmed_at is not None
                    assert basis.confirmed_at <= search.run_at
                    assert request.decided_by_id is not None
                    assert "examiner" in examiner.roles and examiner.agency.code == "state-police"
                    if basis.kind == "court_order":
                        assert basis.expires_at is not None
                        assert search.run_at < basis.expires_at
                        earlier = [s for s in request.searches if s.run_at <= search.run_at]
                        assert len(earlier) <= (basis.searches_allowed or 1)
                    if basis.kind == "emergency":
                        assert basis.supervisor_id is not None

    run_state_machine_as_test(Workflow, settings=SETTINGS)


@pytest.mark.parametrize("pack_id", [p.id for p in list_packs() if p.id != "massachusetts"])
def test_no_unlawful_search_under_any_pack(world: World, tmp_path: Path, pack_id: str) -> None:
    """The same property under every other shipped pack, each with its own bodies, people
    and gallery (``test_pack_scenarios.setting_up``): every search on record rests on a
    request the pack's intake body approved before it, on a basis and by a searcher the
    version in force at the search allows, with a model whose figures then met the
    version's accuracy floor while figures under and over it are entered at random."""
    pack = load_pack(pack_id)
    world.settings = world.settings.model_copy(update={"policy": pack_id})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    where = setting_up(world, tmp_path, pack.latest)
    start = datetime(2026, 3, 10, 15, tzinfo=UTC)
    people = ["officer", "p.intake", "p.boss", "p.exam"]
    kinds = sorted({kind for policy in pack.versions for kind in policy.bases})

    def facts(policy: Policy, kind: str) -> Row:
        offences = policy.offences
        return Row(
            "random",
            kind,
            offences.classes[0].id if offences.classes else "felony",
            offences.listed[0].code if offences.listed else None,
            policy.purposes[0].id if policy.purposes else None,
            {n.id: FAIR for n in policy.narratives},
        )

    def draft(kind: str) -> int:
        return write(world, where, facts(pack.at(world.clock.at), kind), world.clock.at)

    floors = [policy.model_accuracy for policy in pack.versions if policy.model_accuracy]

    class Workflow(steps_of(world, people, kinds, draft)):
        def __init__(self) -> None:
            super().__init__()
            world.clock.at = start

        @rule(value=st.sampled_from(["0.9700", "0.9900"]), index=st.integers(0, 20))
        def measure(self, value: str, index: int) -> None:
            """A new figure for one group of each floor, under it or over it."""
            for floor in floors:
                group = floor.groups[index % len(floor.groups)]
                enter(world, group.id, value, floor.evaluated_by[0], floor.metric)

        @invariant()
        def every_search_is_lawful(self) -> None:
            with world.sessions() as session:
                for search in session.scalars(select(Search)):
                    request = session.get_one(SearchRequest, search.request_id)
                    basis = request.basis
                    policy = pack.at(search.run_at)
                    examiner = session.get_one(User, search.examiner_id)
                    assert basis is not None and basis.confirmed_at is not None
                    assert basis.confirmed_at <= search.run_at
                    assert basis.kind in policy.bases
                    assert (search.policy_id, search.policy_version) == (pack_id, policy.version)
                    decided_by = session.get_one(User, request.decided_by_id)
                    assert check_intake_body(policy, decided_by.agency.code).allowed
                    assert check_searcher(policy, examiner.agency.code, "examiner").allowed
                    assert "examiner" in examiner.roles
                    if basis.expires_at is not None:
                        assert search.run_at < basis.expires_at
                    at = search.run_at
                    assert accuracy_decision(session, policy, search.model_id, at).allowed

    # Fewer runs per pack: eight packs share the time the first one has.
    run_state_machine_as_test(Workflow, settings=settings(SETTINGS, max_examples=3))
