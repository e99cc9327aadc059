"""Memory and head-of-line blocking from large probes, on a real ``facedocket serve``.

The load of issue #12: 12 request creations at once, each with a probe JPEG that decodes
to 36 megapixels (a development photo upscaled, written to a temporary folder and never
kept), then a search of such a probe with a normal search sent 0.05 s behind it. The
server's resident memory is read from /proc: at rest (models loaded), at its peak
(VmHWM) and a few seconds after the load. Each configuration gets a fresh server and
data folder; ``unbounded`` sets MAX_IMAGE_SIDE and MAX_CONCURRENT_DECODES out of reach,
which decodes exactly as the code before the bound did.

    PYTHONPATH=src python bench/probe_memory.py            # about 2 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from PIL import Image
from sqlalchemy import select

from common import REPO, add_faces_option, check_faces_dir, table, write_json
from facedocket.accounts.tokens import create_token
from facedocket.cases.directory import add_agency, add_user
from facedocket.demo import STAFF
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade
from facedocket.store.schema import User
from seed_world import blank_order_pdf, court_order_request

CONFIGURATIONS = {
    "bounded (defaults)": {},
    "unbounded (as before)": {
        "FACEDOCKET_MAX_IMAGE_SIDE": "100000",
        "FACEDOCKET_MAX_CONCURRENT_DECODES": "256",
    },
}
ROLES = {"officer": "det.rivera", "intake": "intake.chen", "examiner": "exam.okafor"}
SERVE = "from facedocket.cli import app; app()"  # ``facedocket serve`` from this checkout
PROBE = "Aaron_Peirsol"  # a frontal portrait; the big probe is this photo upscaled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_faces_option(parser)
    parser.add_argument("--creations", type=int, default=12, help="concurrent creations")
    parser.add_argument("--megapixels", type=float, default=36.0)
    parser.add_argument("--gallery", type=int, default=50, help="LFW people enrolled")
    args = parser.parse_args()
    faces = check_faces_dir(args.faces)
    models = REPO / "bench" / "results" / "models"  # the converted model, kept between runs
    with tempfile.TemporaryDirectory(prefix="probe-memory-") as scratch:
        normal = (faces / "lfw" / PROBE / f"{PROBE}_0002.jpg").read_bytes()
        big = upscaled(normal, args.megapixels)
        print(f"big probe: {len(big):,} bytes, {args.megapixels:.0f} megapixels")
        results = {
            name: measure(Path(scratch) / str(i), models, faces, env, normal, big, args)
            for i, (name, env) in enumerate(CONFIGURATIONS.items())
        }
    rows = [
        [
            name,
            f"{r['rss_mib']['at_rest']:.0f}",
            f"{r['rss_mib']['peak']:.0f}",
            f"{r['rss_mib']['after']:.0f}",
            f"{r['creations_s']['max']:.1f}",
            f"{r['search_s']['normal_alone']:.2f}",
            f"{r['search_s']['big']:.2f}",
            f"{r['search_s']['normal_behind_big']:.2f}",
        ]
        for name, r in results.items()
    ]
    headers = [
        "decoding",
        "RSS at rest MiB",
        "peak MiB",
        "after MiB",
        f"slowest of {args.creations} creations s",
        "normal search s",
        "big search s",
        "normal behind big s",
    ]
    print(table(headers, rows))
    write_json("probe_memory", {"big_probe_bytes": len(big), "results": results})


def upscaled(photo: bytes, megapixels: float) -> bytes:
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    scale = (megapixels * 1e6 / (image.width * image.height)) ** 0.5
    size = (round(image.width * scale * 1.5), round(image.height * scale / 1.5))
    buffer = io.BytesIO()
    canvas = Image.new("RGB", size, (128, 128, 128))  # 3:2, like a camera's sensor
    face = image.resize((round(image.width * scale), round(image.height * scale)))
    canvas.paste(face, ((size[0] - face.width) // 2, (size[1] - face.height) // 2))
    canvas.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def prepare(data_dir: Path, models: Path, faces: Path, people: int) -> dict[str, str]:
    """Staff, a gallery and an API token per role, written before the server starts."""
    settings = Settings(data_dir=data_dir, model_dir=models)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        add_agency(session, "operator:bench", "state-police", "Massachusetts State Police")
        add_agency(session, "operator:bench", "bpd", "Boston Police Department")
        for username, name, agency, roles, rank in STAFF:
            add_user(
                session,
                "operator:bench",
                username=username,
                full_name=name,
                agency_code=agency,
                roles=roles,
                rank=rank,
            )
    folders = sorted(p for p in (faces / "lfw").iterdir() if p.is_dir())[:people]
    items = [EnrolmentItem(p.name, p.name, sorted(p.glob("*.jpg"))[0]) for p in folders]
    enrol(settings, sessions, "rmv", items, workers=1)
    tokens = {}
    with transaction(sessions) as session:
        for role, username in ROLES.items():
            user = session.scalars(select(User).where(User.username == username)).one()
            tokens[role], _ = create_token(session, user, "bench", datetime.now(UTC), 1)
    engine.dispose()
    return tokens


def measure(
    data_dir: Path,
    models: Path,
    faces: Path,
    env: dict[str, str],
    normal: bytes,
    big: bytes,
    args: argparse.Namespace,
) -> dict[str, Any]:
    tokens = prepare(data_dir, models, faces, args.gallery)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port)],
        env={
            **os.environ,
            **env,
            "FACEDOCKET_DATA_DIR": str(data_dir),
            "FACEDOCKET_MODEL_DIR": str(models),
            "PYTHONPATH": str(REPO / "src"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = Client(f"http://127.0.0.1:{port}", tokens)
        client.wait_until_up()
        search(client, client.approved(normal, "warm-up"))  # loads the models
        at_rest = rss(server.pid)["VmRSS"]
        with ThreadPoolExecutor(args.creations) as pool:
            load = [f"load-{i}" for i in range(args.creations)]
            creations = list(pool.map(lambda case: client.create(big, case)[1], load))
        time.sleep(3)
        memory = rss(server.pid)
        alone = search(client, client.approved(normal, "alone"))
        big_request = client.approved(big, "big")
        normal_request = client.approved(normal, "behind")
        with ThreadPoolExecutor(2) as pool:
            big_search = pool.submit(search, client, big_request)
            time.sleep(0.05)
            behind = pool.submit(search, client, normal_request)
            timings = big_search.result(), behind.result()
    finally:
        server.terminate()
        server.wait(30)
    result = {
        "environment": env,
        "rss_mib": {"at_rest": at_rest, "peak": memory["VmHWM"], "after": memory["VmRSS"]},
        "creations_s": {"max": max(creations), "all": creations},
        "search_s": {"normal_alone": alone, "big": timings[0], "normal_behind_big": timings[1]},
    }
    print(json.dumps(result))
    return result


class Client:
    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=base, timeout=600)
        self.tokens = tokens

    def call(self, role: str, method: str, url: str, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        answer = self.http.request(method, url, headers=headers, **options)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {answer.status_code} {answer.text[:500]}")
        return answer

    def wait_until_up(self) -> None:
        for _ in range(600):
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def create(self, probe: bytes, case: str) -> tuple[int, float]:
        form = court_order_request(case, datetime.now(UTC))
        files = {
            "probe": ("probe.jpg", probe, "image/jpeg"),
            "order": ("order.pdf", blank_order_pdf(), "application/pdf"),
        }
        data = {"form": json.dumps(form), "probe_source": "store camera", "submit": "true"}
        started = time.perf_counter()
        created = self.call("officer", "POST", "/api/v1/requests", data=data, files=files)
        return created.json()["id"], time.perf_counter() - started

    def approved(self, probe: bytes, case: str) -> int:
        number, _ = self.create(probe, case)
        note = {"note": "The order names this image and the RMV gallery."}
        self.call("intake", "POST", f"/api/v1/requests/{number}/approve", json=note)
        return number


def search(client: Client, number: int) -> float:
    started = time.perf_counter()
    client.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    return time.perf_counter() - started


def rss(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its highest so far (VmHWM), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
