"""The record's page: the filter form as a browser sends it, and the timeline it shows."""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from sqlalchemy import select
from tests.web.conftest import Web

from facedocket.cases.directory import add_user
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, User

EMPTY_FORM = {"actor": "", "action": "", "subject_type": "", "subject_id": "", "since": ""}


def test_an_empty_field_filters_on_nothing(light: Web) -> None:
    auditor = light.browser("auditor")
    # A browser sends every field of the form; the untouched ones are empty.
    everything = auditor.get("/record", params={**EMPTY_FORM, "until": ""})
    assert everything.status_code == 200, everything.text
    assert "officer (requester)" not in everything.text
    assert "auditor (self) signed in" in everything.text
    only = auditor.get("/record", params={**EMPTY_FORM, "actor": "auditor", "until": ""})
    assert only.status_code == 200
    actors = set(re.findall(r"&#34;actor&#34;: &#34;([^&]+)&#34;", only.text))
    assert actors == {"auditor"}
    # What is typed is still checked: a control character is refused, not searched for.
    assert auditor.get("/record", params={"actor": "a\x00b"}).status_code == 422
    assert auditor.get("/record", params={"actor": "x" * 201}).status_code == 422


def test_the_record_reads_as_a_timeline_per_request(light: Web) -> None:
    number = light.create().json()["id"]
    auditor = light.browser("auditor")
    shown = auditor.get("/record", params={"subject_type": "request", "subject_id": str(number)})
    text = html.unescape(shown.text)
    assert f'<a href="/requests/{number}">Request {number}</a>' in text
    submitted = text.index("officer (requester) submitted the request")
    written = text.index("officer (requester) wrote the request")
    assert submitted < written, "newest first"
    # Every event carries its raw entry, folded; the stored action name is in it.
    assert text.count("<summary>Raw entry") == text.count('class="usa-process-list__item')
    assert '"action": "request.submitted"' in text

    # The auditor's own readings of the record are views: folded apart from the acts.
    again = html.unescape(auditor.get("/record", params={"subject_type": "record"}).text)
    views = again.split('<details class="views">')
    assert len(views) == 2 and "auditor (auditor) read the record" in views[1]
    assert "auditor (auditor) read the record" not in views[0]


def test_older_entries_keep_every_filter_the_times_too(light: Web) -> None:
    auditor = light.browser("auditor")
    for _ in range(3):
        auditor.get("/record", params={"action": "record."})
    time.sleep(0.01)  # the record's times are the machine's, not the tests' clock
    since = datetime.now(UTC).isoformat()
    wanted = {**EMPTY_FORM, "action": "record.", "since": since, "until": ""}
    for _ in range(55):
        first = auditor.get("/record", params=wanted)
    older = html.unescape(first.text.split('">Older entries</a>')[0].rsplit('href="', 1)[1])
    assert "action=record." in older and f"since={quote_plus(since)}" in older
    assert "until" not in older and "actor" not in older, "an empty field is left out"
    rest = auditor.get(older)
    assert rest.status_code == 200, rest.text
    # The last of the 55 readings showed the 54 before it, 50 on its page: the other four
    # are older, and the three readings before the time typed stay filtered out.
    assert rest.text.count("<summary>Raw entry") == 4
    assert "Older entries" not in rest.text


def test_every_combination_of_the_filters_shows_only_what_it_asks(light: Web) -> None:
    number = str(light.create().json()["id"])
    light.create()  # another request, which a subject filter leaves out
    auditor = light.browser("auditor")
    # Typed without a zone, read as UTC, as the form says.
    now = datetime.now(UTC).replace(tzinfo=None)
    before = (now - timedelta(hours=1)).isoformat(timespec="minutes")
    after = (now + timedelta(hours=1)).isoformat(timespec="minutes")
    typed = {
        "actor": "officer",
        "action": "request.",
        "subject_type": "request",
        "subject_id": number,
        "since": before,
        "until": after,
    }
    for size in range(len(typed) + 1):
        for chosen in itertools.combinations(typed, size):
            # Typed or left empty, as a browser sends the form: every field, always.
            sent = {name: typed[name] if name in chosen else "" for name in typed}
            shown = auditor.get("/record", params=sent)
            assert shown.status_code == 200, (chosen, shown.text)
            raws = [
                json.loads(html.unescape(raw))
                for raw in re.findall(r"<code>(\{.*?\})</code>", shown.text, re.DOTALL)
            ]
            assert raws, chosen
            for entry in raws:
                assert "actor" not in chosen or entry["actor"] == "officer"
                assert "action" not in chosen or entry["action"].startswith("request.")
                assert "subject_type" not in chosen or entry["subject_type"] == "request"
                assert "subject_id" not in chosen or entry["subject_id"] == number
                assert before <= entry["at"][:16] <= after
            if {"actor", "subject_type", "subject_id"} <= set(chosen):
                assert {e["action"] for e in raws} == {"request.created", "request.submitted"}
    # The times filter too: nothing on this fresh record is older than an hour.
    empty = dict.fromkeys(typed, "")
    gone = auditor.get("/record", params={**empty, "until": before})
    assert "No entry matches these filters." in gone.text
    late = auditor.get("/record", params={**empty, "since": after})
    assert "No entry matches these filters." in late.text


def test_a_user_s_thread_links_where_the_reader_may_go(light: Web) -> None:
    auditor = light.browser("auditor")
    with light.world.sessions() as session:
        me = session.scalars(select(User.id).where(User.username == "auditor")).one()
    wanted = {"subject_type": "user", "subject_id": str(me)}
    shown = html.unescape(auditor.get("/record", params=wanted).text)
    # The user's page is the administrator's: an auditor is linked to the user's timeline.
    assert f'href="/admin/users/{me}"' not in shown
    timeline = f"/record?subject_type=user&subject_id={me}"
    assert f'<a href="{timeline}">The whole timeline of user {me}</a>' in shown
    assert auditor.get(f"/admin/users/{me}").status_code == 403, "why it is not linked"
    assert auditor.get(timeline).status_code == 200
    with transaction(light.world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username="chief",
            full_name="Chief auditor and administrator",
            agency_code="state-police",
            roles=["auditor", "administrator"],
        )
    both = html.unescape(light.browser("chief").get("/record", params=wanted).text)
    assert f'<a href="/admin/users/{me}">User {me}</a>' in both


def test_each_entry_s_time_is_in_the_agency_s_zone_and_in_utc(light: Web) -> None:
    number = light.create().json()["id"]
    auditor = light.browser("auditor")
    shown = auditor.get("/record", params={"subject_type": "request", "subject_id": str(number)})
    with light.world.sessions() as session:
        wanted = select(AuditEntry).where(AuditEntry.action == "request.submitted")
        at = session.scalars(wanted).one().at
    local = at.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S %Z")
    assert f'<time datetime="{at.isoformat()}">{local}</time>' in shown.text
    assert f"({at.strftime('%Y-%m-%d %H:%M:%S')} UTC, as the filters read times)" in shown.text
