"""A job queued over the API survives ``kill -9`` of the web service and of a separate
worker at once: a restarted service takes it over and finishes it, every photo once, and
its progress (count, rate, time left) is on the API while it runs (issue 17)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import Engine, func, select
from tests.gallery.test_jobs import photo_folder
from tests.races import Database

from facedocket.accounts.tokens import create_token
from facedocket.cases.directory import add_agency, add_user
from facedocket.gallery.galleries import ensure_gallery
from facedocket.gallery.record import Enroller
from facedocket.store.db import session_factory, transaction
from facedocket.store.schema import Photo, Template, User
from facedocket.store.schema.base import utcnow

CLI = "from facedocket.cli import app; app(__import__('sys').argv[1:])"
# Enough photos that the job is still running after its first heartbeats report a rate.
PHOTOS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_environment(engine: Engine, tmp_path: Path) -> dict[str, str]:
    database = Database.of(engine)
    url = database.url
    if database.schema is not None:
        url += f"?options=-csearch_path%3D{database.schema}"
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "FACEDOCKET_DATABASE_URL": url,
        "FACEDOCKET_DATA_DIR": str(tmp_path / "data"),
        "FACEDOCKET_ENROLMENT_DIR": str(tmp_path / "imports"),
        # Long enough that the two live processes do not take the job from each other when a
        # loaded machine delays a heartbeat; each takeover is still safe, only slower.
        "FACEDOCKET_JOB_LEASE_SECONDS": "5",
        "FACEDOCKET_ENROL_BATCH_SIZE": "2",
        "FACEDOCKET_ENROL_COMMIT_EVERY": "4",
        "FACEDOCKET_WORKERS": "1",
    }


@contextmanager
def started(arguments: list[str], environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # the sandbox's own interpreter, a fixed script
        [sys.executable, "-c", CLI, *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(check: Callable[[], Any], seconds: float, why: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.TransportError:  # the service is still starting
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {why}")


@pytest.mark.slow
def test_kill_9_of_the_service_and_the_worker_then_a_restart_finishes_the_job_once(
    faces: Path, engine: Engine, tmp_path: Path
) -> None:
    photo_folder(faces, tmp_path / "imports" / "lfw", PHOTOS // 2, 2)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        add_agency(session, "installer", "msp", "State Police")
        add_user(
            session,
            "installer",
            username="admin.one",
            full_name="A. Admin",
            agency_code="msp",
            roles=["administrator"],
        )
        ensure_gallery(session, "state", by=Enroller("admin.one", "administrator"))
        admin = session.scalars(select(User)).one()
        token, _ = create_token(session, admin, "kill test", utcnow())
    environment = child_environment(engine, tmp_path)

    def photos() -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(Photo)) or 0

    port = free_port()
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    serve = ["serve", "--port", str(port)]
    seen: list[dict[str, Any]] = []

    def job() -> dict[str, Any]:
        answer = api.get(f"/enrolments/{job_id}")
        answer.raise_for_status()
        seen.append(answer.json())
        return seen[-1]

    with started(serve, environment) as service, started(["worker"], environment) as worker:
        queued = wait_for(
            lambda: api.post("/galleries/state/enrolments", json={"source": "lfw"}),
            120,
            "the service to start",
        )
        assert queued.status_code == 202, queued.text
        job_id = queued.json()["id"]

        # Its progress while running, from the service about to be killed: the job's
        # counters follow the photos by a batch, so wait until they show a rate.
        def running_with_a_rate() -> bool:
            current = job()
            assert current["state"] in ("queued", "running"), f"it ended unkilled: {current}"
            return photos() >= 8 and current["state"] == "running" and current["per_second"] > 0

        wait_for(running_with_a_rate, 180, "the job to enrol 8 photos and report its rate")
        for process in (service, worker):
            assert process.poll() is None, "a process ended before it could be killed"
            process.send_signal(signal.SIGKILL)
            process.wait()
    interrupted = photos()
    assert 8 <= interrupted < PHOTOS, "the kill came too late to test"
    assert seen[-1]["state"] == "running" and seen[-1]["per_second"] > 0
    assert seen[-1]["seconds_left"] is not None and seen[-1]["seconds_left"] > 0
    assert 0 < seen[-1]["done"] <= PHOTOS == seen[-1]["total"]

    with started(serve, environment):  # its own worker takes the job over after the lease
        done = wait_for(lambda: job()["state"] == "finished" and seen[-1], 300, "the job")
    assert done["runs"] >= 2 and (done["done"], done["total"]) == (PHOTOS, PHOTOS)
    assert done["enrolled"] + done["refused"] + done["skipped"] == PHOTOS
    assert done["skipped"] >= interrupted  # what the killed run enrolled is found done
    with sessions() as session:
        shas = session.scalars(select(Photo.sha256)).all()
        templates = session.scalar(select(func.count()).select_from(Template))
    assert len(shas) == len(set(shas)) == templates == PHOTOS - done["refused"]
