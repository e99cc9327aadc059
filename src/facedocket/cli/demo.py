"""``facedocket demo``: one realistic court-ordered case, end to end, on the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facedocket.cli.context import console, fail, settings
from facedocket.demo import demo_settings, run_demo

DEFAULT_FACES = Path("../shared/data/faces")


def demo(
    faces: Annotated[
        Path | None,
        typer.Option(help="The development photo set (a folder holding lfw/).", show_default=False),
    ] = None,
    gallery_size: Annotated[int, typer.Option(help="People in the demo gallery.")] = 1000,
) -> None:
    """Enrol a gallery, then take a court-ordered request through search, review and audit."""
    folder = faces or (DEFAULT_FACES if (DEFAULT_FACES / "lfw").is_dir() else None)
    if folder is None or not (folder / "lfw").is_dir():
        fail(
            "the demo needs the development photo set: pass --faces /path/to/faces "
            "(the folder that holds lfw/, yale/, orl/ and pairs.tsv)",
            code=2,
        )
    config = demo_settings(settings())
    console.print(f"FaceDocket demo in {config.data_dir} (SQLite, FAISS exact index)\n")
    run_demo(folder, config, console.print, gallery_size)
    console.print(
        f"\nThe demo's database is {config.db_url}; try "
        f"`FACEDOCKET_DATA_DIR={config.data_dir} facedocket requests list --as det.rivera`"
    )
