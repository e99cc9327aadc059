"""A witness that is down does not stop a search; the gap shows to the auditor and closes
once the witness is back (a real witness process on loopback)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.audit.witnessed import witness_store
from tests.cases.conftest import World
from tests.web.conftest import serve
from tests.witness.process import free_port, witness_process

from facedocket.audit import signing_key
from facedocket.audit.gaps import gaps
from facedocket.audit.witnesses import configured, submit_all
from facedocket.kernel.actors import load_actor
from facedocket.reports.compliance import compliance_export
from facedocket.settings import WitnessSetting


def test_a_search_with_the_witness_down_then_back(world: World, tmp_path: Path) -> None:
    port = free_port()
    store, vkey = witness_store(tmp_path / "witness", signing_key(world.settings))
    world.settings = world.settings.model_copy(
        update={
            "witnesses": [WitnessSetting(url=f"http://127.0.0.1:{port}", key=vkey)],
            "witness_timeout_seconds": 0.5,
        }
    )
    for web in serve(world, tmp_path):
        number = web.create().json()["id"]
        note = {"note": "The order names this still image."}
        assert web.call(
            "intake", "POST", f"/api/v1/requests/{number}/approve", json=note
        ).is_success
        search = web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
        assert search.status_code == 201, search.text
        auditor = web.browser("auditor")
        shown = auditor.get("/record/verify").text
        assert "GAP:" in shown and "not reached" in shown
        [api_gap] = web.call("auditor", "GET", "/api/v1/record/verification").json()["witnesses"]
        assert api_gap["gap"] and api_gap["cosigned"] == 0 and api_gap["cosigned_at"] is None
        assert api_gap["behind"] == api_gap["checkpointed"] > 0
        assert (
            "not reached" in api_gap["last_answer"] and f"GAP: {api_gap['behind']} entries" in shown
        )
        with world.sessions() as session:
            report = compliance_export(
                session, load_actor(session, "auditor"), world.clock.at, configured(world.settings)
            )
        [row] = json.loads(report["compliance.json"])["witnessing"]
        assert row["gap"] and row["cosigned_entries"] == 0 and "not reached" in row["last_answer"]
        with witness_process(tmp_path / "witness", port=port):
            [outcome] = submit_all(world.sessions, configured(world.settings), 10)
            assert outcome.problem is None, outcome
            closed = auditor.get("/record/verify").text
            [api_closed] = web.call("auditor", "GET", "/api/v1/record/verification").json()[
                "witnesses"
            ]
        assert "GAP:" not in closed and "cosigned" in closed
        assert not api_closed["gap"] and api_closed["last_answer"] is None
        assert api_closed["cosigned"] == api_closed["checkpointed"] == outcome.cosigned
        assert store.logs()[0].size == outcome.cosigned
        with world.sessions() as session:
            [gap] = gaps(session, configured(world.settings))
        assert not gap.open
