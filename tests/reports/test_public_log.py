"""The public search log (Maine: the BMV's log is a public record): only the fields the
pack allows, from the record, in its formats; no name, case number, narrative, probe or
candidate ever appears, whatever the record holds."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import select
from tests.cases.conftest import World
from tests.cases.test_unlawful import MAINE, WHY, declare, maine_search

from facedocket.kernel.refusals import Refused
from facedocket.policy import load_policy
from facedocket.policy.afterwards import PublicLogField
from facedocket.reports.public_log import FIELDS, public_log_export
from facedocket.store.db import transaction
from facedocket.store.schema import (
    AuditEntry,
    Candidate,
    Document,
    Person,
    Search,
    SearchRequest,
    User,
)

FAIR_WORDS = "registered to a man matching the image"


def produce(world: World, username: str, pack: str, days: int = 0) -> dict[str, bytes]:
    today = world.clock.at.date()
    with transaction(world.sessions) as session:
        return public_log_export(
            session, world.actor(username), pack, today - timedelta(days=days), today
        )


def test_every_field_a_pack_may_name_is_built() -> None:
    assert set(FIELDS) == set(get_args(PublicLogField))


def test_the_log_shows_the_allowed_fields_and_never_a_forbidden_one(
    world: World, tmp_path: Path
) -> None:
    number, search = maine_search(world, tmp_path)
    with world.sessions() as session:
        kept = session.get_one(Search, search)
        returned = kept.candidates_returned
        names = [p.name for p in session.scalars(select(Person))]
        records = [p.record_id for p in session.scalars(select(Person))]
        request = session.get_one(SearchRequest, number)
        forbidden = [
            request.case_number,
            request.narrative,
            request.offence,
            request.officer_name,
            FAIR_WORDS,
            *names,
            *records,
            *(d.sha256 for d in session.scalars(select(Document))),
            *(d.filename for d in session.scalars(select(Document))),
            *(u.username for u in session.scalars(select(User))),
            *(f"{c.score:.4f}" for c in session.scalars(select(Candidate))),
        ]
    declare(world, "p.audit", number, search)
    files = produce(world, "p.audit", MAINE)
    rule = load_policy(MAINE).public_log
    assert rule is not None
    table = list(csv.DictReader(io.StringIO(files["public-log.csv"].decode())))
    assert [list(row) for row in table] == [list(rule.fields)]
    shown = json.loads(files["public-log.json"])["searches"]
    assert [set(row) for row in shown] == [set(rule.fields)]
    row = shown[0]
    assert row["date"] == world.clock.at.astimezone(load_policy(MAINE).zone).date().isoformat()
    assert row["searching_body"] == "maine-bmv" and row["basis"] == "investigation"
    assert row["offence_class"] == "serious_crime"
    assert row["candidates_returned"] == returned and row["results_deleted"] is True
    everything = b"".join(files.values()).decode()
    for value in forbidden:
        assert value not in everything, f"{value!r} is in the public log"
    assert WHY not in everything
    with world.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.created")
        ).one()
        assert entry.details["kind"] == "public-log"


def test_refusals(world: World, tmp_path: Path) -> None:
    maine_search(world, tmp_path)
    with pytest.raises(Refused, match="to produce a public search log takes one of"):
        produce(world, "officer", MAINE)
    with pytest.raises(Refused, match="makes no search log public"):
        produce(world, "auditor", "massachusetts")
    with pytest.raises(Refused, match="no such policy pack"):
        produce(world, "p.audit", "atlantis")
    with pytest.raises(Refused, match="is before --from"):
        produce(world, "p.audit", MAINE, days=-2)
    with pytest.raises(Refused, match="at most five years"):
        produce(world, "p.audit", MAINE, days=366 * 6)
    assert len(json.loads(produce(world, "p.audit", MAINE)["public-log.json"])["searches"]) == 1
    world.clock.advance(days=2)
    later = produce(world, "p.audit", MAINE, days=1)
    assert json.loads(later["public-log.json"])["searches"] == []
