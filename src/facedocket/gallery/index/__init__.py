"""Vector indexes behind one interface, so a backend is a setting, not a code change."""

from facedocket.gallery.index.base import SearchHits, VectorIndex
from facedocket.gallery.index.faiss_index import FaissIndex

__all__ = ["FaissIndex", "SearchHits", "VectorIndex"]
