"""Progress of a long run: the figures, and plain lines for logs."""

from __future__ import annotations

from facedocket.gallery.progress import Pace, PlainLines, duration


def test_pace_gives_rate_and_time_left() -> None:
    pace = Pace(done=300, total=1200, seconds=60.0)
    assert pace.per_second == 5.0
    assert pace.seconds_left == 180.0
    assert pace.line() == "300/1200 photos (25%), 5.0 photos/s, about 3 min 00 s left"
    assert Pace(0, 10, 0.0).seconds_left is None
    assert "time left unknown" in Pace(0, 10, 5.0).line()
    assert Pace(10, 10, 2.0).seconds_left == 0.0
    assert Pace(0, 0, 0.0).line().startswith("0/0 photos (100%)")


def test_duration_reads_as_a_person_would() -> None:
    assert [duration(s) for s in (0, 12.4, 250, 3900)] == [
        "0 s",
        "12 s",
        "4 min 10 s",
        "1 h 05 min",
    ]


def test_plain_lines_are_spaced_in_time_and_the_last_is_said_once() -> None:
    now = [0.0]
    said: list[str] = []
    lines = PlainLines(said.append, every=10.0, clock=lambda: now[0])
    for second, done in [(1, 10), (5, 20), (11, 30), (15, 40), (22, 50), (23, 60), (24, 60)]:
        now[0] = second
        lines(done, 60)
    assert [line.split(" photos")[0] for line in said] == [
        "enrolling: 10/60",
        "enrolling: 30/60",
        "enrolling: 50/60",
        "enrolling: 60/60",
    ]
    assert said[1] == "enrolling: 30/60 photos (50%), 2.7 photos/s, about 11 s left"
