"""What a worker process runs: the enrolment jobs and the scheduled duties, side by side.

They run in threads of their own, so an enrolment that takes hours does not hold up a
checkpoint. Every worker runs both; the database decides which one takes each job and
each duty (``gallery/jobs.py``, ``schedule/runs.py``), so any number may run at once.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.runner import serve_jobs, worker_name
from facedocket.schedule.runs import run_due
from facedocket.settings import Settings

log = logging.getLogger("facedocket.duties")

# How often a worker looks for due duties: the finest schedule any duty has is a minute.
LOOK_EVERY = 30.0


def serve_duties(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event
) -> None:
    while not stop.is_set():
        try:
            run_due(settings, sessions, worker_name())
        except Exception:  # the database away for a moment: look again at the next turn
            log.exception("could not run the due duties")
        stop.wait(LOOK_EVERY)


def start(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event
) -> list[threading.Thread]:
    """Start the jobs and duties threads (daemons: they end with the process)."""
    threads = [
        threading.Thread(target=serve_jobs, args=(settings, sessions, stop), name="jobs"),
        threading.Thread(target=serve_duties, args=(settings, sessions, stop), name="duties"),
    ]
    for thread in threads:
        thread.daemon = True
        thread.start()
    return threads
