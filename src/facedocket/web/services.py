"""What the web service shares between requests: settings, the database, the face
pipeline (loaded on first search). Enrolment jobs live in the database, run by workers."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from facedocket.accounts.seeds import SeedCipher, seal_plain_seeds
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.settings import Settings
from facedocket.store.db import transaction


@dataclass
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    form_key: bytes
    seeds: SeedCipher
    loaded_pipeline: FacePipeline | None = None
    # Only so that two first searches load the models once. What a search may do is
    # decided under the database's lock (``cases.gate``), so searches of different
    # requests run in parallel, in one service or in several.
    loading: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(
        cls,
        settings: Settings,
        sessions: sessionmaker[Session],
        pipeline: FacePipeline | None = None,
    ) -> Services:
        key = settings.secret_key.get_secret_value().encode() if settings.secret_key else b""
        seeds = SeedCipher.of(settings)
        with transaction(sessions) as session:
            seal_plain_seeds(session, seeds)
        return cls(
            settings=settings,
            sessions=sessions,
            form_key=key or secrets.token_bytes(32),
            seeds=seeds,
            loaded_pipeline=pipeline,
        )

    def time_zone(self) -> str:
        """The agency's time zone, by the policy in force now: the one its pages show
        times in (a request's own pages use the request's policy)."""
        return load_policy(self.settings.policy, at=clock.now()).timezone

    def pipeline(self) -> FacePipeline:
        """The face pipeline, shared by every thread (its models are safe to share)."""
        with self.loading:
            if self.loaded_pipeline is None:
                self.loaded_pipeline = build_pipeline(self.settings)
            return self.loaded_pipeline
