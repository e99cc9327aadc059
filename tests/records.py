"""A seeded record for report tests: rows written directly, with every time chosen.

The workflow (and its audit entries) is tested in tests/cases; reports only read the
store, so their tests seed exactly the cases whose figures they count by hand. Times are
UTC; Massachusetts is UTC-4 in summer and UTC-5 in winter.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy.orm import Session

from facedocket.store.schema import (
    Agency,
    Candidate,
    Document,
    FaceModelRecord,
    Gallery,
    LegalBasis,
    Person,
    Photo,
    Review,
    Search,
    SearchRequest,
    Template,
    User,
    UserRole,
)

# The shape bench/accuracy.py writes, cut down to what FaceDocket reads.
BENCH = {
    "environment": {"when": "2026-11-27T12:58:15+00:00"},
    "systems": [
        {
            "name": "FaceDocket",
            "verification": {
                "lfw": {
                    "pairs": 3600,
                    "cv_accuracy": {"mean": 0.9844444444444443},
                    "tar_at_far": {"far": 0.001, "tar": 0.9611111111111111},
                },
                "yale": {"pairs": 160, "accuracy_at_default": 0.975},
            },
            "identification": {
                "probes": 3279,
                "rank1": 0.9130832570905764,
                "rank10": 0.9746874046965538,
                "per_dataset": {"orl": {"rank1": 1.0}},
            },
        }
    ],
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 90, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class Seeder:
    session: Session
    agencies: dict[str, Agency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    people: list[tuple[Person, Photo, Template]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.gallery = Gallery(name="rmv", description="licence photos")
        self.model = FaceModelRecord(
            name="dlib-resnet-v1",
            version="1.0",
            file_sha256="ab" * 32,
            dimension=128,
            threshold=0.9,
        )
        self.session.add_all([self.gallery, self.model])
        self.session.flush()
        for number in range(1, 5):
            person = Person(
                gallery_id=self.gallery.id, record_id=f"L{number}", name=f"Person {number}"
            )
            self.session.add(person)
            self.session.flush()
            photo = Photo(
                gallery_id=self.gallery.id,
                person_id=person.id,
                sha256=f"{number:064x}",
                source=f"p{number}.jpg",
                width=64,
                height=64,
            )
            self.session.add(photo)
            self.session.flush()
            template = Template(
                gallery_id=self.gallery.id,
                person_id=person.id,
                photo_id=photo.id,
                model_id=self.model.id,
                vector=b"\0" * 512,
                box={},
                quality={},
            )
            self.session.add(template)
            self.people.append((person, photo, template))
        self.session.flush()

    def agency(self, code: str, name: str) -> Agency:
        self.agencies[code] = Agency(code=code, name=name)
        self.session.add(self.agencies[code])
        self.session.flush()
        return self.agencies[code]

    def user(self, username: str, agency: str, *roles: str) -> User:
        user = User(
            username=username,
            full_name=username.title(),
            rank="Detective",
            agency_id=self.agencies[agency].id,
            role_rows=[UserRole(role=role) for role in roles],
        )
        self.users[username] = user
        self.session.add(user)
        self.session.flush()
        return user

    def request(
        self,
        officer: str,
        submitted_at: datetime | None,
        *,
        basis: str | None = "court_order",
        offence_class: str = "felony",
        state: str = "closed",
        outcome: str | None = "lead",
        case_number: str = "C-1",
        policy: str = "massachusetts",
        uploaded_at: datetime | None = None,
        body: str = "state-police",
    ) -> SearchRequest:
        user = self.users[officer]
        created = (submitted_at or utc(2025, 1, 1)) - timedelta(hours=1)
        request = SearchRequest(
            agency_id=user.agency_id,
            searching_body_id=self.agencies[body].id if body in self.agencies else None,
            officer_id=user.id,
            officer_name=user.full_name,
            officer_rank=user.rank,
            case_number=case_number,
            offence="Armed robbery",
            offence_class=offence_class,
            narrative="A store was robbed at gunpoint; the camera shows the robber.",
            gallery_id=self.gallery.id,
            state=state,
            outcome=outcome,
            policy_id=policy,
            policy_version="1.0",
            created_at=created,
            submitted_at=submitted_at,
        )
        self.session.add(request)
        self.session.flush()
        self.document(request, "probe", uploaded_at or created)
        if basis is not None:
            confirmed = created + timedelta(hours=2)
            row = LegalBasis(request_id=request.id, kind=basis, confirmed_at=confirmed)
            if basis in ("court_order", "warrant"):
                order = self.document(request, "order", uploaded_at or created)
                row.order_document_id = order.id
                row.court, row.docket_number, row.judge = "Suffolk Superior", "2584CR1", "Judge J"
                row.issued_on, row.expires_at = created.date(), created + timedelta(days=30)
                row.scope = "One search of the licence photos with the attached still."
            else:
                row.facts = "A child was taken; the abductor's face is on camera."
                row.supervisor_id = self.users["supervisor"].id
                row.supervisor_approved_at = confirmed
            self.session.add(row)
            self.session.flush()
        return request

    def document(self, request: SearchRequest, kind: str, at: datetime) -> Document:
        content = jpeg() if kind == "probe" else b"%PDF-1.4 order"
        document = Document(
            request_id=request.id,
            kind=kind,
            filename=f"{kind}.jpg",
            media_type="image/jpeg" if kind == "probe" else "application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            source="Store camera",
            uploaded_by_id=request.officer_id,
            uploaded_at=at,
        )
        request.documents.append(document)
        self.session.flush()
        return document

    def search(
        self,
        request: SearchRequest,
        examiner: str,
        at: datetime,
        *,
        candidates: int = 2,
        reviewed: int | None = None,
    ) -> Search:
        """A search with ``candidates`` people, the first ``reviewed`` concluded (all)."""
        user = self.users[examiner]
        probe = next(d for d in request.documents if d.kind == "probe")
        search = Search(
            request_id=request.id,
            examiner_id=user.id,
            searching_agency_id=user.agency_id,
            run_at=at,
            gallery_id=self.gallery.id,
            model_id=self.model.id,
            index_backend="faiss-flat",
            threshold=0.912,
            list_size=20,
            candidates_returned=candidates,
            probe_document_id=probe.id,
            probe_face=0,
            probe_box={"left": 1},
            probe_quality={"eye_distance": 50},
            policy_id=request.policy_id,
            policy_version="1.0",
        )
        self.session.add(search)
        self.session.flush()
        for rank, (person, photo, template) in enumerate(self.people[:candidates], start=1):
            candidate = Candidate(
                search_id=search.id,
                rank=rank,
                person_id=person.id,
                photo_id=photo.id,
                template_id=template.id,
                score=0.95 - rank / 100,
            )
            self.session.add(candidate)
            self.session.flush()
            if rank <= (candidates if reviewed is None else reviewed):
                self.session.add(
                    Review(
                        candidate_id=candidate.id,
                        search_id=search.id,
                        examiner_id=user.id,
                        round=1,
                        conclusion="excluded",
                        reasons="Different nose and jaw line.",
                        created_at=at + timedelta(hours=1),
                    )
                )
        self.session.flush()
        self.session.refresh(request)
        return search
