"""From index hits (templates) to a candidate list (people).

A person may have several photos (licence renewals); the list names each person once,
with the photo that matched best, ranked by that photo's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.gallery.index import SearchHits
from facedocket.store.schema import Template

# Index hits fetched per wanted candidate: room for people with several photos.
HITS_PER_CANDIDATE = 4


@dataclass(frozen=True)
class RankedPerson:
    rank: int
    person_id: int
    photo_id: int
    template_id: int
    score: float


def rank_people(
    session: Session, hits: SearchHits, size: int, threshold: float
) -> list[RankedPerson]:
    """The best ``size`` people among the hits of one query, scoring at least ``threshold``."""
    ids, scores = hits.ids[0], hits.scores[0]
    keep = (ids >= 0) & (scores >= threshold)
    ids, scores = ids[keep], scores[keep]
    if not len(ids):
        return []
    rows = session.execute(
        select(Template.id, Template.person_id, Template.photo_id).where(
            Template.id.in_(ids.tolist())
        )
    ).all()
    owner = {row.id: (row.person_id, row.photo_id) for row in rows}
    people: list[RankedPerson] = []
    seen: set[int] = set()
    for template_id, score in zip(ids.tolist(), np.asarray(scores).tolist(), strict=True):
        if template_id not in owner:
            continue  # removed from the gallery since the index was loaded
        person_id, photo_id = owner[template_id]
        if person_id in seen:
            continue
        seen.add(person_id)
        people.append(RankedPerson(len(people) + 1, person_id, photo_id, template_id, score))
        if len(people) == size:
            break
    return people
