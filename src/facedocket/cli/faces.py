"""``facedocket faces``: look at one photo's faces, or compare two photos (1:1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from facedocket.cli.context import console, refusals, sessions, settings
from facedocket.faces.errors import FaceError
from facedocket.faces.registry import build_pipeline
from facedocket.governance.comparisons import compare_photos
from facedocket.operator import OPERATOR_ROLE, operator
from facedocket.store.db import transaction

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
    """Compare one face in each photo (1:1) and say whether they are similar enough to review.

    Each comparison is an audit entry naming the operator, both photos' SHA-256 and the score.
    """
    config = settings()
    pipeline = build_pipeline(config)
    with refusals(FaceError), transaction(sessions()) as session:
        result = compare_photos(
            session,
            config,
            pipeline,
            (operator(), OPERATOR_ROLE),
            (photo_a.read_bytes(), photo_b.read_bytes()),
            (face_a, face_b),
        )
    verdict = "similar: worth an examiner's review" if result.similar else "not similar"
    console.print(
        f"similarity {result.score:.4f} (threshold {result.threshold:.3f}, model "
        f"{result.model}): {verdict}"
    )
    console.print(f"recorded as audit entry {result.entry}")
    console.print("A similarity score is an investigative lead, never an identification.")
