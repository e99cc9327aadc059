"""The SQ8 exact backend beside the float32 exact scan, in one run, at a state's scale.

The gallery is the development set's real templates (less the probes) filled up with
``synthetic.StrangerModel`` strangers calibrated to the real impostor scores, as
``scale.py``'s; it is written chunk by chunk into a float32 file and memory-mapped, so 20M
templates (10 GB) never sit in this process's memory. Probes are real: one held-out photo
of every person with two or more (981), then second photos, up to ``--probes``.

Float32 exact is FAISS's own flat scan (``faiss.knn``, the kernel of ``IndexFlatIP``) over
the mapped file in chunks of 1M rows, merged: the ground truth of every probe in one
batched pass, and the single-probe latency on ``--flat-probes`` of them. The SQ8 side is
the product's ``Sq8ExactIndex``, built from the same file and saved; then a fresh
process loads it as a search service would and times every probe one at a time, so its
resident memory is its own. A probe's top 50 "differs" if its ids are not the ground
truth's in order; "differs beyond ties" if they differ other than within runs of scores
equal to float32 rounding (1e-5), as two FAISS kernels may order such near ties apart.

    python bench/exact_sq8.py --sizes 1000000 --templates bench/results/real-templates.npz
    python bench/exact_sq8.py --sizes 20000000 --flat-probes 30 --templates ...
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

from common import write_json
from facedocket.gallery.index.files import read_manifest
from facedocket.gallery.index.sq8_index import Sq8ExactIndex
from synthetic import StrangerModel, calibrate, compare, impostor_scores, stranger_scores

Matrix = NDArray[np.float32]
CHUNK = 1_000_000
SAVE_EVERY = 4_000_000  # rows the SQ8 build holds in memory before appending them to its file
K = 50
EXTRA = 50  # ground truth past the 50th place, to see a run of equal scores cut by it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--templates", type=Path, required=True, help="hnsw_tune.py --export")
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--flat-probes", type=int, default=200, help="float32 probes timed")
    parser.add_argument("--shortlist", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="FAISS threads per search")
    parser.add_argument("--build-threads", type=int, default=2)
    parser.add_argument("--folder", type=Path, help="for the files; default a temporary one")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="exact_sq8")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)  # the fresh process's part
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), Path(args.serve[1]), Path(args.serve[2]), args)
        return
    payload: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    payload["runs"] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(dir=args.folder, prefix="exact-sq8-") as folder:
            payload["runs"].append(one_size(size, Path(folder), args))
        write_json(args.out, payload)


def memory(field: str = "VmRSS") -> int:
    """A figure of /proc/self/status in bytes: VmRSS, RssAnon (the process's own memory,
    not pages of mapped files, which the page cache holds and may drop), RssFile."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def probes_and_gallery(
    vectors: Matrix, identities: list[str], count: int, seed: int
) -> tuple[list[int], list[int], dict[str, list[int]]]:
    rng = np.random.default_rng(seed)
    rows: dict[str, list[int]] = defaultdict(list)
    for row, identity in enumerate(identities):
        rows[identity].append(row)
    people = [rows[i] for i in sorted(rows) if len(rows[i]) >= 2]
    rng.shuffle(people)
    probes = [person[0] for person in people][:count]
    for person in people:  # second photos of people who keep one in the gallery
        if len(probes) >= count:
            break
        if len(person) >= 3:
            probes.append(person[1])
    held = set(probes)
    return probes, [r for r in range(len(vectors)) if r not in held], rows


def write_gallery(
    file: Path, size: int, real: Matrix, model: StrangerModel, seed: int
) -> NDArray[np.int64]:
    """The gallery file; returns the row of each real template (the rest are strangers)."""
    rng = np.random.default_rng(seed)
    places = np.sort(rng.choice(size, len(real), replace=False))
    order = rng.permutation(len(real))  # which real template goes where
    out = np.memmap(file, dtype=np.float32, mode="w+", shape=(size, real.shape[1]))
    for start in range(0, size, CHUNK):
        stop = min(start + CHUNK, size)
        out[start:stop] = model.sample(stop - start, seed + 10 + start // CHUNK)
        inside = (places >= start) & (places < stop)
        out[places[inside]] = real[order[inside]]
    out.flush()
    del out
    row_of = np.empty(len(real), dtype=np.int64)
    row_of[order] = places
    return row_of


def flat_search(gallery: Matrix, queries: Matrix, k: int) -> tuple[Matrix, NDArray[np.int64]]:
    """FAISS's exact inner-product scan over the mapped gallery, chunk by chunk, merged."""
    scores, ids = [], []
    for start in range(0, len(gallery), CHUNK):
        chunk = np.ascontiguousarray(gallery[start : start + CHUNK])
        d, i = faiss.knn(queries, chunk, k, metric=faiss.METRIC_INNER_PRODUCT)
        scores.append(d)
        ids.append(i + start)
    all_scores, all_ids = np.hstack(scores), np.hstack(ids)
    # Best first; equal scores by row, as the flat index keeps the earliest added.
    order = np.lexsort((all_ids, -all_scores), axis=1)[:, :k]
    return np.take_along_axis(all_scores, order, 1), np.take_along_axis(all_ids, order, 1)


def one_size(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    data = np.load(args.templates)
    vectors = data["vectors"].astype(np.float32)
    identities = [str(i) for i in data["identities"]]
    probe_rows, gallery_rows, by_person = probes_and_gallery(
        vectors, identities, args.probes, args.seed
    )
    real = vectors[gallery_rows]
    probes = vectors[probe_rows]
    fitted = StrangerModel.fit(real, seed=args.seed)
    names = [identities[r] for r in gallery_rows]
    impostors = impostor_scores(probes, [identities[r] for r in probe_rows], real, names)
    model, _ = calibrate(fitted, probes, impostors, 20_000, args.seed + 1)
    check = compare(impostors, stranger_scores(probes, model.sample(20_000, args.seed + 2)))
    say(f"{size:,}: strangers spread {model.spread:.3f}, KS {check['ks']:.4f}; writing")
    file = folder / "gallery.f32"
    began = time.perf_counter()
    row_of = write_gallery(file, size, real, model, args.seed + 3)
    written = time.perf_counter() - began
    gallery = np.memmap(file, dtype=np.float32, mode="r", shape=(size, vectors.shape[1]))
    position = {g: int(row_of[i]) for i, g in enumerate(gallery_rows)}
    mates = [{position[r] for r in by_person[identities[p]] if r in position} for p in probe_rows]

    say("  building SQ8")
    gc.collect()
    before = memory("RssAnon")
    began = time.perf_counter()
    index = Sq8ExactIndex(vectors.shape[1], shortlist=args.shortlist)
    saved = folder / "sq8.idx"
    for start in range(0, size, CHUNK):
        stop = min(start + CHUNK, size)
        index.add(np.arange(start, stop, dtype=np.int64), np.asarray(gallery[start:stop]))
        if stop % SAVE_EVERY == 0 or stop == size:
            index.save(saved)
    build = time.perf_counter() - began
    build_growth = memory("RssAnon") - before
    outside = int(index._outside_positions().size)
    del index, gallery
    gc.collect()
    # The index's own vector file holds the same rows in the same order (ids 0..n-1, none
    # removed): the float32 side reads it, so one 10 GB file, not two, competes for the
    # page cache at 20M.
    rows = saved.with_name(read_manifest(saved)["files"]["vectors.f32"]["file"])
    file.unlink()
    gallery = np.memmap(rows, dtype=np.float32, mode="r", shape=(size, vectors.shape[1]))

    faiss.omp_set_num_threads(args.build_threads)
    say(f"  ground truth of {len(probes)} probes (batched float32 scan)")
    began = time.perf_counter()
    truth_scores, truth_ids = flat_search(gallery, probes, K + EXTRA)
    truth_s = time.perf_counter() - began

    truth = folder / "truth.npz"
    np.savez(truth, probes=probes, scores=truth_scores, ids=truth_ids)
    say("  SQ8 in a fresh process")
    report = folder / "serve.json"
    serve_part = ["--serve", str(saved), str(truth), str(report)]
    options = ["--threads", str(args.threads), "--shortlist", str(args.shortlist)]
    subprocess.run(
        [sys.executable, __file__, *serve_part, *options, "--templates", str(args.templates)],
        check=True,
    )
    sq8 = json.loads(report.read_text())

    say(f"  float32 exact, {args.flat_probes} probes one at a time")
    faiss.omp_set_num_threads(args.threads)
    seconds = []
    for probe in probes[: args.flat_probes]:
        began = time.perf_counter()
        flat_search(gallery, probe[None, :], K)
        seconds.append(time.perf_counter() - began)
    flat = {
        "probes_timed": len(seconds),
        "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1),
        "vector_bytes": size * vectors.shape[1] * 4,
        "ground_truth_batch_s": round(truth_s, 1),
    }
    found = sum(len(m & set(t[:K].tolist())) for m, t in zip(mates, truth_ids, strict=True))
    result = {
        "templates": size,
        "real_templates": len(real),
        "probes": len(probes),
        "mates_in_exact_top_50": found,
        "strangers": {"spread": model.spread, "scores": check},
        "gallery_written_s": round(written, 1),
        "load_average": os.getloadavg(),
        "float32_exact": flat,
        "sq8_exact": sq8
        | {
            "build_s": round(build, 1),
            "build_anon_growth_bytes": build_growth,
            "templates_outside_ranges": outside,
        },
        "speedup_p50": round(flat["p50_ms"] / sq8["p50_ms"], 2),
        "speedup_p95": round(flat["p95_ms"] / sq8["p95_ms"], 2),
    }
    say(json.dumps(result, indent=1))
    return result


def same_but_ties(mine: NDArray[np.int64], theirs: NDArray[np.int64], scores: Matrix) -> bool:
    """Equal but within runs of scores equal to float32 rounding; a run cut by the 50th place
    may keep other members of the run."""
    runs = np.concatenate([[0], np.cumsum(np.diff(scores) < -1e-5)])
    for run in np.unique(runs[:K]):
        a, b = set(mine[runs[:K] == run].tolist()), set(theirs[runs == run].tolist())
        whole = np.sum(runs == run) == np.sum(runs[:K] == run)
        if (a != b) if whole else not a <= b:
            return False
    return True


def serve(saved: Path, truth_file: Path, report: Path, args: argparse.Namespace) -> None:
    """Load the SQ8 index as a service would, search every probe alone, compare."""
    faiss.omp_set_num_threads(args.threads)
    truth = np.load(truth_file)
    probes, want_scores, want_ids = truth["probes"], truth["scores"], truth["ids"]
    before = memory("RssAnon")
    began = time.perf_counter()
    index = Sq8ExactIndex.load(saved)
    index.shortlist = args.shortlist
    loaded = time.perf_counter() - began
    resident = memory("RssAnon")
    index.search(probes[:2], K)
    seconds, got = [], []
    for probe in probes:
        began = time.perf_counter()
        hits = index.search(probe[None, :], K)
        seconds.append(time.perf_counter() - began)
        got.append(hits.ids[0])
    ids = np.stack(got)
    differs = int(np.sum(~np.all(ids == want_ids[:, :K], axis=1)))
    beyond = sum(
        not same_but_ties(mine, theirs, scores)
        for mine, theirs, scores in zip(ids, want_ids, want_scores, strict=True)
    )
    json.dump(
        {
            "load_s": round(loaded, 2),
            "anon_before_bytes": before,
            "anon_loaded_bytes": resident,
            "anon_after_probes_bytes": memory("RssAnon"),
            "file_pages_after_probes_bytes": memory("RssFile"),
            "peak_rss_bytes": memory("VmHWM"),
            "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1),
            "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1),
            "probes": len(probes),
            "top_50_differs": differs,
            "top_50_differs_beyond_float32_ties": beyond,
            "widened": index.widened,
            "shortlist": args.shortlist,
            "threads": args.threads,
        },
        report.open("w"),
    )


if __name__ == "__main__":
    main()
