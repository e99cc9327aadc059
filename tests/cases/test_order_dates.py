"""A request whose order is not in force yet, expires before its issue, or runs past the
policy's maximum life is refused when it is written: nothing is stored (#12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World

from facedocket.kernel.refusals import Refused
from facedocket.store.schema import SearchRequest


def _requests(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(SearchRequest)) or 0


@pytest.mark.parametrize(
    ("issued_days", "expires_days", "reason"),
    [
        (3, 10, "not in force yet"),
        (-5, -8, "before it was issued"),
        (-1, 365 * 7000, "lets a court_order run at most 90 days"),
    ],
)
def test_bad_order_dates_are_refused_at_creation(
    world: World, issued_days: int, expires_days: int, reason: str
) -> None:
    now = world.clock.at
    basis = {
        "issued_on": (now + timedelta(days=issued_days)).date().isoformat(),
        "expires_at": (now + timedelta(days=expires_days)).isoformat(),
    }
    with pytest.raises(Refused, match=reason) as refused:
        world.draft(**basis)
    assert refused.value.code == "invalid_dates"
    assert _requests(world) == 0
