"""A search through the API at 10k, 200k and 1M templates: p50/p95, and where the time goes.

Each size gets a fresh SQLite data folder seeded as ``two_services.py``'s (staff with
tokens, five enrolled LFW people, approved court-ordered requests of one search each;
``seed_world.py``), whose gallery is then filled to the size with synthetic strangers
(``synthetic.StrangerModel`` fitted to the development set's real templates, calibrated to
their impostor scores), written straight into the template table as enrolment would
leave them. The app runs in this process (FastAPI's test client, the same routes,
dependencies and gate as ``facedocket serve``); after two warm-up searches (the first
opens the index and loads the face models), ``--searches`` searches are timed one at a
time: the whole POST, and inside it the probe's detection and embedding, the index (the
freshness check and the search), ranking the candidates, the record (audit entry and
signed checkpoint) and the rest (the gate's checks, loading the case, the commit).

    python bench/api_search.py --templates bench/results/real-templates.npz
    python bench/api_search.py --sizes 10000 200000 --backend faiss-sq8-exact --templates ...
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from common import add_faces_option, check_faces_dir, write_json
from facedocket.cases import gate
from facedocket.faces.pipeline import FacePipeline
from facedocket.settings import Settings
from facedocket.store.db import make_engine
from facedocket.store.schema import Gallery, Person, Photo, Template
from facedocket.web.app import create_app
from seed_world import seed
from synthetic import StrangerModel

INSERT_CHUNK = 20_000
Spent = dict[str, list[float]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_faces_option(parser)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000, 1_000_000])
    parser.add_argument("--templates", type=Path, required=True, help="hnsw_tune.py --export")
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--backend", default="faiss-flat")
    parser.add_argument("--threads", type=int, default=1, help="FAISS threads")
    parser.add_argument("--out", default="api_search")
    args = parser.parse_args()
    faces = check_faces_dir(args.faces)
    faiss.omp_set_num_threads(args.threads)
    payload: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    payload["runs"] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="api-search-") as folder:
            payload["runs"].append(one_size(size, Path(folder), faces, args))
        write_json(args.out, payload)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fill(url: str, size: int, templates: Path) -> int:
    """Strangers added to the seeded gallery until it holds ``size`` templates."""
    engine = make_engine(url)
    real = np.load(templates)["vectors"].astype(np.float32)
    model = StrangerModel.fit(real, seed=0).with_spread(1.0)
    with engine.begin() as conn:
        gallery_id = conn.execute(select(Gallery.id)).scalar_one()
        model_id = conn.execute(select(Template.model_id).limit(1)).scalar_one()
        held = conn.execute(select(func.count(Template.id))).scalar_one()
    wanted = size - held
    for start in range(0, wanted, INSERT_CHUNK):
        n = min(INSERT_CHUNK, wanted - start)
        vectors = model.sample(n, seed=1 + start // INSERT_CHUNK)
        with engine.begin() as conn:
            base = conn.execute(select(func.max(Person.id))).scalar_one() + 1
            conn.execute(
                insert(Person),
                [
                    {
                        "id": base + i,
                        "gallery_id": gallery_id,
                        "record_id": f"s{start + i}",
                        "name": f"Stranger {start + i}",
                        "attributes": {},
                    }
                    for i in range(n)
                ],
            )
            photo = conn.execute(select(func.max(Photo.id))).scalar_one()
            conn.execute(
                insert(Photo),
                [
                    {
                        "id": photo + 1 + i,
                        "gallery_id": gallery_id,
                        "person_id": base + i,
                        "sha256": f"{start + i:064x}",
                        "source": "synthetic",
                        "width": 250,
                        "height": 250,
                    }
                    for i in range(n)
                ],
            )
            conn.execute(
                insert(Template),
                [
                    {
                        "gallery_id": gallery_id,
                        "person_id": base + i,
                        "photo_id": photo + 1 + i,
                        "model_id": model_id,
                        "vector": vectors[i].tobytes(),
                        "box": {},
                        "quality": {},
                    }
                    for i in range(n)
                ],
            )
        if (start // INSERT_CHUNK) % 10 == 0:
            say(f"  {held + start + n:,} templates")
    engine.dispose()
    return size


@contextlib.contextmanager
def timing(spent: Spent) -> Iterator[None]:
    """Wrap the gate's collaborators so each search's parts are timed where they run."""

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - began)

        return wrapper

    @contextlib.contextmanager
    def opened(*args: Any, **kwargs: Any) -> Iterator[Any]:
        began = time.perf_counter()
        with original_opened(*args, **kwargs) as index:
            yield index
        spent["index"].append(time.perf_counter() - began)

    original_opened = getattr(gate, "opened_index")  # noqa: B009 - the gate's own binding
    patches = {
        "opened_index": opened,
        "rank_people": timed("candidates", getattr(gate, "rank_people")),  # noqa: B009
        "log": timed("record", getattr(gate, "log")),  # noqa: B009
        "sign_after_search": timed("record", getattr(gate, "sign_after_search")),  # noqa: B009
    }
    saved = {name: getattr(gate, name) for name in patches}
    methods: dict[str, Callable[..., Any]] = {
        "probe_face": FacePipeline.probe_face,
        "embed": FacePipeline.embed,
    }
    try:
        for name, value in patches.items():
            setattr(gate, name, value)
        for name, method in methods.items():
            setattr(FacePipeline, name, timed("probe", method))
        yield
    finally:
        for name, value in saved.items():
            setattr(gate, name, value)
        for name, method in methods.items():
            setattr(FacePipeline, name, method)


def one_size(size: int, folder: Path, faces: Path, args: argparse.Namespace) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'facedocket.db'}"
    say(f"{size:,} templates: seeding")
    world = seed(url, folder, faces, args.searches)
    began = time.perf_counter()
    fill(url, size, args.templates)
    filled = time.perf_counter() - began
    settings = Settings(data_dir=folder, database_url=url, index_backend=args.backend)
    client = TestClient(create_app(settings))
    headers = {"Authorization": f"Bearer {world.tokens['examiner']}"}

    def search(number: int) -> float:
        began = time.perf_counter()
        answer = client.post(f"/api/v1/requests/{number}/searches", json={}, headers=headers)
        seconds = time.perf_counter() - began
        if answer.status_code != 201:
            raise SystemExit(f"search of request {number}: {answer.status_code} {answer.text}")
        return seconds

    first = [search(n) for n in world.warm_up]
    spent: Spent = defaultdict(list)
    with timing(spent):
        totals = [search(n) for n in world.approved]
    parts = {name: sum_per_search(values, len(totals)) for name, values in spent.items()}
    parts["rest"] = [t - sum(parts[p][i] for p in parts) for i, t in enumerate(totals)]
    result = {
        "templates": size,
        "backend": args.backend,
        "fill_s": round(filled, 1),
        "first_search_s": round(first[0], 2),
        "second_search_s": round(first[1], 2),
        "searches": len(totals),
        "total": percentiles(totals),
        "parts": {name: percentiles(values) for name, values in parts.items()},
        "load_average": os.getloadavg(),
    }
    say(f"  {result}")
    return result


def sum_per_search(values: list[float], searches: int) -> list[float]:
    """A part timed more than once per search (the record's two steps) summed per search."""
    per = len(values) // searches
    return [sum(values[i * per : (i + 1) * per]) for i in range(searches)]


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1),
    }


if __name__ == "__main__":
    main()
