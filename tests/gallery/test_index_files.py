"""Index files: read back after a restart as they were; a damaged or foreign one is rebuilt
from the database, with a message, and never searched."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.gallery.test_indexes import add_templates, ids_of, unit

from facedocket.gallery import indexes, opened
from facedocket.gallery.index import FaissIndex
from facedocket.gallery.index.files import IndexFileError, read_manifest
from facedocket.gallery.indexes import index_path, load_file, new_index, open_faiss_index
from facedocket.settings import Settings


@pytest.fixture(params=["faiss-flat", "faiss-sq8-exact", "faiss-hnsw"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", index_backend=request.param)


def saved_gallery(settings: Settings, sessions: sessionmaker[Session]) -> tuple[Path, list[int]]:
    ids = add_templates(sessions, "state", unit(40, seed=11))
    with sessions() as session:
        open_faiss_index(session, settings, *ids_of(session))
        path = index_path(settings, *ids_of(session))
    return path, ids


def test_a_new_process_reads_the_file_as_it_was_saved(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    index = new_index(settings, 16)
    vectors = unit(60, seed=12)
    index.add(np.arange(100, 160), vectors)
    index.remove(np.array([103, 150]))
    path = tmp_path / "gallery.idx"
    index.save(path)
    program = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from facedocket.gallery.indexes import load_file\n"
        "from facedocket.settings import Settings\n"
        "settings = Settings(index_backend=sys.argv[3])\n"
        "index = load_file(settings, Path(sys.argv[1]), mmap=True)\n"
        "queries = np.load(sys.argv[2])\n"
        "print(index.ids().tolist()); print(index.search(queries, 5).ids.tolist())\n"
    )
    queries = tmp_path / "queries.npy"
    np.save(queries, vectors[:6])
    run = subprocess.run(
        [sys.executable, "-c", program, str(path), str(queries), settings.index_backend],
        capture_output=True,
        text=True,
        check=True,
    )
    ids, hits = (json.loads(line) for line in run.stdout.splitlines())
    assert ids == index.ids().tolist()
    assert hits == index.search(vectors[:6], 5).ids.tolist()
    assert 103 not in ids and 150 not in np.array(hits)


def test_a_file_in_step_is_trusted_after_a_restart(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = saved_gallery(settings, sessions)
    manifest = read_manifest(path)
    opened._OPENED.clear()  # what a restarted service starts with

    def refuse(*_: object) -> bool:
        raise AssertionError("listed and rebuilt an index whose file was in step")

    monkeypatch.setattr(indexes, "sync_index", refuse)
    with sessions() as session, opened.opened_index(session, settings, *ids_of(session)) as index:
        assert index.read_only
        assert index.ids().tolist() == ids
    assert read_manifest(path) == manifest, "a trusted file is not written again"


def main_part(path: Path) -> Path:
    """The file of the index proper: FAISS's, or the SQ8 index's positions."""
    files = read_manifest(path)["files"]
    return path.with_name(files.get("faiss", files.get("positions.npz"))["file"])


def truncate(path: Path) -> None:
    data = main_part(path)
    data.write_bytes(data.read_bytes()[:200])


def same_size_garbage(path: Path) -> None:
    data = main_part(path)
    data.write_bytes(b"\0" * data.stat().st_size)


def older_format(path: Path) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, index=np.zeros(10, dtype=np.uint8), tombstones=np.zeros(0))
    path.write_bytes(buffer.getvalue())


def missing_part(path: Path) -> None:
    main_part(path).unlink()


def another_database(path: Path) -> None:
    """Another gallery's file under the same ids: the vectors differ from the store's."""
    backend = path.name.split("-", 4)[-1].removesuffix(".idx")
    settings = Settings(index_backend=backend)
    other = new_index(settings, 16)
    stored = load_file(settings, path).ids()
    other.add(stored, unit(len(stored), seed=99))
    other.save(path)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncate, "bytes, the manifest says"),
    "zeroed": (same_size_garbage, "cannot read"),
    "older format": (older_format, "not an index manifest"),
    "missing part": (missing_part, "is missing"),
    "another database": (another_database, "differ from the database"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_foreign_file_is_rebuilt_from_the_store_and_said(
    damage: str,
    settings: Settings,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path, ids = saved_gallery(settings, sessions)
    spoil, message = DAMAGE[damage]
    spoil(path)
    opened._OPENED.clear()
    vectors = unit(40, seed=11)
    with (
        caplog.at_level(logging.WARNING, logger="facedocket.gallery.indexes"),
        sessions() as session,
        opened.opened_index(session, settings, *ids_of(session)) as index,
    ):
        assert index.ids().tolist() == ids
        hits = index.search(vectors[:5], 1)
        assert hits.ids[:, 0].tolist() == ids[:5]
        assert np.allclose(hits.scores[:, 0], 1.0, atol=1e-5)
    assert any(message in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records)
    assert load_file(settings, path).ids().tolist() == ids, "the rebuilt index was saved"


def test_load_refuses_what_it_cannot_trust(tmp_path: Path) -> None:
    path = tmp_path / "gallery.idx"
    with pytest.raises(IndexFileError, match="does not exist"):
        FaissIndex.load(path)
    path.write_text(json.dumps({"format": "facedocket-index/2", "backend": "milvus"}))
    with pytest.raises(IndexFileError, match="no FAISS flat or HNSW index"):
        FaissIndex.load(path)


def test_a_mapped_index_refuses_changes_instead_of_aborting(tmp_path: Path) -> None:
    index = FaissIndex(16)
    index.add(np.arange(5), unit(5, seed=13))
    path = tmp_path / "gallery.idx"
    index.save(path)
    mapped = FaissIndex.load(path, mmap=True)
    with pytest.raises(ValueError, match="memory-mapped"):
        mapped.add(np.array([9]), unit(1, seed=14))
    with pytest.raises(ValueError, match="memory-mapped"):
        mapped.remove(np.array([1]))
    assert len(mapped) == 5


def test_a_save_leaves_only_the_files_its_manifest_names(tmp_path: Path) -> None:
    index = FaissIndex(16, "hnsw", hnsw_m=8)
    index.add(np.arange(30), unit(30, seed=15))
    path = tmp_path / "gallery.idx"
    for removed in ([1], [2], [3]):
        index.remove(np.array(removed))
        index.save(path)
    named = {f["file"] for f in read_manifest(path)["files"].values()}
    assert {p.name for p in tmp_path.iterdir()} == named | {"gallery.idx"}
    assert "tombstones.npy" in read_manifest(path)["files"]
    assert FaissIndex.load(path).ids().tolist() == [0, *range(4, 30)]
