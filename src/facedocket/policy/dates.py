"""When an order or a warrant is in force: from the day it was issued, until it expires,
and for no longer than the policy lets one order run.

A judge cannot sign an order tomorrow, so an order dated in the future is a typing error
or a forgery, and it authorises nothing until that day; an expiry before the issue date
is the same; and an expiry of 9999-12-31 would turn one order into a standing licence.
Days are the policy's local days (``Policy.timezone``), as a court dates its orders.
"""

from __future__ import annotations

from datetime import date, datetime

from facedocket.policy.model import Policy


def order_date_reasons(
    policy: Policy,
    basis: str,
    issued_on: date | None,
    expires_at: datetime | None,
    now: datetime,
) -> list[str]:
    """Every reason the dates do not hold under ``policy`` at ``now`` (empty: they hold)."""
    reasons = []
    today = now.astimezone(policy.zone).date()
    if issued_on is not None and issued_on > today:
        reasons.append(
            f"the {basis} is not in force yet: it is dated {issued_on.isoformat()} and today "
            f"is {today.isoformat()} ({policy.timezone})"
        )
    if issued_on is None or expires_at is None:
        return reasons
    last_day = expires_at.astimezone(policy.zone).date()
    rule = policy.bases.get(basis)  # type: ignore[call-overload]
    longest = rule.max_life_days if rule is not None else None
    if last_day < issued_on:
        reasons.append(
            f"the {basis} expires on {last_day.isoformat()}, before it was issued on "
            f"{issued_on.isoformat()}"
        )
    elif longest is not None and (last_day - issued_on).days > longest:
        reasons.append(
            f"the {basis} runs {(last_day - issued_on).days} days, from "
            f"{issued_on.isoformat()} to {last_day.isoformat()}; policy {policy.id} lets a "
            f"{basis} run at most {longest} days"
        )
    return reasons
