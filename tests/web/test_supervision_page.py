"""The supervision page's deadlines are in the agency's time zone (issue 18), as the
people they bind read them, not in UTC."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.web.conftest import Web

from facedocket.store.db import transaction
from facedocket.store.schema import LegalBasis


def test_an_overdue_statement_is_due_in_the_agency_s_time(light: Web) -> None:
    number = int(light.create(kind="emergency").json()["id"])
    # As a first search under a law that asks for a sworn statement sets it (the
    # commission's 48 hours); how it is set is tests/cases' business.
    due = light.world.clock.at - timedelta(hours=1)
    with transaction(light.world.sessions) as session:
        session.query(LegalBasis).filter_by(request_id=number).one().statement_due_at = due
    local = due.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M %Z")
    page = light.browser("supervisor").get("/supervision").text
    row = page.split(f'<a href="/requests/{number}">{number}</a>')[1].split("</tr>")[0]
    assert f"<td>{local}</td>" in row, row
    assert local.endswith(("EST", "EDT")) and "UTC" not in page.split("<h1>")[1]
