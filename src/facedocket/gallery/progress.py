"""How far a long run is: its count, rate and time left, as figures and as a line.

A terminal gets the command line's live bar. Anything else (a pipe, a log file, a service's
journal) gets plain lines, at most one every few seconds and always the last, so that the
log of a run that takes hours shows its progress while it runs, not only at its end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """``done`` of ``total`` after ``seconds``; the rate is of this run, since it began."""

    done: int
    total: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """At the rate so far; None until there is a rate to go by."""
        if self.done >= self.total:
            return 0.0
        rate = self.per_second
        return (self.total - self.done) / rate if rate > 0 else None

    def line(self) -> str:
        share = 100 * self.done / self.total if self.total else 100.0
        left = self.seconds_left
        when = "time left unknown" if left is None else f"about {duration(left)} left"
        return (
            f"{self.done}/{self.total} photos ({share:.0f}%), "
            f"{self.per_second:.1f} photos/s, {when}"
        )


def duration(seconds: float) -> str:
    """``1 h 05 min``, ``4 min 10 s``, ``12 s``: as precise as a person needs."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class PlainLines:
    """A progress callback writing ``Pace.line()`` through ``say`` every ``every`` seconds,
    and once more when the run is complete."""

    def __init__(
        self,
        say: Callable[[str], None],
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say = say
        self.every = every
        self.clock = clock
        self.began = clock()
        self.last: float | None = None
        self.finished = False  # enrolment reports its end more than once; say it once

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        complete = done >= total
        if self.finished or (
            not complete and self.last is not None and now - self.last < self.every
        ):
            return
        self.last, self.finished = now, complete
        self.say(f"enrolling: {Pace(done, total, now - self.began).line()}")
