"""Search and enrolment at a state's scale on this machine, for each index backend.

Search: a gallery of ``--sizes`` templates (default 100,000 and 1,000,000) is built in each
backend (FAISS exact, FAISS HNSW, Milvus through milvus-lite or ``--milvus-uri``), and the
same real probes are searched in each. The gallery holds every real template of the
development set except the probes (so most probes have mates in it), filled up with
synthetic strangers drawn from ``synthetic.StrangerModel``, fitted to the real templates and
calibrated so their scores against real probes match the real impostor scores (the report
gives both distributions). Reported per backend and size: build time, memory, single-probe
latency (p50/p95), recall@k against exact search, and mate recall (of the mates exact
search ranks in its top k, the share the backend returns too).

Enrolment (``--enrol N``): the same N photos enrolled by the local engine (processes) and
by the Ray engine (Ray Data actors) on a local Ray of as many CPUs, each into a fresh
database; photos per second and Ray's overhead against local. Ray is started before the
clock starts, as a production cluster would already be running; each engine's own start
(spawning workers, loading models) is inside the timed run.

    python bench/scale.py                       # search, 100k and 1M, all backends
    python bench/scale.py --sizes 100000 --enrol 300 --backends faiss-hnsw
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

from common import add_faces_option, check_faces_dir, read_images, write_json
from facedocket.gallery.index import FaissIndex, VectorIndex
from facedocket.gallery.index.faiss_index import Kind
from facedocket.gallery.index.milvus_index import IndexType, MilvusIndex
from facedocket.settings import EnrolEngine, Settings
from search_speed import mate_recall, recall, rss_bytes
from templates import load_cache, our_templates
from workload import Workload, exact_top, workload

Matrix = NDArray[np.float32]
Ids = NDArray[np.int64]
BACKENDS = ("faiss-flat", "faiss-hnsw", "milvus-flat", "milvus-hnsw")
ADD_CHUNK = 100_000
# The graph the settings build by default.
DEFAULT_M = Settings.model_fields["hnsw_m"].default
DEFAULT_EF_CONSTRUCTION = Settings.model_fields["hnsw_ef_construction"].default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_faces_option(parser)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--queries", type=int, default=200, help="probes timed and scored")
    parser.add_argument(
        "--milvus-queries",
        type=int,
        default=30,
        help="probes timed on Milvus (milvus-lite's search is slow: see docs/scaling.md)",
    )
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--m", type=int, default=DEFAULT_M, help="HNSW graph degree")
    parser.add_argument("--ef-construction", type=int, default=DEFAULT_EF_CONSTRUCTION)
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 128, 256], help="efSearch")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep built FAISS indexes here and reuse them (to try other efSearch values)",
    )
    parser.add_argument("--milvus-uri", help="a Milvus server; default: milvus-lite in a temp dir")
    parser.add_argument("--enrol", type=int, default=0, help="photos for the enrolment race")
    parser.add_argument("--repeats", type=int, default=2, help="enrolment races, alternating")
    parser.add_argument(
        "--writer", type=int, default=0, help="templates through the enrolment writer alone"
    )
    parser.add_argument(
        "--database-url", help="for --writer: e.g. PostgreSQL; default a temporary SQLite file"
    )
    parser.add_argument("--workers", type=int, default=2, help="enrolment; FAISS build threads")
    parser.add_argument(
        "--search-threads",
        type=int,
        default=1,
        help="FAISS threads per search: one probe at a time gains little from more, and on "
        "a busy machine OpenMP's spinning threads cost far more than they give",
    )
    parser.add_argument(
        "--templates", type=Path, help="a templates-ours-*.npz cache to read instead of embedding"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="scale")
    args = parser.parse_args()
    faces = check_faces_dir(args.faces)

    arguments = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    payload: dict[str, Any] = {"arguments": arguments | {"faces": str(faces)}}
    if args.enrol:
        payload["enrolment"] = enrolment_race(faces, args.enrol, args.workers, args.repeats)
        write_json(args.out, payload)
    if args.writer:
        payload["writer"] = [
            writer_speed(args.writer, backend, args.database_url)
            for backend in ("faiss-flat", "milvus-flat")
        ]
        write_json(args.out, payload)
    if args.sizes:
        vectors, identities = real_templates(faces, args.workers, args.templates)
        payload["search"] = []
        for size in args.sizes:
            work = workload(vectors, identities, size, args.queries, args.seed)
            finished = list(payload["search"])

            def save(part: dict[str, Any], finished: list[Any] = finished) -> None:
                # After each backend too: a 1M HNSW build takes too long to lose to a crash.
                write_json(args.out, payload | {"search": [*finished, part]})

            payload["search"].append(search_at(work, args, save))
            write_json(args.out, payload)
    write_json(args.out, payload)


# --- the workload ---------------------------------------------------------------------------


def real_templates(faces: Path, workers: int, cache: Path | None) -> tuple[Matrix, list[str]]:
    """FaceDocket's templates of every photo of the set whose face was found."""
    rows = read_images(faces)
    if cache is not None:
        records = load_cache(cache)
        rows = [r for r in rows if r.path in records]
    else:
        records, _ = our_templates(faces, [r.path for r in rows], workers=workers)
    found = [(records[r.path].vector, r.identity) for r in rows if records[r.path].detected]
    vectors = np.stack([v for v, _ in found if v is not None]).astype(np.float32)
    return vectors, [identity for _, identity in found]


# --- search ---------------------------------------------------------------------------------


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def search_at(
    work: Workload, args: argparse.Namespace, save: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    size = len(work.gallery)
    print(f"gallery of {size:,} ({work.real:,} real)", file=sys.stderr, flush=True)
    result: dict[str, Any] = {
        "templates": size,
        "real_templates": work.real,
        "probes": len(work.probes),
        "mated_probes": sum(1 for m in work.mates if m),
        "strangers": work.strangers,
        "backends": [],
    }
    exact_ids, _ = exact_top(work, args.k)
    result["rank1_exact"] = float(
        np.mean([int(e[0]) in m for e, m in zip(exact_ids, work.mates, strict=True) if m])
    )
    for backend in args.backends:
        with tempfile.TemporaryDirectory(prefix="scale-") as folder:
            result["backends"].append(one_backend(backend, work, exact_ids, Path(folder), args))
            save(result)
            gc.collect()
    return result


def one_backend(
    backend: str, work: Workload, exact_ids: Ids, folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    size, dimension = work.gallery.shape
    make: Callable[[], VectorIndex]
    if backend.startswith("faiss"):
        kind: Kind = "hnsw" if backend == "faiss-hnsw" else "flat"

        def make() -> VectorIndex:
            return FaissIndex(dimension, kind, hnsw_m=args.m, ef_construction=args.ef_construction)

    else:
        uri = args.milvus_uri or str(folder / "milvus.db")
        index_type: IndexType = "HNSW" if backend == "milvus-hnsw" else "FLAT"

        def make() -> VectorIndex:
            return MilvusIndex(
                uri,
                f"scale_{index_type.lower()}_{size}",
                dimension,
                index_type=index_type,
                hnsw_m=args.m,
                ef_construction=args.ef_construction,
            )

    gc.collect()
    faiss.omp_set_num_threads(args.workers)
    kept = None
    if args.keep and backend.startswith("faiss"):
        name = f"{backend}-{size}-m{args.m}-efc{args.ef_construction}-seed{args.seed}"
        kept = args.keep / f"{name}.idx"
    before = rss_bytes()
    began = time.perf_counter()
    reused = kept is not None and kept.is_file()
    if kept is not None and reused:
        index: VectorIndex = FaissIndex.load(kept)
        print(f"  {backend}: loaded {kept}", file=sys.stderr)
        earlier = json.loads(kept.with_suffix(".json").read_text())
        build, grown, on_disk = earlier["build"], earlier["grown"], earlier["on_disk"]
    else:
        index = make()
        for start in range(0, size, ADD_CHUNK):
            stop = min(start + ADD_CHUNK, size)
            index.add(np.arange(start, stop, dtype=np.int64), work.gallery[start:stop])
            spent = time.perf_counter() - began
            print(f"  {backend}: {stop:,} added, {spent:.0f} s", file=sys.stderr)
        stored = folder / "index.idx"
        index.save(stored)  # Milvus: flush, so the segments are sealed and indexed
        if isinstance(index, MilvusIndex):
            wait_for_index(index)
        build = time.perf_counter() - began
        grown = rss_bytes() - before
        on_disk = folder_bytes(folder)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            index.save(kept)  # a manifest and the files it names, in FAISS's format
            figures = {"build": build, "grown": grown, "on_disk": on_disk}
            kept.with_suffix(".json").write_text(json.dumps(figures))
    out: dict[str, Any] = {
        "backend": backend,
        "reused_index": str(kept) if reused else None,
        "build_s": round(build, 1),
        "rss_growth_bytes_per_template": round(grown / size, 1),
        "disk_bytes_per_template": round(on_disk / size, 1),
        "vector_bytes_per_template": dimension * 4,
    }
    if isinstance(index, MilvusIndex):
        import milvus_lite  # noqa: PLC0415

        out["milvus"] = args.milvus_uri or f"milvus-lite {milvus_lite.__version__}"
    faiss.omp_set_num_threads(args.search_threads)
    settings = args.ef if backend.endswith("hnsw") else [None]
    queries = args.milvus_queries if backend.startswith("milvus") else args.queries
    out["runs"] = []
    for ef in settings:
        if ef is not None:
            index.ef_search = ef  # type: ignore[attr-defined]
        out["runs"].append(measure(index, work, exact_ids, args.k, queries) | {"ef_search": ef})
        print(f"  {backend} ef={ef}: {out['runs'][-1]}", file=sys.stderr, flush=True)
    if isinstance(index, MilvusIndex):
        index.drop()
        index.close()
    del index
    return out


def wait_for_index(index: MilvusIndex, limit_s: float = 3600) -> None:
    began = time.perf_counter()
    while time.perf_counter() - began < limit_s:
        found = index._client.describe_index(index.collection, "vector") or {}
        if int(found.get("pending_index_rows", 0)) == 0:
            return
        time.sleep(1)


def measure(index: VectorIndex, work: Workload, exact_ids: Ids, k: int, queries: int) -> Any:
    """Single-probe latency over ``queries`` probes; recall over the same probes."""
    probes = work.probes[:queries]
    index.search(probes[:2], k)  # warm caches and thread pools
    seconds, found = [], []
    for probe in probes:
        began = time.perf_counter()
        hits = index.search(probe[None, :], k)
        seconds.append(time.perf_counter() - began)
        found.append(hits.ids[0])
    got, want = np.stack(found), exact_ids[: len(probes)]
    share, _, wanted = mate_recall(want, got, work.mates[: len(probes)])
    return {
        "queries": len(probes),
        "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 3),
        "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 3),
        f"recall_at_{k}": round(recall(want, got), 5),
        "mate_recall": round(share, 5) if wanted else None,
        "mates_in_exact_top_k": wanted,
    }


# --- enrolment ------------------------------------------------------------------------------


def enrolment_race(faces: Path, count: int, workers: int, repeats: int) -> dict[str, Any]:
    """The same photos through the local engine and the Ray engine; photos per second.

    The model is converted before the clock starts, and the engines take turns, so a
    neighbour's load on a shared machine falls on both; the load average is recorded.
    """
    import ray  # noqa: PLC0415

    from facedocket.faces.registry import load_embedder  # noqa: PLC0415
    from facedocket.gallery.sources import EnrolmentItem  # noqa: PLC0415

    rows = [r for r in read_images(faces) if r.dataset == "lfw"][:count]
    items = [EnrolmentItem(r.identity, r.identity, faces / r.path) for r in rows]
    models = Path(tempfile.mkdtemp(prefix="scale-models-"))
    load_embedder("dlib-resnet-v1", models).file_sha256  # noqa: B018 - converts the model
    started = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    out: dict[str, Any] = {
        "photos": len(items),
        "workers": workers,
        "ray_start_s": round(time.perf_counter() - started, 1),
        "runs": [],
    }
    try:
        for turn in range(repeats):
            engines: tuple[EnrolEngine, ...] = ("local", "ray")
            for engine in engines if turn % 2 == 0 else engines[::-1]:
                out["runs"].append(race_once(engine, items, models, workers))
                print(f"  enrol: {out['runs'][-1]}", file=sys.stderr, flush=True)
    finally:
        ray.shutdown()
        shutil.rmtree(models, ignore_errors=True)
    for engine in ("local", "ray"):
        seconds = [r["seconds"] for r in out["runs"] if r["engine"] == engine]
        out[engine] = {
            "median_seconds": float(np.median(seconds)),
            "photos_per_s": round(len(items) / float(np.median(seconds)), 2),
        }
    out["ray_overhead"] = round(
        out["ray"]["median_seconds"] / out["local"]["median_seconds"] - 1, 3
    )
    return out


def race_once(engine: EnrolEngine, items: list[Any], models: Path, workers: int) -> dict[str, Any]:
    from facedocket.gallery.enrol import enrol  # noqa: PLC0415
    from facedocket.settings import Settings  # noqa: PLC0415
    from facedocket.store.db import make_engine, session_factory  # noqa: PLC0415
    from facedocket.store.migrate import upgrade  # noqa: PLC0415

    data = Path(tempfile.mkdtemp(prefix=f"scale-enrol-{engine}-"))
    try:
        settings = Settings(data_dir=data, model_dir=models, workers=workers)
        database = make_engine(settings.db_url)
        upgrade(database)
        load = os.getloadavg()[0]
        began = time.perf_counter()
        report = enrol(settings, session_factory(database), "race", items, engine=engine)
        wall = time.perf_counter() - began
        database.dispose()
        return {
            "engine": engine,
            "seconds": round(wall, 1),
            "photos_per_s": round(len(items) / wall, 2),
            "enrolled": report.enrolled,
            "refused": report.refused,
            "stage_seconds": {k: round(v, 1) for k, v in report.stage_seconds.items()},
            "load_average_before": round(load, 2),
        }
    finally:
        shutil.rmtree(data, ignore_errors=True)


def writer_speed(count: int, backend: str, url: str | None) -> dict[str, Any]:
    """Photos per second the driver can record (database and index), with no face work.

    One driver writes for every engine, so this is the ceiling on any cluster's enrolment.
    """
    import uuid  # noqa: PLC0415

    from sqlalchemy import text  # noqa: PLC0415

    from facedocket.gallery.enrol import EnrolmentReport  # noqa: PLC0415
    from facedocket.gallery.galleries import ensure_gallery  # noqa: PLC0415
    from facedocket.gallery.indexes import open_index  # noqa: PLC0415
    from facedocket.gallery.record import Enroller  # noqa: PLC0415
    from facedocket.gallery.sources import EnrolmentItem  # noqa: PLC0415
    from facedocket.gallery.worker import Enrolled  # noqa: PLC0415
    from facedocket.gallery.writer import Writer  # noqa: PLC0415
    from facedocket.settings import Settings  # noqa: PLC0415
    from facedocket.store.db import make_engine, session_factory, transaction  # noqa: PLC0415
    from facedocket.store.migrate import upgrade  # noqa: PLC0415
    from facedocket.store.schema import FaceModelRecord  # noqa: PLC0415

    data = Path(tempfile.mkdtemp(prefix="scale-writer-"))
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url) if url else None
    try:
        settings = Settings(data_dir=data, index_backend=backend)
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine = make_engine(url or "", connect_args={"options": f"-csearch_path={schema}"})
        else:
            engine = make_engine(settings.db_url)
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            gallery_id = ensure_gallery(session, "writer").id
            model = FaceModelRecord(
                name="m", version="1", file_sha256="0" * 64, dimension=128, threshold=0.5
            )
            session.add(model)
            session.flush()
            model_id = model.id
        with sessions() as session:
            index = open_index(session, settings, gallery_id, model_id)
        items = [EnrolmentItem(f"r{i}", f"Person {i}", Path(f"/p/{i}.jpg")) for i in range(count)]
        rng = np.random.default_rng(0)
        report = EnrolmentReport(gallery="writer", total=count)
        by = Enroller("bench")
        writer = Writer(
            sessions, "writer", gallery_id, model_id, items, report, index, None, by, {}
        )
        began = time.perf_counter()
        for start in range(0, count, 256):
            vectors = rng.standard_normal((min(256, count - start), 128)).astype(np.float32)
            writer.write(
                [
                    Enrolled(
                        start + i,
                        f"{start + i:064x}",
                        640,
                        480,
                        {"left": 1, "top": 2, "right": 3, "bottom": 4},
                        {"eye_distance": 60.0, "sharpness": 0.5, "yaw": 0.1},
                        v.tobytes(),
                    )
                    for i, v in enumerate(vectors)
                ],
                final=start + 256 >= count,
            )
        seconds = time.perf_counter() - began
        engine.dispose()
        return {
            "templates": count,
            "database": "postgresql" if url else "sqlite",
            "index": backend,
            "seconds": round(seconds, 1),
            "photos_per_s": round(count / seconds, 1),
        }
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
