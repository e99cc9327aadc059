"""The one error a policy file can raise: every problem, each at its field and line."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy that cannot be used; ``problems`` holds (field, message) pairs and
    ``lines`` the line of the file each is on (None where no line applies)."""

    def __init__(
        self, source: str, problems: list[tuple[str, str]], lines: list[int | None] | None = None
    ) -> None:
        self.source = source
        self.problems = problems
        self.lines = lines or [None] * len(problems)
        super().__init__(
            "\n".join(
                f"{source}{f':{line}' if line else ''}: "
                + (f"{field}: {message}" if field else message)
                for (field, message), line in zip(problems, self.lines, strict=True)
            )
        )
