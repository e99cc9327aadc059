"""The SQ8 backend answers as FAISS's exact flat scan does, on face-like templates: same ids
in the same order (but for runs of equal scores), same scores, through removals, updates,
out-of-range templates, saves and reloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.gallery.face_like import people

from facedocket.gallery.index import FaissIndex
from facedocket.gallery.index.files import read_manifest
from facedocket.gallery.index.sq8_index import Sq8ExactIndex

K = 50


def gallery(count: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three photos of each person in the gallery, and one more of the first 200 as probes."""
    shots, probes = people(count // 3, 3, seed=seed)
    return shots.reshape(-1, shots.shape[-1]), probes[:200]


def assert_same_answers(
    got: FaissIndex | Sq8ExactIndex, want: FaissIndex, queries: np.ndarray
) -> None:
    """Same scores; same ids but within runs of scores equal to float32 rounding (FAISS's own
    kernels differ in the last bit), where a run cut by the k-th place may keep others."""
    a, b = got.search(queries, K), want.search(queries, K + 200)
    assert np.allclose(a.scores, b.scores[:, :K], atol=1e-5)
    for ids_got, ids_want, scores in zip(a.ids, b.ids, b.scores, strict=True):
        runs = np.concatenate([[0], np.cumsum(np.diff(scores) < -1e-5)])
        for run in np.unique(runs[:K]):
            mine, theirs = set(ids_got[runs[:K] == run]), set(ids_want[runs == run])
            assert (
                mine == theirs if np.sum(runs == run) == np.sum(runs[:K] == run) else mine <= theirs
            )


def pair(
    vectors: np.ndarray, ids: np.ndarray, shortlist: int = 60
) -> tuple[Sq8ExactIndex, FaissIndex]:
    sq8 = Sq8ExactIndex(vectors.shape[1], shortlist=shortlist, train_at=500)
    flat = FaissIndex(vectors.shape[1])
    for index in (sq8, flat):
        for start in range(0, len(ids), 700):  # in batches, as enrolment adds
            index.add(ids[start : start + 700], vectors[start : start + 700])
    return sq8, flat


def test_the_templates_are_face_like() -> None:
    shots, _ = people(300, 2, seed=3)
    strangers = shots[:150, 0] @ shots[150:, 0].T
    mates = np.sum(shots[:, 0] * shots[:, 1], axis=1)
    assert 0.8 < strangers.mean() < 0.88 and strangers.std() < 0.04
    assert 0.9 < mates.mean() < 0.96


def test_top_k_equals_the_exact_scan_and_the_short_list_is_widened_when_unproven() -> None:
    vectors, probes = gallery()
    probes = probes[:300]
    ids = np.arange(10_000, 10_000 + len(vectors))
    sq8, flat = pair(vectors, ids)
    assert_same_answers(sq8, flat, probes)
    assert sq8.widened > 0, "a 60-long shortlist must have failed its proof for some probe"
    first = sq8.search(probes, K)
    assert np.isin(first.ids[:, 0], ids).all()


def test_equal_templates_are_kept_as_the_flat_index_keeps_them() -> None:
    """A photo enrolled under several records: the tie crosses the k-th place."""
    vectors, probes = gallery(1500, seed=1)
    copies = np.repeat(vectors[:1], K + 10, axis=0)
    vectors = np.vstack([vectors[:700], copies, vectors[700:]])
    ids = np.random.default_rng(2).permutation(len(vectors)).astype(np.int64) + 1
    sq8, flat = pair(vectors, ids)
    query = vectors[:1]
    a, b = sq8.search(query, K), flat.search(query, K)
    assert a.ids[0].tolist() == b.ids[0].tolist(), "the same copies, in the same order"
    assert_same_answers(sq8, flat, probes)


def test_removals_and_updates_follow_the_flat_index() -> None:
    vectors, probes = gallery(seed=4)
    ids = np.arange(len(vectors), dtype=np.int64)
    sq8, flat = pair(vectors, ids)
    gone = ids[100::5]
    assert sq8.remove(gone) == flat.remove(gone) == len(gone)
    assert sq8.remove(gone) == 0
    # An update: a template taken out and added back with another vector.
    _, others = gallery(60, seed=5)
    for index in (sq8, flat):
        index.remove(ids[1:21])
        index.add(ids[1:21], others[:20])
    assert sq8.ids().tolist() == flat.ids().tolist()
    assert_same_answers(sq8, flat, np.vstack([probes, others[:20]]))
    assert not np.isin(sq8.search(probes, K).ids, gone).any()


def test_templates_outside_the_trained_ranges_are_still_found() -> None:
    vectors, probes = gallery(seed=6)
    ids = np.arange(len(vectors), dtype=np.int64)
    sq8, flat = pair(vectors, ids)
    # Far outside every range the first templates set: the error bound does not hold for
    # them, so they are scored exactly in every search.
    odd = probes[:30] * 0.2 + np.eye(1, probes.shape[1], 7, dtype=np.float32)
    odd /= np.linalg.norm(odd, axis=1, keepdims=True)
    extra = np.arange(90_000, 90_030)
    sq8.add(extra, odd)
    flat.add(extra, odd)
    assert sq8._outside_positions().size >= 30
    assert_same_answers(sq8, flat, np.vstack([probes, odd]))


def test_small_galleries_are_scored_exactly_before_training() -> None:
    vectors, probes = gallery(300, seed=7)
    sq8 = Sq8ExactIndex(vectors.shape[1], train_at=10_000)
    flat = FaissIndex(vectors.shape[1])
    for index in (sq8, flat):
        index.add(np.arange(len(vectors)), vectors)
    assert sq8._sq is None
    assert_same_answers(sq8, flat, probes)


def test_saved_appended_compacted_and_mapped(tmp_path: Path) -> None:
    vectors, probes = gallery(seed=8)
    ids = np.arange(len(vectors), dtype=np.int64)
    half = len(ids) // 2
    sq8, flat = pair(vectors[:half], ids[:half])
    path = tmp_path / "gallery.idx"
    sq8.save(path)
    first = read_manifest(path)["files"]["vectors.f32"]["file"]
    sq8.add(ids[half:], vectors[half:])
    flat.add(ids[half:], vectors[half:])
    sq8.save(path)
    assert read_manifest(path)["files"]["vectors.f32"]["file"] == first, "appended, not copied"
    mapped = Sq8ExactIndex.load(path, mmap=True)
    assert mapped.read_only and mapped.ids().tolist() == flat.ids().tolist()
    assert_same_answers(mapped, flat, probes)
    with pytest.raises(ValueError, match="memory-mapped"):
        mapped.add(np.array([10**9]), probes[:1])

    loaded = Sq8ExactIndex.load(path)
    removed = ids[: len(ids) // 3]
    loaded.remove(removed)
    flat.remove(removed)
    loaded.save(path)
    second = read_manifest(path)["files"]["vectors.f32"]["file"]
    assert second != first and not (tmp_path / first).exists(), "a third garbage: compacted"
    assert (tmp_path / second).stat().st_size == len(flat) * vectors.shape[1] * 4
    assert_same_answers(Sq8ExactIndex.load(path), flat, probes)


def test_two_processes_saving_never_mix_their_rows(tmp_path: Path) -> None:
    """Both read one file, each adds its own templates and saves: the second to save must
    not append after rows it never saw, and the file says exactly what it holds."""
    vectors, probes = gallery(seed=9)
    ids = np.arange(len(vectors), dtype=np.int64)
    sq8, _ = pair(vectors[:2000], ids[:2000])
    path = tmp_path / "gallery.idx"
    sq8.save(path)
    one, two = Sq8ExactIndex.load(path), Sq8ExactIndex.load(path)
    one.add(ids[2000:2500], vectors[2000:2500])
    two.add(ids[2500:3000], vectors[2500:3000])
    one.save(path)
    two.save(path)
    reread = Sq8ExactIndex.load(path)
    assert reread.ids().tolist() == [*range(2000), *range(2500, 3000)]
    flat = FaissIndex(vectors.shape[1])
    flat.add(reread.ids(), vectors[reread.ids()])
    assert np.array_equal(reread.vectors(reread.ids()), vectors[reread.ids()])
    assert_same_answers(reread, flat, probes)
