"""Behaviour every vector index must show; a new backend joins the ``BACKENDS`` list."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from facedocket.gallery.index import FaissIndex, VectorIndex
from facedocket.gallery.index.milvus_index import IndexType, MilvusIndex
from facedocket.gallery.index.sq8_index import Sq8ExactIndex

# One milvus-lite database for the module (its server starts once); a collection per test.
MILVUS_URI: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def milvus_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    MILVUS_URI["uri"] = str(tmp_path_factory.mktemp("milvus") / "index-tests.db")
    yield
    MILVUS_URI.clear()


def milvus(index_type: IndexType) -> Callable[[int], VectorIndex]:
    def make(dimension: int) -> VectorIndex:
        name = f"test_{uuid.uuid4().hex[:16]}"
        return MilvusIndex(
            MILVUS_URI["uri"], name, dimension, index_type=index_type, hnsw_m=16, ef_search=64
        )

    return make


Factory = Callable[[int], VectorIndex]
BACKENDS: dict[str, Factory] = {
    "faiss-flat": lambda d: FaissIndex(d, "flat"),
    # Trained early and a short shortlist, so these small tests go through the 8-bit path.
    "faiss-sq8-exact": lambda d: Sq8ExactIndex(d, shortlist=16, train_at=40),
    "faiss-hnsw": lambda d: FaissIndex(d, "hnsw", hnsw_m=16, ef_search=64),
    "milvus-flat": milvus("FLAT"),
    "milvus-hnsw": milvus("HNSW"),
}
Loader = Callable[[Path], VectorIndex]
LOADERS: dict[str, Loader] = {
    "faiss-flat": FaissIndex.load,
    "faiss-sq8-exact": Sq8ExactIndex.load,
    "faiss-hnsw": FaissIndex.load,
    "milvus-flat": MilvusIndex.load,
    "milvus-hnsw": MilvusIndex.load,
}
EXACT = {"faiss-flat", "faiss-sq8-exact", "milvus-flat"}


def unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_finds_itself_first_with_cosine_score(backend: str) -> None:
    index = BACKENDS[backend](32)
    vectors = unit(500)
    index.add(np.arange(1000, 1500), vectors)
    hits = index.search(vectors[:20], 5)
    assert hits.ids[:, 0].tolist() == list(range(1000, 1020))
    assert np.allclose(hits.scores[:, 0], 1.0, atol=1e-5)
    assert np.all(np.diff(hits.scores, axis=1) <= 1e-6), "scores must come best first"


def test_exact_order_matches_brute_force(backend: str) -> None:
    index = BACKENDS[backend](32)
    vectors = unit(300, seed=1)
    index.add(np.arange(300), vectors)
    queries = unit(10, seed=2)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    found = index.search(queries, 10).ids
    agreement = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, expected, strict=True)])
    assert agreement >= (1.0 if backend in EXACT else 0.95)


def test_removed_ids_never_come_back(backend: str) -> None:
    index = BACKENDS[backend](32)
    vectors = unit(200)
    index.add(np.arange(200), vectors)
    assert index.remove(np.array([0, 1, 2, 999])) == 3
    assert len(index) == 197
    hits = index.search(vectors[:3], 10)
    assert not np.isin(hits.ids, [0, 1, 2]).any()
    assert 0 not in index.ids()


def test_readding_a_removed_id_keeps_one_copy(backend: str) -> None:
    index = BACKENDS[backend](32)
    vectors = unit(50)
    index.add(np.arange(50), vectors)
    index.remove(np.array([7]))
    index.add(np.array([7]), vectors[7:8])
    hits = index.search(vectors[7:8], 3)
    assert hits.ids[0].tolist().count(7) == 1
    assert len(index) == 50


def test_duplicate_ids_refused(backend: str) -> None:
    index = BACKENDS[backend](32)
    index.add(np.arange(10), unit(10))
    with pytest.raises(ValueError, match="already in the index"):
        index.add(np.array([3]), unit(1))
    with pytest.raises(ValueError, match="twice"):
        index.add(np.array([20, 20]), unit(2))
    assert len(index) == 10


def test_wrong_dimension_refused(backend: str) -> None:
    index = BACKENDS[backend](32)
    with pytest.raises(ValueError, match="dimension 32"):
        index.add(np.arange(3), unit(3, dim=16))
    with pytest.raises(ValueError, match="dimension 32"):
        index.search(unit(1, dim=16), 3)


def test_short_gallery_pads_with_minus_one(backend: str) -> None:
    index = BACKENDS[backend](32)
    index.add(np.arange(3), unit(3))
    hits = index.search(unit(1, seed=5), 10)
    assert sorted(hits.ids[0, :3].tolist()) == [0, 1, 2]
    assert hits.ids[0, 3:].tolist() == [-1] * 7
    assert np.all(np.isneginf(hits.scores[0, 3:]))


def test_save_and_load_round_trip(backend: str, tmp_path: Path) -> None:
    index = BACKENDS[backend](32)
    vectors = unit(100)
    index.add(np.arange(100), vectors)
    index.remove(np.array([5]))
    path = tmp_path / "gallery.idx"
    index.save(path)
    loaded = LOADERS[backend](path)
    assert loaded.ids().tolist() == index.ids().tolist()
    assert np.array_equal(loaded.search(vectors[:5], 5).ids, index.search(vectors[:5], 5).ids)
    assert not list(tmp_path.glob("*.tmp")), "the temporary file must be renamed into place"


def test_backends_agree_in_order_with_exact_faiss(backend: str) -> None:
    """Every backend returns the exact search's ids in its order, but for ties and misses."""
    vectors = unit(3000, dim=64, seed=7)
    queries = np.vstack([vectors[:10] * 0.8 + unit(10, dim=64, seed=8) * 0.6, unit(10, 64, 9)])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = FaissIndex(64, "flat")
    exact.add(np.arange(3000), vectors)
    index = BACKENDS[backend](64)
    index.add(np.arange(3000), vectors)
    index.remove(np.arange(0, 3000, 7))
    exact.remove(np.arange(0, 3000, 7))
    want, got = exact.search(queries, 50), index.search(queries, 50)
    assert np.allclose(got.scores, np.sort(got.scores, axis=1)[:, ::-1], atol=1e-6)
    if backend not in EXACT:
        recall = np.mean(
            [len(set(a) & set(b)) / 50 for a, b in zip(got.ids, want.ids, strict=True)]
        )
        assert recall >= 0.95
        return
    assert np.allclose(got.scores, want.scores, atol=1e-5)
    for row_got, row_want, scores in zip(got.ids, want.ids, want.scores, strict=True):
        # Within a run of equal scores the order is arbitrary; between runs it must match.
        runs = np.concatenate([[0], np.cumsum(np.diff(scores) < -1e-5)])
        for run in np.unique(runs):
            assert set(row_got[runs == run]) == set(row_want[runs == run])
