"""The legal path of a request, and every refusal along it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import (
    World,
    approve_the_model,
    order_pdf,
    train,
    under_commission_rules,
)

from facedocket.cases import gate, requests, review, visibility
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.followup import attach_statement, overdue
from facedocket.cases.review import LEAD_NOTICE
from facedocket.cases.schemas import FileUpload
from facedocket.cases.sheet import review_sheet
from facedocket.cases.states import Conclusion
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.store.db import transaction
from facedocket.store.schema import Search, SearchRequest


def probe_of(world: World) -> FileUpload:
    content = world.photo("Abdullah_Gul", 2).read_bytes()
    return FileUpload(filename="probe.jpg", content=content, source="Store camera")


def act(world: World, username: str, step: str, request_id: int, *args: object, **kw: object):  # type: ignore[no-untyped-def]
    """Run one workflow step as ``username`` in its own transaction."""
    functions = {
        "submit": lambda s, a: requests.submit(s, world.settings, a, request_id),
        "approve": lambda s, a: requests.approve(s, world.settings, a, request_id, *args),
        "reject": lambda s, a: requests.reject(s, world.settings, a, request_id, *args),
        "search": lambda s, a: gate.run_search(
            s, world.settings, a, request_id, world.pipeline, **kw
        ),
        "review": lambda s, a: review.record_conclusion(s, a, request_id, *args, **kw),
        "sheet": lambda s, a: review_sheet(s, a, request_id),
        "conclude": lambda s, a: review.conclude(s, a, request_id, *args),
        "results": lambda s, a: review.released_results(s, a, request_id),
        "close": lambda s, a: requests.close(s, a, request_id),
    }
    with transaction(world.sessions) as session:
        return functions[step](session, load_actor(session, username))


def approved(world: World, **basis: object) -> int:
    number = world.draft(**basis)
    act(world, "officer", "submit", number)
    approver = "supervisor" if basis.get("kind") == "emergency" else "intake"
    act(world, approver, "approve", number, "The order names this image and this gallery.")
    return number


def searches(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(Search)) or 0


def test_court_order_from_request_to_released_lead(world: World) -> None:
    number = approved(world)
    search = act(world, "examiner", "search", number)
    assert search.candidates_returned >= 1
    assert search.list_size >= search.candidates_returned
    assert all(row.record_id is None for row in act(world, "examiner", "sheet", number))
    sheet = act(world, "supervisor", "sheet", number)
    assert sheet[0].record_id == "Abdullah_Gul", "the probe's person ranks first"
    for row in sheet:
        lead = row.record_id == "Abdullah_Gul"
        act(
            world,
            "examiner",
            "review",
            number,
            row.candidate_id,
            Conclusion.POSSIBLE_LEAD if lead else Conclusion.EXCLUDED,
            "Compared eyes, nose, ears.",
        )
    with pytest.raises(Refused, match="only after the examiners conclude"):
        act(world, "officer", "results", number)
    act(world, "examiner", "conclude", number, "lead")
    released = act(world, "officer", "results", number)
    assert released.notice == LEAD_NOTICE
    assert "NOT AN IDENTIFICATION" in released.notice
    assert [lead.record_id for lead in released.leads] == ["Abdullah_Gul"]
    act(world, "supervisor", "close", number)


def test_only_a_requester_writes_and_only_the_owner_submits(world: World) -> None:
    with pytest.raises(Refused, match="only a requester"):
        world.draft(username="examiner")
    number = world.draft()
    with pytest.raises(NotFound):
        act(world, "other.officer", "submit", number)


def test_requester_never_sees_another_officers_case(world: World) -> None:
    number = approved(world)
    with pytest.raises(NotFound), world.sessions() as session:
        visibility.get_request(session, load_actor(session, "other.officer"), number)


def test_draft_and_submitted_requests_cannot_be_searched(world: World) -> None:
    number = world.draft()
    with pytest.raises(NotFound):  # the searching body does not see drafts at all
        act(world, "examiner", "search", number)
    act(world, "officer", "submit", number)
    with pytest.raises(Refused, match="submitted cannot be asked to search"):
        act(world, "examiner", "search", number)
    assert searches(world) == 0


def test_requesters_cannot_approve_or_search(world: World) -> None:
    number = world.draft()
    act(world, "officer", "submit", number)
    with pytest.raises(Refused, match="only an intake reviewer or supervisor"):
        act(world, "officer", "approve", number, "I approve my own request here.")
    act(world, "intake", "approve", number, "The order names this image and this gallery.")
    with pytest.raises(Refused, match="only an examiner"):
        act(world, "officer", "search", number)
    assert searches(world) == 0


def test_staff_of_another_agency_neither_see_nor_act(world: World) -> None:
    """Boston PD staff holding searching roles see nothing of a request made to the
    State Police: not the request, its probe, or its candidates; and cannot act on it."""
    number = world.draft()
    act(world, "officer", "submit", number)
    with pytest.raises(NotFound):
        act(world, "local.examiner", "approve", number, "Looks fine to me, approve it.")
    act(world, "intake", "approve", number, "The order names this image and this gallery.")
    with pytest.raises(NotFound):
        act(world, "local.examiner", "search", number)
    act(world, "examiner", "search", number)
    for step in ("sheet", "close"):
        with pytest.raises(NotFound):
            act(world, "local.examiner", step, number)
    with world.sessions() as session:
        assert number not in [
            r.id for r in visibility.list_requests(session, world.actor("local.examiner"))
        ]
    assert searches(world) == 1


def test_a_request_is_bound_to_the_body_it_was_made_to(world: World) -> None:
    with transaction(world.sessions) as session:
        add_agency(session, "operator:test", "fbi", "Federal Bureau of Investigation")
        for username, role in (("fbi.intake", "intake_reviewer"), ("fbi.exam", "examiner")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username,
                agency_code="fbi",
                roles=[role],
            )
    number = world.draft(searching_body="fbi")
    act(world, "officer", "submit", number)
    with pytest.raises(NotFound):  # State Police intake may not approve the FBI's request
        act(world, "intake", "approve", number, "The order names this image and this gallery.")
    act(world, "fbi.intake", "approve", number, "The order names this image and this gallery.")
    with pytest.raises(NotFound):
        act(world, "examiner", "search", number)
    assert searches(world) == 0
    act(world, "fbi.exam", "search", number)
    with world.sessions() as session:
        made = visibility.get_request(session, world.actor("fbi.exam"), number)
        assert made.searching_body is not None and made.searching_body.code == "fbi"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "say which searching body"),
        ("bpd", "not a searching body"),
        ("rmv", "not registered here"),
    ],
)
def test_the_searching_body_is_one_the_policy_allows(
    world: World, body: str | None, message: str
) -> None:
    form = world.form().model_copy(update={"searching_body": body})
    with pytest.raises(Refused, match=message), transaction(world.sessions) as session:
        requests.create_request(
            session,
            world.settings,
            world.actor("officer"),
            form,
            [probe_of(world)],
            order_pdf(),
            pipeline=world.pipeline,
        )
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SearchRequest)) == 0


def test_an_owner_with_an_examiner_role_reads_their_request_only_as_its_requester(
    world: World,
) -> None:
    with transaction(world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username="officer.examiner",
            full_name="Officer Examiner",
            agency_code="bpd",
            roles=["requester", "examiner", "supervisor"],
            rank="Detective",
        )
    number = world.draft(username="officer.examiner")
    act(world, "officer.examiner", "submit", number)
    act(world, "intake", "approve", number, "The order names this image and this gallery.")
    act(world, "examiner", "search", number)
    with pytest.raises(Refused, match="only the searching body's examiners"):
        act(world, "officer.examiner", "sheet", number)
    with pytest.raises(Refused, match="only an examiner"):
        act(world, "officer.examiner", "search", number)


def test_expired_order_is_refused_at_search(world: World) -> None:
    number = approved(world)
    world.clock.advance(days=11)
    with pytest.raises(Refused, match="expired"):
        act(world, "examiner", "search", number)
    assert searches(world) == 0


def test_search_count_of_the_order_is_enforced(world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    with pytest.raises(Refused, match="search"):
        act(world, "examiner", "search", number)
    assert searches(world) == 1


def test_emergency_needs_a_supervisor(world: World) -> None:
    number = world.draft(kind="emergency")
    act(world, "officer", "submit", number)
    with pytest.raises(Refused, match="supervisor"):
        act(world, "intake", "approve", number, "The facts show an urgent risk to a child.")
    act(world, "supervisor", "approve", number, "The facts show an urgent risk to a child.")
    act(world, "examiner", "search", number)
    with world.sessions() as session:
        basis = visibility.get_request(session, world.actor("auditor"), number).basis
        assert basis is not None
        assert basis.supervisor_id == world.actor("supervisor").user_id
        assert basis.statement_due_at is None, "Massachusetts law sets no follow-up"


def test_commission_rules_start_a_48_hour_statement_clock(world: World, tmp_path: Path) -> None:
    under_commission_rules(world)
    train(world, "frt.exam")
    approve_the_model(world, tmp_path)
    number = world.draft(kind="emergency")
    act(world, "officer", "submit", number)
    with pytest.raises(NotFound):  # made to the unit; other State Police staff do not see it
        act(world, "supervisor", "approve", number, "The facts show an urgent risk to a child.")
    act(world, "frt.sup", "approve", number, "The facts show an urgent risk to a child.")
    act(world, "frt.exam", "search", number)
    with world.sessions() as session:
        basis = visibility.get_request(session, world.actor("frt.sup"), number).basis
        assert basis is not None and basis.statement_due_at is not None
        assert basis.statement_due_at - world.clock.at == timedelta(hours=48)
        assert overdue(session, world.clock.at) == []
    world.clock.advance(hours=49)
    with world.sessions() as session:
        assert [r.id for r in overdue(session, world.clock.at)] == [number]
    with transaction(world.sessions) as session:
        attach_statement(session, world.settings, world.actor("officer"), number, order_pdf())
    with world.sessions() as session:
        assert overdue(session, world.clock.at) == []
    with pytest.raises(Refused, match="already on file"), transaction(world.sessions) as session:
        attach_statement(session, world.settings, world.actor("officer"), number, order_pdf())


def test_rejection_needs_a_reason_and_blocks_search(world: World) -> None:
    number = world.draft()
    act(world, "officer", "submit", number)
    with pytest.raises(Refused, match="to reject a request, say why"):
        act(world, "intake", "reject", number, "no")
    act(world, "intake", "reject", number, "The order does not mention the RMV gallery.")
    with pytest.raises(Refused, match="rejected cannot be asked to search"):
        act(world, "examiner", "search", number)


def test_second_review_is_blind_and_independent(world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    first = act(world, "examiner", "sheet", number)
    for row in first:
        act(
            world,
            "examiner",
            "review",
            number,
            row.candidate_id,
            Conclusion.EXCLUDED,
            "Different jaw line and nose.",
        )
    with pytest.raises(Refused, match="another examiner"):
        act(
            world,
            "examiner",
            "review",
            number,
            first[0].candidate_id,
            Conclusion.EXCLUDED,
            "Second look by the same person.",
            review_round=2,
        )
    blind = act(world, "examiner2", "sheet", number)
    assert all(row.first_review == "(hidden until yours are final)" for row in blind)
    for index, row in enumerate(blind):
        if index == 1:  # part way: neither examiner reads the other's conclusions yet
            partial = act(world, "examiner2", "sheet", number)
            assert all(r.first_review == "(hidden until yours are final)" for r in partial)
            watched = act(world, "examiner", "sheet", number)
            assert watched[0].second_review == "(hidden until yours are final)"
        act(
            world,
            "examiner2",
            "review",
            number,
            row.candidate_id,
            Conclusion.INCONCLUSIVE,
            "Image too poor to decide on.",
            review_round=2,
        )
    done = act(world, "examiner2", "sheet", number)
    assert all(row.first_review and row.first_review.startswith("excluded") for row in done)
    supervised = act(world, "supervisor", "sheet", number)
    assert all(
        row.second_review and row.second_review.startswith("inconclusive") for row in supervised
    )


def test_conclusion_needs_every_candidate_reviewed_and_a_true_outcome(world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    sheet = act(world, "examiner", "sheet", number)
    act(
        world,
        "examiner",
        "review",
        number,
        sheet[0].candidate_id,
        Conclusion.EXCLUDED,
        "Different face shape entirely.",
    )
    if len(sheet) > 1:
        with pytest.raises(Refused, match="still need a conclusion"):
            act(world, "examiner", "conclude", number, "no_lead")
    for row in sheet[1:]:
        act(
            world,
            "examiner",
            "review",
            number,
            row.candidate_id,
            Conclusion.EXCLUDED,
            "Different face shape entirely.",
        )
    with pytest.raises(Refused, match="outcome must be lead exactly when"):
        act(world, "examiner", "conclude", number, "lead")
    act(world, "examiner", "conclude", number, "no_lead")
    released = act(world, "officer", "results", number)
    assert released.leads == []


def test_requester_cannot_read_the_candidate_list(world: World) -> None:
    number = approved(world)
    act(world, "examiner", "search", number)
    with pytest.raises(Refused, match="only the searching body's examiners"):
        act(world, "officer", "sheet", number)
