"""Property: no sequence of actions by anyone produces an unlawful search.

Hypothesis plays random people taking random steps on random requests while the clock
moves; after every step, every search on record must rest on an approved request whose
basis held at that moment, run by an examiner of a body allowed to search.
"""

from __future__ import annotations

import contextlib

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
from tests.cases.test_workflow import act

from facedocket.cases.errors import NotFound, Refused
from facedocket.store.schema import Search, SearchRequest, User

STEPS = ["submit", "approve", "reject", "search", "close"]
NOTE = "The basis covers this request and this gallery."


def test_no_search_without_approval_and_a_valid_basis(world: World) -> None:
    class Workflow(RuleBasedStateMachine):
        cases = Bundle("cases")

        @rule(target=cases, kind=st.sampled_from(["court_order", "emergency", "deceased"]))
        def write(self, kind: str) -> int:
            return world.draft(kind=kind)

        @rule(number=cases, user=st.sampled_from(sorted(STAFF)), step=st.sampled_from(STEPS))
        def take(self, number: int, user: str, step: str) -> None:
            args = (NOTE,) if step in ("approve", "reject") else ()
            with contextlib.suppress(Refused, NotFound):
                act(world, user, step, number, *args)

        @rule(hours=st.integers(min_value=0, max_value=24 * 15))
        def wait(self, hours: int) -> None:
            world.clock.advance(hours=hours)

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

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
