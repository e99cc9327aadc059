"""``facedocket faces``: look at one photo's faces, or compare two photos (1:1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from facedocket.cli.context import console, refusals, settings
from facedocket.faces.errors import FaceError
from facedocket.faces.registry import build_pipeline

app = typer.Typer(help="Detect faces in a photo and compare two photos.", no_args_is_help=True)

PhotoPath = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


@app.command()
def detect(
    photo: PhotoPath,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every face in PHOTO with its box and quality, best detector score first."""
    with refusals(FaceError):
        found = build_pipeline(settings()).find_faces(photo.read_bytes(), thorough=True)
    rows = [
        {"face": face.index, "box": face.detection.box.as_dict(), **face.quality.as_dict()}
        for face in found.faces
    ]
    if as_json:
        console.print_json(
            json.dumps({"width": found.width, "height": found.height, "faces": rows})
        )
        return
    table = Table(title=f"{photo.name}: {found.width}x{found.height}, {len(rows)} face(s)")
    columns = ("face", "box", "eye_distance", "blur", "roll", "yaw", "detector_score")
    for column in columns:
        table.add_column(column)
    for face in found.faces:
        box = face.detection.box
        cells = {"face": face.index, "box": f"{box.left},{box.top}-{box.right},{box.bottom}"}
        cells.update(face.quality.as_dict())
        table.add_row(*(str(cells[column]) for column in columns))
    console.print(table)


@app.command()
def compare(
    photo_a: PhotoPath,
    photo_b: PhotoPath,
    face_a: Annotated[int | None, typer.Option(help="Face of PHOTO_A, if it has several.")] = None,
    face_b: Annotated[int | None, typer.Option(help="Face of PHOTO_B, if it has several.")] = None,
) -> None:
    """Compare one face in each photo (1:1) and say whether they are similar enough to review."""
    config = settings()
    pipeline = build_pipeline(config)
    with refusals(FaceError):
        _, first = pipeline.probe_face(photo_a.read_bytes(), face_a)
        _, second = pipeline.probe_face(photo_b.read_bytes(), face_b)
    vectors = pipeline.embed([first, second], probe=True)
    score = float(np.dot(vectors[0], vectors[1]))
    threshold = config.match_threshold or pipeline.embedder.card.threshold
    verdict = "similar: worth an examiner's review" if score >= threshold else "not similar"
    console.print(
        f"similarity {score:.4f} (threshold {threshold:.3f}, model "
        f"{pipeline.embedder.card.name}): {verdict}"
    )
    console.print("A similarity score is an investigative lead, never an identification.")
