"""Enrolment throughput end to end, and where a photo's milliseconds go.

The end-to-end figure is the product's own ``enrol()``: JPEG files in, templates in an
SQLite database and a rebuilt index out, worker processes spawned and models loaded inside
the clock, exactly what an agency waits for. The stage profile then runs the same stages
in one process, including alternatives the product does not (yet) use, so a proposal to
change the pipeline comes with its measured cost.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlib
import numpy as np

from common import ImageRow
from facedocket.faces.detect import Detection, dominant_face
from facedocket.faces.errors import FaceError
from facedocket.faces.models import ModelCard
from facedocket.faces.pipeline import Face, FacePipeline
from facedocket.faces.registry import build_pipeline, load_embedder
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.gallery.worker import STAGES
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade


def lfw_items(faces: Path, images: list[ImageRow], count: int) -> list[EnrolmentItem]:
    rows = sorted((r for r in images if r.dataset == "lfw"), key=lambda r: r.path)[:count]
    return [
        EnrolmentItem(record_id=r.identity, name=r.identity.replace("_", " "), path=faces / r.path)
        for r in rows
    ]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the enrolment workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_enrol(items: list[EnrolmentItem], workers: int, models: Path) -> dict[str, Any]:
    """One enrolment into a fresh gallery in a temporary data folder.

    Besides the wall clock it records the CPU time the enrolment consumed (parent and
    workers, start-up included): on a shared machine the wall clock says how busy the
    neighbours were, while CPU per photo divided into the cores says what the same machine
    would reach to itself (an upper bound: it assumes the cores are kept busy).
    """
    with tempfile.TemporaryDirectory(prefix="fd-bench-") as folder:
        settings = Settings(data_dir=Path(folder) / "data")
        # Share the converted model so the one-time dlib-to-ONNX conversion is not timed.
        settings.data_dir.mkdir(parents=True)
        (settings.data_dir / "models").symlink_to(models.resolve(), target_is_directory=True)
        load_embedder(settings.model, settings.data_dir)
        engine = make_engine(settings.db_url)
        upgrade(engine)
        began = cpu_seconds()
        report = enrol(settings, session_factory(engine), "bench", items, workers=workers)
        spent = cpu_seconds() - began
        engine.dispose()
    processed = report.enrolled + report.refused
    cores = os.cpu_count() or 1
    return {
        "cpu_ms_per_image": 1000 * spent / max(processed, 1),
        "cpu_bound_images_per_second": processed / spent * min(workers, cores) if spent else 0.0,
        "workers": workers,
        "photos": len(items),
        "enrolled": report.enrolled,
        "refused": report.refused,
        "seconds": report.seconds,
        "images_per_second": report.per_second,
        # Summed over workers: busy time per photo (wall clock, so inflated by neighbours).
        "stage_ms_per_image": {
            s: 1000 * report.stage_seconds.get(s, 0.0) / max(processed, 1) for s in STAGES
        },
    }


class RgbDetector:
    """The detector as it was before it ran HOG on the luminance: HOG on all three channels.

    Uses the shipped detector's upsampling rule and landmark step (private helpers: this
    prices the alternative, it is not a second detector).
    """

    def __init__(self, pipeline: FacePipeline) -> None:
        self.detector = pipeline.detector
        self.hog = dlib.get_frontal_face_detector()

    def detect(self, image: np.ndarray) -> list[Detection]:
        rects: Any = []
        scores: Any = []
        for upsample in self.detector._upsample_levels(image):
            rects, scores, _ = self.hog.run(image, upsample, 0.0)
            if len(rects):
                break
        found = [self.detector._describe(image, r, s) for r, s in zip(rects, scores, strict=True)]
        return sorted(found, key=lambda d: d.score, reverse=True)


def interleaved(
    variants: dict[str, tuple[Callable[[Any], Any], list[Any]]], repeats: int
) -> dict[str, float]:
    """Median CPU ms per call of each variant (this process's CPU time, which neighbours on a
    shared machine disturb far less than the wall clock); every pass runs every variant."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, (function, items) in variants.items():
            began = time.process_time()
            for item in items:
                function(item)
            times[name].append(1000 * (time.process_time() - began) / len(items))
    return {name: float(np.median(values)) for name, values in times.items()}


def stage_profile(items: list[EnrolmentItem], data_dir: Path, repeats: int) -> dict[str, Any]:
    """Milliseconds per photo of each stage and of measured alternatives, one process."""
    pipeline = build_pipeline(Settings(data_dir=data_dir))
    payloads = [item.path.read_bytes() for item in items]
    images = [pipeline.decode(data) for data in payloads]
    chosen: list[tuple[np.ndarray, Detection]] = []
    rgb = RgbDetector(pipeline)
    agree = 0
    for image in images:
        try:
            detection = pipeline.enrolment_detection(image)
        except FaceError:
            continue
        chosen.append((image, detection))
        other = dominant_face(rgb.detect(image), image.shape[1], image.shape[0])
        agree += other is not None and other.box == detection.box
    faces = [pipeline.align(image, d) for image, d in chosen]
    card = pipeline.embedder.card
    flipped = dataclasses.replace(card, flip_average=True)
    plain = dataclasses.replace(card, flip_average=False)
    size = card.chip_size
    pipeline.embedder.embed(np.zeros((1, size, size, 3), dtype=np.uint8))

    def embed_with(which: ModelCard) -> Callable[[list[Face]], Any]:
        def run(group: list[Face]) -> Any:
            pipeline.embedder.card = which
            return pipeline.embed(group)

        return run

    variants: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {
        "decode": (pipeline.decode, payloads),
        "detect, as shipped (HOG on luminance)": (pipeline.detector.detect, images),
        "detect, HOG on RGB (before)": (rgb.detect, images),
        "align": (lambda pair: pipeline.align(*pair), chosen),
    }
    batches = (1, 16, 64)
    for flip, which in (("on", flipped), ("off", plain)):
        for batch in batches:
            groups = [faces[i : i + batch] for i in range(0, len(faces), batch)]
            variants[f"embed, batch {batch}, flip {flip}"] = (embed_with(which), groups)
    per_call = interleaved(variants, repeats)
    pipeline.embedder.card = card
    # An embed call takes a batch: spread its time over the faces in it.
    per_photo = {
        name: value * len(variants[name][1]) / len(faces) if name.startswith("embed") else value
        for name, value in per_call.items()
    }
    return {
        "ms_per_image": per_photo,
        "photos": len(images),
        "faces_chosen": len(chosen),
        "rgb_same_box_share": agree / max(len(chosen), 1),
    }
