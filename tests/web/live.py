"""What the tests that drive a real browser share: a free loopback port, the app served
on it by uvicorn in a thread, and an SQLite-only database (they run once, not per
database)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from tests.databases import for_test


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: FastAPI, port: int) -> Iterator[None]:
    """``app`` answering on 127.0.0.1:``port`` until the block ends."""
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    try:
        yield
    finally:
        running.should_exit = True
        thread.join(10)


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """SQLite only: a browser test runs once (from the seeded world when it uses one)."""
    yield from for_test("sqlite", request, tmp_path)
