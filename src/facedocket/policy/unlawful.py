"""Whether the law in force has an unlawful search's results deleted: a pure decision."""

from __future__ import annotations

from facedocket.policy.decide import Decision
from facedocket.policy.model import Policy


def check_unlawful_deletion(policy: Policy) -> Decision:
    """Allowed where the pack's law deletes the results of a search found unlawful; else
    refused, the results kept (deleting them would destroy a record no law lets go)."""
    reasons = []
    if policy.unlawful_searches is None:
        reasons.append(
            f"{policy.title} ({policy.id} {policy.version}) has no rule deleting the results "
            "of an unlawful search: they are kept (a legal hold or a note on the record "
            "can say the search was unlawful)"
        )
    return Decision(not reasons, tuple(reasons), policy.id, policy.version)
