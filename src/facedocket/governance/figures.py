"""Per-group accuracy figures in the algorithm register, and the floor a policy sets.

An administrator enters what was measured for a model in one demographic group (the
metric, the value, who measured it and in which report); a pack's ``model_accuracy``
floor is then checked against the figures as they stood at the moment of each search.
Figures are appended, never changed: a later one for the same group, metric and
evaluator supersedes the earlier one from the moment it is entered, and both stay on
the record.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.governance.access import acting_role
from facedocket.governance.register import REGISTER_ROLES, log_model, registered
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import (
    EVALUATORS,
    METRICS,
    Decision,
    GroupFigure,
    Policy,
    check_model_accuracy,
    fraction,
)
from facedocket.store.schema import ModelGroupFigure

GROUP = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def enter_figure(
    session: Session, actor: Actor, model_id: int, figure: GroupFigure
) -> ModelGroupFigure:
    """Enter one measured figure for a registered model; on the record. Every field is
    checked first, so a bad figure writes nothing."""
    role = acting_role(actor, REGISTER_ROLES, "enter accuracy figures")
    problems = _problems(figure)
    if problems:
        raise Refused(problems, code=RefusalCode.INVALID)
    model, _ = registered(session, model_id)
    row = ModelGroupFigure(
        model_id=model.id,
        group=figure.group,
        metric=figure.metric,
        value=str(fraction(figure.value)),
        evaluator=figure.evaluator,
        reference=figure.reference.strip(),
        measured_on=figure.measured_on,
        entered_by_id=actor.user_id,
        entered_at=clock.now(),
    )
    session.add(row)
    session.flush()
    log_model(
        session,
        actor,
        role,
        "model.group_figure_entered",
        model,
        {
            "group": row.group,
            "metric": row.metric,
            "value": row.value,
            "evaluator": row.evaluator,
            "reference": row.reference,
            "measured_on": row.measured_on.isoformat(),
        },
    )
    return row


def _problems(figure: GroupFigure) -> list[str]:
    problems = []
    if not GROUP.fullmatch(figure.group):
        problems.append(
            f"group {figure.group[:70]!r} is not a group id (a-z, 0-9 and '-', as the pack "
            "names it, e.g. black-female)"
        )
    if figure.metric not in METRICS:
        problems.append(f"metric {figure.metric[:40]!r} is not one of {', '.join(METRICS)}")
    if figure.evaluator not in EVALUATORS:
        problems.append(
            f"evaluator {figure.evaluator[:40]!r} is not one of {', '.join(EVALUATORS)}"
        )
    try:
        fraction(figure.value)
    except ValueError as error:
        problems.append(f"value {error}")
    if not 3 <= len(figure.reference.strip()) <= 200:
        problems.append(
            "name the report or evaluation in 3 to 200 characters (e.g. a NIST FRTE report)"
        )
    if figure.measured_on > clock.now().date():
        problems.append(f"a figure measured on {figure.measured_on} lies in the future")
    return problems


def figures_at(session: Session, model_id: int, at: datetime) -> list[GroupFigure]:
    """The model's figures in force at ``at``: the newest entered by then for each group,
    metric and evaluator, by group."""
    rows = session.scalars(
        select(ModelGroupFigure)
        .where(ModelGroupFigure.model_id == model_id, ModelGroupFigure.entered_at <= at)
        .order_by(ModelGroupFigure.entered_at, ModelGroupFigure.id)
    )
    newest = {(row.group, row.metric, row.evaluator): row for row in rows}
    return sorted(
        (
            GroupFigure(
                group=row.group,
                metric=row.metric,
                value=row.value,
                evaluator=row.evaluator,
                reference=row.reference,
                measured_on=row.measured_on,
            )
            for row in newest.values()
        ),
        key=lambda f: (f.group, f.metric, f.evaluator),
    )


def accuracy_decision(session: Session, policy: Policy, model_id: int, at: datetime) -> Decision:
    """Does the model meet the policy's per-group floor, on the figures in force at ``at``?"""
    if policy.model_accuracy is None:
        return check_model_accuracy(policy, [])
    return check_model_accuracy(policy, figures_at(session, model_id, at))
