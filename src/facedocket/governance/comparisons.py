"""1:1 comparisons of two photos (``facedocket faces compare``), each on the audit record.

A comparison outside any request is face recognition all the same, so who ran it, when,
on which two photos (their SHA-256), with which model and threshold, and the score it gave
are an entry, written before the score is shown. The face engine computes; it knows
nothing of the record, so the recording is here, one layer above it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.faces.pipeline import FacePipeline
from facedocket.settings import Settings


@dataclass(frozen=True)
class Comparison:
    score: float
    threshold: float
    model: str
    entry: int  # the number of its audit entry

    @property
    def similar(self) -> bool:
        return self.score >= self.threshold


def compare_photos(
    session: Session,
    settings: Settings,
    pipeline: FacePipeline,
    by: tuple[str, str],
    photos: tuple[bytes, bytes],
    faces: tuple[int | None, int | None] = (None, None),
) -> Comparison:
    """Compare one face of each photo and record it in the caller's transaction.

    ``by`` is (actor, role). Raises ``FaceError`` (nothing recorded) when a photo has no
    face, or several and none was chosen.
    """
    _, first = pipeline.probe_face(photos[0], faces[0])
    _, second = pipeline.probe_face(photos[1], faces[1])
    vectors = pipeline.embed([first, second], probe=True)
    score = float(np.dot(vectors[0], vectors[1]))
    card = pipeline.embedder.card
    threshold = settings.match_threshold or card.threshold
    digests = [hashlib.sha256(photo).hexdigest() for photo in photos]
    entry = append(
        session,
        actor=by[0],
        role=by[1],
        action="faces.compared",
        subject_type="photos",
        subject_id=f"{digests[0]}:{digests[1]}",
        details={
            "photo_a_sha256": digests[0],
            "photo_b_sha256": digests[1],
            "face_a": first.index,
            "face_b": second.index,
            "model": f"{card.name} {card.version}",
            "model_sha256": pipeline.embedder.file_sha256,
            "score": f"{score:.4f}",
            "threshold": f"{threshold:.4f}",
        },
    )
    return Comparison(score=score, threshold=threshold, model=card.name, entry=entry.seq)
