"""What a worker process runs: the enrolment jobs, the scheduled duties and the mail of
notices, side by side.

They run in threads of their own, so an enrolment that takes hours does not hold up a
checkpoint, and a mail server that does not answer holds up neither. Every worker runs
all three; the database decides which one takes each job, duty and notice
(``gallery/jobs.py``, ``schedule/runs.py``, ``notify/deliver.py``), so any number may run
at once.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.runner import serve_jobs, worker_name
from facedocket.notify.deliver import deliver_due
from facedocket.schedule.runs import run_due
from facedocket.settings import Settings

log = logging.getLogger("facedocket.duties")

# How often a worker looks for due duties (the finest schedule any duty has is a minute)
# and for notices to mail (people should hear of an emergency within moments).
LOOK_EVERY = 30.0
MAIL_EVERY = 5.0


def serve_duties(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event
) -> None:
    while not stop.is_set():
        try:
            run_due(settings, sessions, worker_name())
        except Exception:  # the database away for a moment: look again at the next turn
            log.exception("could not run the due duties")
        stop.wait(LOOK_EVERY)


def serve_notices(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event
) -> None:
    while not stop.is_set():
        try:
            deliver_due(settings, sessions)
        except Exception:  # as above; a notice's own failure is kept on its row instead
            log.exception("could not mail the due notices")
        stop.wait(MAIL_EVERY)


def start(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event
) -> list[threading.Thread]:
    """Start the jobs, duties and mail threads (daemons: they end with the process)."""
    threads = [
        threading.Thread(target=serve_jobs, args=(settings, sessions, stop), name="jobs"),
        threading.Thread(target=serve_duties, args=(settings, sessions, stop), name="duties"),
        threading.Thread(target=serve_notices, args=(settings, sessions, stop), name="mail"),
    ]
    for thread in threads:
        thread.daemon = True
        thread.start()
    return threads
