"""Refusals of the workflow: an action the law, the policy or the user's role forbids."""

from __future__ import annotations


class Refused(PermissionError):
    """The action is not allowed; nothing was changed. ``reasons`` says every why."""

    def __init__(self, reasons: str | list[str], code: str = "refused") -> None:
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        self.code = code
        super().__init__("; ".join(self.reasons))


class NotFound(LookupError):
    """No such request, user or record, or none this user may see (the same answer, so
    that a refusal never confirms that a case exists)."""
