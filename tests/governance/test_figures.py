"""Per-group accuracy figures in the algorithm register: entered on the record, checked
strictly, superseded but never changed, and read as they stood at a moment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.governance.conftest import Staff
from tests.governance.test_register import bench, register
from tests.records import utc

from facedocket.governance.figures import accuracy_decision, enter_figure, figures_at
from facedocket.kernel import clock
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.policy import GroupFigure, load_policy
from facedocket.store.schema import AuditEntry, ModelGroupFigure

VIRGINIA = load_policy("virginia-2022", at=date(2024, 1, 1))
GROUPS = [g.id for g in VIRGINIA.model_accuracy.groups]  # type: ignore[union-attr]
REPORT = "NIST FRTE 1:N report, May 2024"


def nist(group: str, value: str = "0.9912", **changes: object) -> GroupFigure:
    fields: dict[str, object] = {
        "group": group,
        "metric": "true_positive_rate",
        "value": value,
        "evaluator": "nist",
        "reference": REPORT,
        "measured_on": date(2024, 5, 1),
    } | changes
    return GroupFigure(**fields)  # type: ignore[arg-type]


def enter(staff: Staff, figure: GroupFigure, by: str = "admin", model: int | None = None) -> None:
    with staff.sessions.begin() as session:
        enter_figure(session, staff.actor(by), model or staff.model_id, figure)


@pytest.fixture
def registered(staff: Staff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Staff:
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 5, 1))
    register(staff, bench(tmp_path))
    return staff


def test_figures_are_entered_on_the_record_and_meet_the_floor(registered: Staff) -> None:
    for group in GROUPS:
        enter(registered, nist(group))
    with registered.sessions() as session:
        assert accuracy_decision(session, VIRGINIA, registered.model_id, utc(2026, 5, 2)).allowed
        # Before they were entered, the model had no figures: refused, every group named.
        before = accuracy_decision(session, VIRGINIA, registered.model_id, utc(2026, 4, 30))
        assert len(before.reasons) == len(GROUPS)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "model.group_figure_entered")
        ).first()
    assert entry is not None and entry.role == "administrator"
    assert entry.details["group"] == GROUPS[0]
    assert (entry.details["value"], entry.details["evaluator"]) == ("0.9912", "nist")
    assert entry.details["reference"] == REPORT


def test_a_later_figure_supersedes_from_the_moment_it_is_entered(
    registered: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    for group in GROUPS:
        enter(registered, nist(group))
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 6, 1))
    enter(registered, nist("black-female", "0.9700", reference="NIST FRTE 1:N, June 2026"))
    with registered.sessions() as session:
        may = accuracy_decision(session, VIRGINIA, registered.model_id, utc(2026, 5, 31))
        assert may.allowed
        after = accuracy_decision(session, VIRGINIA, registered.model_id, utc(2026, 6, 1))
        (reason,) = after.reasons
        assert "Black women (black-female)" in reason and "0.9700" in reason
        assert "under the floor of 0.98" in reason
        now = figures_at(session, registered.model_id, utc(2026, 6, 2))
        assert [f.value for f in now if f.group == "black-female"] == ["0.9700"]
        # Both stay: nothing is changed, the newer one is read.
        count = session.scalar(select(func.count()).select_from(ModelGroupFigure))
    assert count == len(GROUPS) + 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"group": "Black Women"}, "is not a group id"),
        ({"group": "x" * 80}, "is not a group id"),
        ({"metric": "accuracy"}, "metric 'accuracy' is not one of true_positive_rate"),
        ({"evaluator": "vendor"}, "evaluator 'vendor' is not one of nist"),
        ({"value": "98%"}, "is not a number"),
        ({"value": "1.5"}, "is not a fraction from 0 to 1"),
        ({"value": "0.1234567"}, "more than 6 decimal places"),
        ({"reference": "  "}, "name the report or evaluation"),
        ({"reference": "r" * 201}, "name the report or evaluation"),
        ({"measured_on": date(2026, 5, 2)}, "lies in the future"),
    ],
)
def test_a_bad_figure_is_refused_and_writes_nothing(
    registered: Staff, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(Refused, match=message) as refused:
        enter(registered, nist(**({"group": "black-female"} | changes)))  # type: ignore[arg-type]
    assert refused.value.code == RefusalCode.INVALID
    with registered.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ModelGroupFigure)) == 0


def test_every_problem_of_a_figure_is_named_at_once(registered: Staff) -> None:
    with pytest.raises(Refused) as refused:
        enter(registered, nist("BAD", "2", evaluator="vendor"))
    assert len(refused.value.reasons) == 3


def test_only_an_administrator_enters_figures(registered: Staff) -> None:
    with pytest.raises(Refused, match="takes one of these roles: administrator"):
        enter(registered, nist("black-female"), by="supervisor")


def test_a_model_not_in_the_register_gets_no_figures(staff: Staff) -> None:
    with pytest.raises(NotFound, match="is not in the register"):
        enter(staff, nist("black-female"))
    with pytest.raises(NotFound, match="is not in the register"):
        enter(staff, nist("black-female"), model=9999)
