"""``facedocket demo``: one realistic court-ordered case, end to end, on the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facedocket.cli.context import console, fail, refusals, settings
from facedocket.cli.serve import run
from facedocket.demo import DemoError, demo_settings, run_demo, set_demo_passwords

DEFAULT_FACES = Path("../shared/data/faces")


def demo(
    faces: Annotated[
        Path | None,
        typer.Option(help="The development photo set (a folder holding lfw/).", show_default=False),
    ] = None,
    gallery_size: Annotated[int, typer.Option(min=1, help="People in the demo gallery.")] = 1000,
    serve: Annotated[
        bool, typer.Option(help="Then serve the web pages on 127.0.0.1:8000 to try every role.")
    ] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
) -> None:
    """Run a whole court-ordered case on demo data, then serve the pages to try every role."""
    folder = faces or (DEFAULT_FACES if (DEFAULT_FACES / "lfw").is_dir() else None)
    if folder is None or not (folder / "lfw").is_dir():
        fail(
            "the demo needs the development photo set: pass --faces /path/to/faces "
            "(the folder that holds lfw/, yale/, orl/ and pairs.tsv)",
            code=2,
        )
    config = demo_settings(settings())
    console.print(f"FaceDocket demo in {config.data_dir} (SQLite, FAISS exact index)\n")
    with refusals(DemoError):
        run_demo(folder, config, console.print, gallery_size)
    console.print(
        f"\nThe demo's database is {config.db_url}; try "
        f"`FACEDOCKET_DATA_DIR={config.data_dir} facedocket requests list --as det.rivera`"
    )
    if not serve:
        return
    console.print("\nDemo users (passwords are new on every run):")
    for username, (password, roles) in set_demo_passwords(config).items():
        console.print(f"  {username:16} {password}  ({', '.join(roles)})")
    console.print(f"\nSign in at http://127.0.0.1:{port}/login")
    run(config, "127.0.0.1", port)
