"""Each law's own report, produced from a seeded record: the figures are counted here from
the rows the workflow wrote, never written in."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.cases.conftest import World
from tests.cases.leads import ROBBERY, lead, under_montana
from tests.cases.test_pack_scenarios import FAIR, Row, setting_up

from facedocket.cases.outcomes import record_outcome
from facedocket.kernel.refusals import Refused
from facedocket.policy import load_pack
from facedocket.reports.law import law_report
from facedocket.store.db import transaction
from facedocket.store.schema import Candidate, LeadOutcome, Review, Search, SearchRequest

HOMICIDE = Row("warrant for homicide", "warrant", offence_code="MCA 45-5-102")


def produce(world: World, username: str, kind: str, year: int = 2026) -> dict[str, object]:
    with transaction(world.sessions) as session:
        files = law_report(session, world.actor(username), world.settings.policy, kind, year)
    report: dict[str, object] = json.loads(files[f"{kind}.json"])
    return report


def test_montana_counts_searches_offences_arrests_and_convictions(
    world: World, tmp_path: Path
) -> None:
    where = under_montana(world, tmp_path)
    robbed, killed = lead(world, where), lead(world, where, HOMICIDE)
    lead(world, where, ROBBERY, found=False)
    day = world.clock.at.date()
    with transaction(world.sessions) as session:
        for number, kind in ((robbed, "arrest"), (robbed, "conviction"), (killed, "arrest")):
            record_outcome(session, world.actor("officer"), number, kind, day)
    report = produce(world, "p.boss", "montana-agency-annual")
    with world.sessions() as session:
        searches = session.scalars(select(Search)).all()
        kinds = Counter(o.kind for o in session.scalars(select(LeadOutcome)))
        codes = Counter(session.get_one(SearchRequest, s.request_id).offence_code for s in searches)
    assert report["totals"] == [
        {"searches": len(searches), "arrests": kinds["arrest"], "convictions": kinds["conviction"]}
    ]
    assert report["offences"] == [{"offence": c, "searches": n} for c, n in sorted(codes.items())]
    assert report["agencies"] == [
        {
            "requesting_agency": "Boston Police Department",
            "searches": len(searches),
            "offences": "; ".join(f"{c}: {n}" for c, n in sorted(codes.items())),
            "arrests": kinds["arrest"],
            "convictions": kinds["conviction"],
        }
    ]
    assert report["due"] == "2027-06-30"
    state = produce(world, "p.boss", "montana-state-annual")
    assert state["due"] == "2027-09-01" and state["totals"] == report["totals"]
    assert produce(world, "p.boss", "montana-agency-annual", 2025)["totals"] == [
        {"searches": 0, "arrests": 0, "convictions": 0}
    ]


def test_utah_counts_requests_by_crime_type_and_probable_matches(
    world: World, tmp_path: Path
) -> None:
    pack = load_pack("utah-2021")
    world.settings = world.settings.model_copy(update={"policy": pack.id})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    where = setting_up(world, tmp_path, pack.latest)
    fair = {"fair-probability": FAIR}
    felony = lead(world, where, Row("felony", "investigation", statements=fair))
    lead(world, where, Row("violent", "investigation", "violent_crime", statements=fair), False)
    report = produce(world, "p.boss", "utah-annual")
    with world.sessions() as session:
        requests = session.scalars(select(SearchRequest).order_by(SearchRequest.id)).all()
        matches = {
            r.id: session.scalars(
                select(Candidate)
                .join(Search, Search.id == Candidate.search_id)
                .join(Review, Review.candidate_id == Candidate.id)
                .where(Search.request_id == r.id, Review.conclusion == "possible_lead")
            ).all()
            for r in requests
        }
    types = Counter(r.offence_class for r in requests)
    assert report["crime_types"] == [
        {"crime_type": t, "requests": n} for t, n in sorted(types.items())
    ]
    rows = {row["request"]: row for row in report["requests"]}  # type: ignore[attr-defined]
    assert rows[felony]["probable_matches"] == len(matches[felony]) == 1
    assert rows[felony]["image_sources"] == f"{where['gallery']}: 1"
    assert sum(row["probable_matches"] for row in rows.values()) == 1


def test_washington_reports_use_and_compliance(world: World, tmp_path: Path) -> None:
    pack = load_pack("washington-2020")
    world.settings = world.settings.model_copy(update={"policy": pack.id})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    where = setting_up(world, tmp_path, pack.latest)
    lead(world, where, Row("investigation", "investigation", "misdemeanour"))
    report = produce(world, "p.boss", "washington-annual")
    assert report["use"] == [{"searches": 1, "requests": 1}]
    assert report["searches_by_basis"] == [{"basis": "investigation", "searches": 1}]
    compliance = {row["check"]: row["findings"] for row in report["compliance"]}  # type: ignore[attr-defined]
    assert set(compliance) >= {"basis", "review", "unlawful"}


def test_refusals(world: World, tmp_path: Path) -> None:
    under_montana(world, tmp_path)
    with pytest.raises(Refused, match="no report kind 'utah-annual'; its kinds: montana-agency"):
        produce(world, "p.boss", "utah-annual")
    with pytest.raises(Refused, match="takes one of these roles"):
        produce(world, "officer", "montana-agency-annual")
    with pytest.raises(Refused, match="outside 2000 to 2999"):
        produce(world, "p.boss", "montana-agency-annual", 1999)
    world.settings = world.settings.model_copy(update={"policy": "massachusetts"})
    with pytest.raises(Refused, match="its kinds: none"):
        produce(world, "auditor", "montana-agency-annual")
