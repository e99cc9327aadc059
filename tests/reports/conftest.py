"""The seeded record the report tests count by hand (times UTC; Boston is UTC-4 in
summer, UTC-5 in winter). Massachusetts' annual period 2025 runs 2025-09-01 to
2026-09-01, local time.

=====  ======  ===========  ============  =========  =======  ==============================
req    agency  basis        offence       state      outcome  submitted; search (body)
=====  ======  ===========  ============  =========  =======  ==============================
R1     bpd     court_order  felony        closed     lead     10-01; 2025-10-05 14:00 sp,
                                                              3 candidates, 2 concluded
R2     bpd     court_order  felony        closed     no_lead  10-01; 11-10 sp, after the
                                                              order expired (10-31)
R3     bpd     emergency    felony        closed     lead     12-31; 2026-01-01 04:30 sp
                                                              (23:30 on 31 December local)
R4     cpd     court_order  misdemeanour  rejected   -        10-15; none
R5     cpd     deceased     felony        approved   -        2026-03-01; none
R6     cpd     court_order  felony        closed     lead     01-20; 02-01 fbi
R7     bpd     court_order  felony        closed     no_lead  2025-08-31 23:00 local (before
                                                              the period); 09-02 sp
R8     bpd     court_order  felony        draft      -        never
R9     bpd     court_order  felony        submitted  -        2026-09-01 00:30 local (after)
R10    bpd     emergency    felony        searched   -        02-10; 02-10 sp, commission
                                                              policy, no sworn statement
R11    bpd     emergency    felony        searched   -        02-12; 02-12 sp, commission
                                                              policy, statement filed late
R12    bpd     (none)       felony        submitted  -        02-20; none
=====  ======  ===========  ============  =========  =======  ==============================

examiner2 completed training on 2026-02-11 and the model was approved that day: after
R10's search, before R11's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.cases.conftest import pipeline, world  # noqa: F401 (the workflow's fixtures)
from tests.records import Seeder, utc

from facedocket.kernel.actors import Actor, load_actor
from facedocket.store.schema import ModelRegistration, SearchRequest, TrainingRecord


@dataclass
class Seeded:
    sessions: sessionmaker[Session]
    requests: dict[str, int]
    searches: dict[str, int]

    def actor(self, username: str) -> Actor:
        with self.sessions() as session:
            return load_actor(session, username)


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    with sessions.begin() as session:
        seed = Seeder(session)
        seed.agency("state-police", "Massachusetts State Police")
        seed.agency("fbi", "Federal Bureau of Investigation")
        seed.agency("bpd", "Boston Police Department")
        seed.agency("cpd", "Cambridge Police Department")
        seed.user("officer", "bpd", "requester")
        seed.user("officer2", "cpd", "requester")
        seed.user("examiner", "state-police", "examiner")
        seed.user("examiner2", "state-police", "examiner")
        seed.user("agent", "fbi", "examiner")
        seed.user("supervisor", "state-police", "supervisor")
        seed.user("auditor", "state-police", "auditor")
        seed.user("admin", "state-police", "administrator")
        made: dict[str, SearchRequest] = {}
        searches = {}
        made["R1"] = seed.request("officer", utc(2025, 10, 1, 14), case_number="BPD-1")
        searches["R1"] = seed.search(
            made["R1"], "examiner", utc(2025, 10, 5, 14), candidates=3, reviewed=2
        )
        made["R2"] = seed.request(
            "officer", utc(2025, 10, 1, 15), outcome="no_lead", case_number="=HYPERLINK(1)"
        )
        searches["R2"] = seed.search(made["R2"], "examiner", utc(2025, 11, 10, 15))
        made["R3"] = seed.request("officer", utc(2025, 12, 31, 20), basis="emergency")
        searches["R3"] = seed.search(made["R3"], "examiner2", utc(2026, 1, 1, 4, 30))
        made["R4"] = seed.request(
            "officer2",
            utc(2025, 10, 15),
            offence_class="misdemeanour",
            state="rejected",
            outcome=None,
        )
        made["R5"] = seed.request(
            "officer2", utc(2026, 3, 1), basis="deceased", state="approved", outcome=None
        )
        made["R6"] = seed.request("officer2", utc(2026, 1, 20))
        searches["R6"] = seed.search(made["R6"], "agent", utc(2026, 2, 1, 15))
        made["R7"] = seed.request("officer", utc(2025, 9, 1, 3), outcome="no_lead")
        searches["R7"] = seed.search(made["R7"], "examiner", utc(2025, 9, 2, 14))
        made["R8"] = seed.request("officer", None, state="draft", outcome=None)
        made["R9"] = seed.request(
            "officer", utc(2026, 9, 1, 4, 30), state="submitted", outcome=None
        )
        for name, day in (("R10", 10), ("R11", 12)):
            made[name] = seed.request(
                "officer",
                utc(2026, 2, day, 10),
                basis="emergency",
                state="searched",
                outcome=None,
                policy="ma-commission-2022",
            )
            searches[name] = seed.search(
                made[name], "examiner2", utc(2026, 2, day, 15), candidates=0
            )
            basis = made[name].basis
            assert basis is not None
            basis.statement_due_at = searches[name].run_at + timedelta(hours=48)
        late = seed.document(made["R11"], "sworn_statement", utc(2026, 2, 14, 16))
        basis = made["R11"].basis
        assert basis is not None
        basis.statement_document_id = late.id
        # examiner2 trained before R11's search; the model approved between R10 and R11.
        session.add(
            TrainingRecord(
                user_id=seed.users["examiner2"].id,
                course="FISWG facial comparison",
                completed_on=utc(2026, 2, 11).date(),
                recorded_by_id=seed.users["admin"].id,
            )
        )
        session.add(
            ModelRegistration(
                model_id=seed.model.id,
                accuracy={"measured": True},
                registered_by_id=seed.users["admin"].id,
                registered_at=utc(2026, 2, 1),
                approved_by_id=seed.users["admin"].id,
                approved_at=utc(2026, 2, 11),
                approval_note="Measured on the state's benchmark.",
            )
        )
        made["R12"] = seed.request(
            "officer", utc(2026, 2, 20), basis=None, state="submitted", outcome=None
        )
        session.flush()
        return Seeded(
            sessions,
            {name: request.id for name, request in made.items()},
            {name: search.id for name, search in searches.items()},
        )
