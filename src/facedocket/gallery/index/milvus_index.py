"""A Milvus collection as a vector index, for galleries larger than one machine's memory.

One collection per gallery and model (a model fixes the dimension, and templates of two
models are never compared). Rows are (template id, vector); the metric is inner product
on unit vectors, so scores equal the FAISS backends' cosine similarities. ``FLAT`` is an
exact scan like ``faiss-flat``; ``HNSW`` is approximate like ``faiss-hnsw``.

Milvus persists every insert and delete itself, so ``save`` only flushes and writes a small
descriptor saying where the vectors live. The same code runs against a Milvus cluster
(``http://host:19530``) and against milvus-lite (a local ``.db`` path), which the tests use.
Every call is made at Strong consistency: a template deleted in one call is never returned
by the next, and an insert is visible to the next search.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pymilvus import DataType, MilvusClient

from facedocket.gallery.index.base import Ids, SearchHits, Vectors, checked
from facedocket.private_files import open_private, private_folder

IndexType = Literal["FLAT", "HNSW"]
# Ids per membership query and rows per insert: well inside gRPC's message limit.
QUERY_CHUNK = 4096
INSERT_CHUNK = 8192
# Milvus caps a query iterator's batch and a search's top-k at 16384.
MAX_BATCH = 16384
ID_FIELD = "id"
VECTOR_FIELD = "vector"
CONSISTENCY = "Strong"


# One client (one gRPC channel) per deployment for the whole process: the search gate opens
# the index for every search, and a channel per search would pile up in a long-lived server.
_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def client_for(uri: str, token: str | None) -> Any:
    key = (uri, token or "")
    with _clients_lock:
        if key not in _clients:
            if is_lite(uri):
                private_folder(Path(uri).parent)
            _clients[key] = MilvusClient(uri=uri, token=token or "")
        return _clients[key]


def is_lite(uri: str) -> bool:
    """A local milvus-lite database (a path ending in .db) rather than a Milvus server."""
    return uri.endswith(".db") and "://" not in uri


class MilvusIndex:
    """One gallery-and-model collection in a Milvus deployment."""

    def __init__(
        self,
        uri: str,
        collection: str,
        dimension: int,
        *,
        index_type: IndexType = "FLAT",
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
        token: str | None = None,
        shards: int = 1,
        replicas: int = 1,
    ) -> None:
        self.uri = uri
        self.collection = collection
        self.dimension = dimension
        self.index_type: IndexType = index_type
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._client: Any = client_for(uri, token)
        if self._client.has_collection(collection):
            self._check_existing()
        else:
            self._create(shards)
        self._client.load_collection(collection, replica_number=replicas)

    def _create(self, shards: int) -> None:
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(ID_FIELD, DataType.INT64, is_primary=True)
        schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=self.dimension)
        params = self._client.prepare_index_params()
        build = (
            {"M": self.hnsw_m, "efConstruction": self.ef_construction}
            if self.index_type == "HNSW"
            else {}
        )
        params.add_index(
            field_name=VECTOR_FIELD, index_type=self.index_type, metric_type="IP", params=build
        )
        self._client.create_collection(
            self.collection,
            schema=schema,
            index_params=params,
            consistency_level=CONSISTENCY,
            num_shards=shards,
        )

    def _check_existing(self) -> None:
        fields = self._client.describe_collection(self.collection)["fields"]
        vector = next((f for f in fields if f["name"] == VECTOR_FIELD), None)
        dimension = int(vector["params"]["dim"]) if vector else -1
        if dimension != self.dimension:
            raise ValueError(
                f"Milvus collection {self.collection} holds vectors of dimension {dimension}, "
                f"not {self.dimension}"
            )
        built = self._client.describe_index(self.collection, VECTOR_FIELD) or {}
        found = str(built.get("index_type", "")).upper()
        if found and found != self.index_type:
            raise ValueError(
                f"Milvus collection {self.collection} has a {found} index, not {self.index_type}; "
                "drop it (the database rebuilds it) or set the matching index backend"
            )

    def __len__(self) -> int:
        rows = self._client.query(
            self.collection,
            filter="",
            output_fields=["count(*)"],
            consistency_level=CONSISTENCY,
        )
        return int(rows[0]["count(*)"])

    def ids(self) -> Ids:
        iterator = self._client.query_iterator(
            self.collection,
            batch_size=MAX_BATCH,
            filter="",
            output_fields=[ID_FIELD],
            consistency_level=CONSISTENCY,
        )
        chunks: list[Ids] = []
        try:
            while rows := iterator.next():
                chunks.append(np.fromiter((r[ID_FIELD] for r in rows), dtype=np.int64))
        finally:
            iterator.close()
        return np.sort(np.concatenate(chunks)) if chunks else np.empty(0, dtype=np.int64)

    def _present(self, ids: Ids) -> Ids:
        """Those of ``ids`` that are in the collection now."""
        found: list[int] = []
        unique = np.unique(ids)
        for start in range(0, len(unique), QUERY_CHUNK):
            chunk = unique[start : start + QUERY_CHUNK]
            rows = self._client.query(
                self.collection,
                filter=f"{ID_FIELD} in {chunk.tolist()}",
                output_fields=[ID_FIELD],
                consistency_level=CONSISTENCY,
            )
            found.extend(int(r[ID_FIELD]) for r in rows)
        return np.array(sorted(found), dtype=np.int64)

    def contains(self, template_id: int) -> bool:
        return len(self._present(np.array([template_id], dtype=np.int64))) == 1

    def add(self, ids: Ids, vectors: Vectors) -> None:
        ids, vectors = checked(ids, vectors, self.dimension)
        # Milvus would keep both rows of a primary key inserted twice, so check first.
        if len(self._present(ids)):
            raise ValueError("an id is already in the index; remove it first")
        for start in range(0, len(ids), INSERT_CHUNK):
            stop = start + INSERT_CHUNK
            rows = [
                {ID_FIELD: int(i), VECTOR_FIELD: v}
                for i, v in zip(ids[start:stop], vectors[start:stop], strict=True)
            ]
            self._client.insert(self.collection, rows)

    def remove(self, ids: Ids) -> int:
        present = self._present(np.ascontiguousarray(ids, dtype=np.int64))
        for start in range(0, len(present), QUERY_CHUNK):
            self._client.delete(self.collection, ids=present[start : start + QUERY_CHUNK].tolist())
        return len(present)

    def search(self, queries: Vectors, k: int) -> SearchHits:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have dimension {self.dimension}")
        if not 0 < k <= MAX_BATCH:
            raise ValueError(f"k must be between 1 and {MAX_BATCH}")
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.index_type == "HNSW":
            params["params"] = {"ef": max(self.ef_search, k)}
        results = self._client.search(
            self.collection,
            data=queries,
            limit=k,
            anns_field=VECTOR_FIELD,
            search_params=params,
            output_fields=[ID_FIELD],
            consistency_level=CONSISTENCY,
        )
        ids: NDArray[np.int64] = np.full((len(queries), k), -1, dtype=np.int64)
        scores: NDArray[np.float32] = np.full((len(queries), k), -np.inf, dtype=np.float32)
        for row, hits in enumerate(results):
            for column, hit in enumerate(hits):
                ids[row, column] = int(hit[ID_FIELD])
                scores[row, column] = float(hit["distance"])
        return SearchHits(scores=scores, ids=ids)

    def save(self, path: Path) -> None:
        """Flush to Milvus's storage and write where the vectors live (no secrets) to ``path``."""
        self._client.flush(self.collection)
        private_folder(path.parent)
        descriptor = {
            "backend": "milvus",
            "uri": self.uri,
            "collection": self.collection,
            "dimension": self.dimension,
            "index_type": self.index_type,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
        }
        temporary = path.with_suffix(path.suffix + ".tmp")
        with open_private(temporary, "w", encoding="utf-8") as handle:
            json.dump(descriptor, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path, *, token: str | None = None) -> MilvusIndex:
        """Reconnect to the collection a descriptor written by ``save`` names."""
        with path.open(encoding="utf-8") as handle:
            found = json.load(handle)
        if found.get("backend") != "milvus":
            raise ValueError(f"{path} does not describe a Milvus collection")
        index_type: IndexType = "HNSW" if found["index_type"] == "HNSW" else "FLAT"
        return cls(
            str(found["uri"]),
            str(found["collection"]),
            int(found["dimension"]),
            index_type=index_type,
            hnsw_m=int(found["hnsw_m"]),
            ef_construction=int(found["ef_construction"]),
            ef_search=int(found["ef_search"]),
            token=token,
        )

    def drop(self) -> None:
        """Delete the collection and everything in it (the database can rebuild it)."""
        self._client.drop_collection(self.collection)

    def close(self) -> None:
        """Close this deployment's shared client; the next index opened makes a new one."""
        with _clients_lock:
            for key in [key for key, client in _clients.items() if client is self._client]:
                del _clients[key]
        self._client.close()
