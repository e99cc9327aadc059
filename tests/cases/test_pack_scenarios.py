"""Each shipped pack's law, scenario by scenario, through the real intake and the gate.

A row is a request a statute allows or forbids: it is written, submitted, taken in by the
body the pack names (the screening body first, where intake has two stages) and searched
by an examiner of the searching body, on the pack's own gallery. An allowed row ends in a
search on the record naming the pack and the version in force that day; a refused row is
refused at the step the law stops it, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.cases.conftest import PEOPLE, World, approve_the_model, order_pdf
from tests.cases.test_workflow import act

from facedocket.cases import gate, requests
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.recorded_refusals import SEARCH_REFUSED, refusal_recorded
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.governance.figures import enter_figure
from facedocket.governance.training import record_training
from facedocket.kernel.refusals import Refused
from facedocket.policy import GroupFigure, Policy, load_pack
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, FaceModelRecord, Search, SearchRequest

FACTS = "The facts of the case, as the requesting officer knows them today."
FAIR = (
    "The suspect was filmed at the store during the robbery; the clerk named the car he "
    "left in, registered to a man matching the image."
)
NOTE = "The request meets the law's standard for this search."
REPORT = "NIST FRTE 1:N demographic results, November 2025"


@dataclass(frozen=True)
class Row:
    """One scenario: the request's facts, and where the law stops it (None: it is searched)."""

    name: str
    kind: str
    offence_class: str = "felony"
    offence_code: str | None = None
    purpose: str | None = None
    statements: dict[str, str] = field(default_factory=dict)
    at: datetime = datetime(2026, 3, 10, 15, tzinfo=UTC)
    refused_at: str | None = None
    reason: str = ""


SCENARIOS: dict[str, list[Row]] = {
    "utah-2021": [
        Row(
            "felony with a fair-probability narrative",
            "investigation",
            statements={"fair-probability": FAIR},
        ),
        Row(
            "violent crime", "investigation", "violent_crime", statements={"fair-probability": FAIR}
        ),
        Row(
            "a misdemeanour is not covered",
            "investigation",
            "misdemeanour",
            statements={"fair-probability": FAIR},
            refused_at="submit",
            reason="offence class 'misdemeanour' is not one the law covers",
        ),
        Row(
            "no fair-probability narrative",
            "investigation",
            refused_at="submit",
            reason="must show a fair probability that the individual",
        ),
        Row(
            "a one-line narrative is not enough",
            "investigation",
            statements={"fair-probability": "He did it."},
            refused_at="submit",
            reason="it has 10",
        ),
        Row("a deceased person needs no narrative", "deceased"),
        Row("an incapacitated person", "missing_person"),
        Row(
            "no warrant basis in Utah",
            "court_order",
            refused_at="submit",
            reason="legal basis 'court_order' is not allowed",
        ),
    ],
    "virginia-2022": [
        Row(
            "reasonable suspicion of a crime",
            "investigation",
            "misdemeanour",
            purpose="suspect-of-crime",
        ),
        Row("a deceased person", "deceased", purpose="deceased"),
        Row(
            "no authorised use named",
            "investigation",
            refused_at="submit",
            reason="purpose not given is not an authorised use",
        ),
        Row(
            "a use not on the list",
            "investigation",
            purpose="crowd-monitoring",
            refused_at="submit",
            reason="purpose 'crowd-monitoring' is not an authorised use",
        ),
        Row(
            "after the 2022 act expires",
            "investigation",
            purpose="suspect-of-crime",
            at=datetime(2026, 7, 2, 15, tzinfo=UTC),
            refused_at="submit",
            reason="allows no search on any basis",
        ),
    ],
    "maine-2021": [
        Row(
            "probable cause of a serious crime, screened by the State Police",
            "investigation",
            "serious_crime",
            statements={"probable-cause": FAIR},
        ),
        Row("a missing person", "missing_person"),
        Row(
            "not a serious crime",
            "investigation",
            "misdemeanour",
            statements={"probable-cause": FAIR},
            refused_at="submit",
            reason="offence class 'misdemeanour' is not one the law covers",
        ),
        Row(
            "no statement of probable cause",
            "investigation",
            "serious_crime",
            refused_at="submit",
            reason="must show probable cause",
        ),
    ],
    "montana-2023": [
        Row("warrant for robbery, a listed serious crime", "warrant", offence_code="MCA 45-5-401"),
        Row(
            "warrant for theft, not a listed crime",
            "warrant",
            offence_code="MCA 45-6-301",
            refused_at="submit",
            reason="offence 'MCA 45-6-301' is not one of the 26 offences",
        ),
        Row("a deceased person without a warrant", "deceased"),
        Row(
            "an investigation without a warrant",
            "investigation",
            refused_at="submit",
            reason="legal basis 'investigation' is not allowed",
        ),
    ],
    "washington-2020": [
        Row("any criminal investigation of a still image", "investigation", "misdemeanour"),
        Row("a missing person", "missing_person"),
        Row(
            "an emergency is not a basis here",
            "emergency",
            refused_at="submit",
            reason="legal basis 'emergency' is not allowed",
        ),
    ],
    "massachusetts-bills": [
        Row("warrant on probable cause of a felony", "warrant"),
        Row(
            "warrant for a misdemeanour",
            "warrant",
            "misdemeanour",
            refused_at="submit",
            reason="offence class 'misdemeanour' is not one the law covers",
        ),
        Row("emergency, approved by a supervisor", "emergency"),
        Row(
            "no deceased-person basis in the bills",
            "deceased",
            refused_at="submit",
            reason="legal basis 'deceased' is not allowed",
        ),
    ],
    "massachusetts": [
        Row("court order for any offence", "court_order", "misdemeanour"),
        Row(
            "a warrant is not the statute's word",
            "warrant",
            refused_at="submit",
            reason="legal basis 'warrant' is not allowed",
        ),
    ],
    "ma-commission-2022": [
        Row("warrant for a felony", "warrant"),
        Row(
            "warrant for a misdemeanour",
            "warrant",
            "misdemeanour",
            refused_at="submit",
            reason="offence class 'misdemeanour'",
        ),
    ],
    "maryland-2024": [
        Row("investigation of a listed crime", "investigation", offence_code="CL 3-802"),
        # § 2-503(a)(1)(i)4 and 7: a child pornography offence, a Public Safety weapon crime.
        Row("a child pornography offence", "investigation", offence_code="CL 11-207"),
        Row(
            "a weapon crime of the Public Safety Article", "investigation", offence_code="PS 5-141"
        ),
        Row(
            "participation in a criminal organization is not on the list",
            "investigation",
            offence_code="CL 9-804",
            refused_at="submit",
            reason="is not one of the 20 offences",
        ),
        Row(
            "investigation of an unlisted crime",
            "investigation",
            offence_code="CL 7-104",
            refused_at="submit",
            reason="is not one of the 20 offences",
        ),
    ],
}


def setting_up(
    world: World, folder: Path, policy: Policy, *, figures: bool = True
) -> dict[str, str]:
    """The pack's bodies and people, its gallery, training and an approved model (with
    figures meeting every version's accuracy floor, unless ``figures`` is False): who
    takes each step (by username)."""
    bodies = [body.id for body in policy.searchers.bodies or []]
    searcher = bodies[0] if bodies else "bpd"
    screening = policy.intake.screening
    intake = screening.id if screening is not None else searcher
    staff = {
        "intake": (intake, ["intake_reviewer"]),
        "boss": (intake, ["supervisor"]),
        "exam": (searcher, ["examiner"]),
        "admin": ("bpd", ["administrator"]),  # the table below names it "admin"
    }
    with transaction(world.sessions) as session:
        for code in {searcher, intake} - {"bpd", "state-police"}:
            add_agency(session, "operator:test", code, code)
        for username, (code, roles) in staff.items():
            add_user(
                session,
                "operator:test",
                username="admin" if username == "admin" else f"p.{username}",
                full_name=username,
                agency_code=code,
                roles=roles,
                rank="Sergeant",
            )
    gallery = policy.galleries[0]
    if gallery != "rmv":
        items = [EnrolmentItem(n, n, world.faces / "lfw" / n / f"{n}_0001.jpg") for n in PEOPLE[:2]]
        enrol(world.settings, world.sessions, gallery, items, workers=1)
    if policy.training.required:
        with transaction(world.sessions) as session:
            record_training(
                session,
                world.actor("admin"),
                "p.exam",
                "FISWG facial comparison",
                datetime(2026, 1, 1).date(),
                None,
            )
    floors = [v.model_accuracy for v in load_pack(policy.id).versions if v.model_accuracy]
    if policy.algorithm_approval_required or floors:
        approve_the_model(world, folder)
    if figures:
        for floor in floors:
            for group in floor.groups:
                enter(world, group.id, "0.9912", floor.evaluated_by[0], floor.metric)
    return {"searching_body": searcher, "gallery": gallery}


def enter(
    world: World,
    group: str,
    value: str,
    evaluator: str = "nist",
    metric: str = "true_positive_rate",
) -> None:
    """An administrator enters one per-group figure for the (only) model."""
    figure = GroupFigure(group, metric, value, evaluator, REPORT, date(2025, 11, 1))
    with transaction(world.sessions) as session:
        model = session.scalars(select(FaceModelRecord)).one()
        enter_figure(session, world.actor("admin"), model.id, figure)


def form(row: Row, where: dict[str, str], at: datetime) -> tuple[RequestCreate, bool]:
    basis: dict[str, Any] = {"kind": row.kind}
    ordered = row.kind in ("court_order", "warrant")
    if ordered:
        basis |= {
            "court": "Superior Court",
            "docket_number": "2026-CR-1",
            "judge": "Hon. J. Example",
            "issued_on": (at - timedelta(days=1)).date().isoformat(),
            "expires_at": (at + timedelta(days=10)).isoformat(),
            "scope": "One search with the attached still image.",
        }
    else:
        basis["facts"] = FACTS
    data = {
        "case_number": "CASE-1",
        "offence": "The offence under investigation",
        "offence_class": row.offence_class,
        "offence_code": row.offence_code,
        "narrative": "A store camera filmed the person; a face search may identify them.",
        "gallery": where["gallery"],
        "searching_body": where["searching_body"],
        "basis": basis,
        "purpose": row.purpose,
        "statements": row.statements,
    }
    return RequestCreate.model_validate(data), ordered


def write(world: World, where: dict[str, str], row: Row, at: datetime) -> int:
    """The row's request, written by the officer at ``at`` (with its order, if any)."""
    data, ordered = form(row, where, at)
    probe = FileUpload(
        filename="probe.jpg", content=world.photo("Abdullah_Gul", 2).read_bytes(), source="CCTV"
    )
    with transaction(world.sessions) as session:
        return requests.create_request(
            session,
            world.settings,
            world.actor("officer"),
            data,
            [probe],
            order_pdf() if ordered else None,
            pipeline=world.pipeline,
        ).id


@pytest.mark.parametrize("pack_id", sorted(SCENARIOS))
def test_the_law_of_each_pack(world: World, tmp_path: Path, pack_id: str) -> None:
    """One world per pack (its bodies, people and gallery); one request per row."""
    pack = load_pack(pack_id)
    world.settings = world.settings.model_copy(update={"policy": pack_id})
    # Trained, and the model approved, before the first row's day.
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    where = setting_up(world, tmp_path, pack.latest)
    for row in SCENARIOS[pack_id]:
        world.clock.at = row.at
        _run(world, where, pack_id, row)


def _run(world: World, where: dict[str, str], pack_id: str, row: Row) -> None:
    rule = load_pack(pack_id).at(row.at).bases.get(row.kind)  # type: ignore[call-overload]
    supervised = rule is not None and "approving_supervisor" in rule.required_fields
    approver = "p.boss" if supervised else "p.intake"
    steps = [("submit", "officer", ()), ("approve", approver, (NOTE,)), ("search", "p.exam", ())]
    number = write(world, where, row, world.clock.at)
    for step, user, args in steps:
        if step == row.refused_at:
            with pytest.raises(Refused) as refused:
                act(world, user, step, number, *args)
            assert row.reason in str(refused.value), f"{row.name}: {refused.value}"
            with world.sessions() as session:
                found = session.scalars(select(Search).where(Search.request_id == number))
                assert found.all() == [], row.name
            return
        act(world, user, step, number, *args)
    assert row.refused_at is None, f"{row.name}: searched, but the law refuses it"
    in_force = load_pack(pack_id).at(row.at)
    with world.sessions() as session:
        search = session.scalars(select(Search).where(Search.request_id == number)).one()
        assert (search.policy_id, search.policy_version) == (pack_id, in_force.version)
        logged = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "search.run", AuditEntry.subject_id == str(number)
            )
        ).one()
        assert (logged.policy_id, logged.policy_version) == (pack_id, in_force.version)


def _written(world: World, pack_id: str, tmp_path: Path, row: Row) -> tuple[int, dict[str, str]]:
    world.settings = world.settings.model_copy(update={"policy": pack_id})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    where = setting_up(world, tmp_path, load_pack(pack_id).latest)
    world.clock.at = row.at
    number = write(world, where, row, row.at)
    act(world, "officer", "submit", number)
    return number, where


def test_two_stages_of_intake_are_two_bodies(world: World, tmp_path: Path) -> None:
    """Maine: the State Police screen and decide; the BMV searches, and only after."""
    row = Row("screened", "investigation", "serious_crime", statements={"probable-cause": FAIR})
    number, _ = _written(world, "maine-2021", tmp_path, row)
    with transaction(world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username="bmv.intake",
            full_name="BMV intake",
            agency_code="maine-bmv",
            roles=["intake_reviewer"],
        )
    # The searching body may not take the request in: the State Police screen it first.
    with pytest.raises(Refused, match="Maine State Police screens every request"):
        act(world, "bmv.intake", "approve", number, NOTE)
    # Nor may it search a request nobody screened.
    with pytest.raises(Refused, match="cannot be asked to search"):
        act(world, "p.exam", "search", number)
    act(world, "p.intake", "approve", number, NOTE)
    act(world, "p.exam", "search", number)
    with world.sessions() as session:
        search = session.scalars(select(Search).where(Search.request_id == number)).one()
        examiner_body = session.get_one(Search, search.id).searching_agency_id
        screened = session.get_one(SearchRequest, number)
        assert screened.intake_body_id is not None and screened.intake_body_id != examiner_body
        assert screened.decided_by_id is not None


def test_a_search_applies_the_version_in_force_the_day_it_runs(
    world: World, tmp_path: Path
) -> None:
    """Virginia: approved under the 2022 act on its last day, searched the day after it
    expired: the search is refused under version 2.0, which the refusal names."""
    row = Row(
        "approved on the last day",
        "investigation",
        purpose="suspect-of-crime",
        at=datetime(2026, 6, 30, 20, tzinfo=UTC),
    )
    number, _ = _written(world, "virginia-2022", tmp_path, row)
    act(world, "p.intake", "approve", number, NOTE)
    world.clock.at = datetime(2026, 7, 1, 12, tzinfo=UTC)
    with pytest.raises(Refused, match=r"policy virginia-2022 2\.0 allows no search on any basis"):
        act(world, "p.exam", "search", number)
    with world.sessions() as session:
        request = session.get_one(SearchRequest, number)
        assert (request.policy_id, request.policy_version) == ("virginia-2022", "1.0")
        assert session.scalars(select(Search)).all() == []


VIRGINIA_2022 = Row("an investigation of a suspect", "investigation", purpose="suspect-of-crime")


def refused_search(world: World, number: int) -> AuditEntry:
    """Search as the examiner, the way the web and the CLI do: the refusal is recorded."""
    actor = world.actor("p.exam")
    with (
        pytest.raises(Refused) as refused,
        refusal_recorded(world.sessions, actor, SEARCH_REFUSED, number) as session,
    ):
        gate.run_search(session, world.settings, actor, number, world.pipeline)
    with world.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == SEARCH_REFUSED, AuditEntry.subject_id == str(number)
            )
        ).one()
        assert session.scalars(select(Search).where(Search.request_id == number)).all() == []
    assert entry.details["reasons"] == refused.value.reasons
    assert entry.details["code"] == "policy"
    return entry


def test_a_model_under_the_accuracy_floor_does_not_search(world: World, tmp_path: Path) -> None:
    """Virginia: NIST's figure for one group falls under 98 %: the search is refused on
    the record, naming the group, the figure and the floor; a newer NIST figure at the
    floor lets it run."""
    number, _ = _written(world, "virginia-2022", tmp_path, VIRGINIA_2022)
    act(world, "p.intake", "approve", number, NOTE)
    enter(world, "black-female", "0.9712")
    # The agency's own higher figure does not stand in for NIST's.
    enter(world, "black-female", "0.9990", evaluator="agency")
    entry = refused_search(world, number)
    (reason,) = entry.details["reasons"]
    assert "Black women (black-female)" in reason and "0.9712" in reason
    assert REPORT in reason and "under the floor of 0.98" in reason
    world.clock.advance(hours=1)
    enter(world, "black-female", "0.9800")
    act(world, "p.exam", "search", number)


def test_a_group_without_a_figure_stops_searches(world: World, tmp_path: Path) -> None:
    world.settings = world.settings.model_copy(update={"policy": "virginia-2022"})
    world.clock.at = datetime(2026, 1, 2, 9, tzinfo=UTC)
    policy = load_pack("virginia-2022").at(VIRGINIA_2022.at)
    where = setting_up(world, tmp_path, policy, figures=False)
    floor = policy.model_accuracy
    assert floor is not None
    for group in floor.groups[1:]:
        enter(world, group.id, "0.9912")
    world.clock.at = VIRGINIA_2022.at
    number = write(world, where, VIRGINIA_2022, VIRGINIA_2022.at)
    act(world, "officer", "submit", number)
    act(world, "p.intake", "approve", number, NOTE)
    (reason,) = refused_search(world, number).details["reasons"]
    first = floor.groups[0]
    assert f"no true_positive_rate figure for the group {first.name} ({first.id})" in reason
    assert "measured by NIST; the floor is 0.98" in reason
