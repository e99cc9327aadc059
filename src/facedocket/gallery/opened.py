"""FAISS indexes kept open in the process between searches, checked against the store.

Opening a gallery's index reads its file and lists every template id, 2.1 to 2.6 s at
200,000 templates against a search of 50 to 120 ms (#13). A process keeps each gallery's
and model's index open and, before each search, makes the check Milvus collections get
(``looks_in_step``: as many templates as the database, the newest among them; one indexed
query). Only an index that fails it is opened again, which brings it up to date and saves it.
The index is memory-mapped from its file (FAISS's ``IO_FLAG_MMAP_IFC``), so the service and
its workers share one copy of the vectors in the page cache; it is only ever searched.

The key names the database, the index file, the gallery's creation time and the model
file, so a database rebuilt under the same data folder never meets the index of the one
before. One lock per index: no search reads an index while another thread replaces it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from facedocket.gallery.index import VectorIndex
from facedocket.gallery.indexes import (
    LocalIndex,
    index_path,
    is_milvus,
    looks_in_step,
    open_faiss_index,
    open_index,
    tune,
)
from facedocket.settings import Settings
from facedocket.store.schema import FaceModelRecord, Gallery

Key = tuple[str, str, str, str]


@dataclass
class _Opened:
    lock: threading.Lock = field(default_factory=threading.Lock)
    index: LocalIndex | None = None


_OPENED: dict[Key, _Opened] = {}
_GUARD = threading.Lock()


@contextmanager
def opened_index(
    session: Session, settings: Settings, gallery_id: int, model_id: int
) -> Iterator[VectorIndex]:
    """The gallery's index for one model, up to date, held for the caller (the search gate)
    until the ``with`` block ends."""
    if is_milvus(settings):  # a collection lives on its server, which keeps it open
        yield open_index(session, settings, gallery_id, model_id)
        return
    gallery = session.get_one(Gallery, gallery_id)
    model = session.get_one(FaceModelRecord, model_id)
    key = (
        str(session.get_bind().engine.url),
        str(index_path(settings, gallery_id, model_id)),
        gallery.created_at.isoformat(),
        model.file_sha256,
    )
    with _GUARD:
        opened = _OPENED.setdefault(key, _Opened())
    with opened.lock:
        if opened.index is None or not looks_in_step(session, opened.index, gallery_id, model_id):
            opened.index = open_faiss_index(session, settings, gallery_id, model_id, mmap=True)
        yield tune(opened.index, settings)
