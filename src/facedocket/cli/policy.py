"""``facedocket policy``: the shipped packs, the rules of a day, differences, checks.

Nothing here changes state: a policy is read, explained and compared. A pack is named by
its id (``utah-2021``), a version of it by ``id@version`` (``virginia-2022@1.0``), and an
agency's own file by its path (``./agency.yaml``, also with ``@version``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from facedocket.cli.context import console, fail, settings
from facedocket.policy import Pack, Policy, PolicyError, list_packs, load_pack, load_pack_file
from facedocket.policy.explain import differences, explain, heading

app = typer.Typer(help="Policy packs: versions, rules, differences, checks.", no_args_is_help=True)

At = Annotated[
    datetime | None,
    typer.Option("--at", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD); default: today."),
]
_VERSIONED = re.compile(r"(.+)@([0-9]+(?:\.[0-9]+){0,3})")


def say(line: str) -> None:
    """A line as written: citations hold brackets, and ``:100:`` is a line number."""
    console.print(line, markup=False, highlight=False, emoji=False)


@app.command("list")
def list_command() -> None:
    """Every shipped pack, its versions, and the one in force today."""
    today = date.today()
    configured = settings().policy
    for pack in list_packs():
        current = pack.at(today)
        mark = "  (this deployment's policy)" if pack.id == configured else ""
        say(f"{pack.id}  {pack.latest.status}  {pack.latest.jurisdiction}{mark}")
        for version in pack.versions:
            until = version.effective_to or "no end date"
            here = "  <- in force today" if version is current else ""
            say(f"  {version.version}  {version.effective_from} to {until}{here}")


@app.command("show")
def show(
    pack: Annotated[str, typer.Argument(help="Pack id, id@version or a file.")],
    at: At = None,
) -> None:
    """Every rule of the version in force on a day, in plain words with its citation."""
    policy = _policy(pack, at.date() if at else None)
    for line in heading(policy):
        say(line)
    for rule in explain(policy):
        say(f"- {rule.name}: {rule.text}")
        say(f"    source: {rule.citation()}")


@app.command("diff")
def diff(
    first: Annotated[str, typer.Argument(help="Pack id, id@version or a file.")],
    second: Annotated[str, typer.Argument(help="Pack id, id@version or a file.")],
    at: At = None,
) -> None:
    """What differs between two packs, or two versions of one, rule by rule."""
    day = at.date() if at else None
    a, b = _policy(first, day), _policy(second, day)
    say(f"{a.id} {a.version} -> {b.id} {b.version}")
    found = differences(a, b)
    if not found:
        say("no difference in any rule")
    for change in found:
        say(f"- {change.name}")
        say(f"    {a.id} {a.version}: {change.before or '(no such rule)'}")
        say(f"    {b.id} {b.version}: {change.after or '(no such rule)'}")


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="An agency's policy file (YAML).")]) -> None:
    """Validate a policy file: every problem with its line and field, or what it holds."""
    try:
        pack = load_pack_file(file)
    except PolicyError as error:
        say(str(error))
        raise typer.Exit(1) from None
    say(f"{file}: valid: {pack.id}, {len(pack.versions)} version(s)")
    for version in pack.versions:
        say(f"  {version.version} from {version.effective_from}")


def _policy(name: str, day: date | None) -> Policy:
    versioned = _VERSIONED.fullmatch(name)
    reference, version = (versioned.group(1), versioned.group(2)) if versioned else (name, None)
    pack = _pack(reference)
    if version is not None:
        found = pack.version(version)
        if found is None:
            known = ", ".join(v.version for v in pack.versions)
            fail(f"{pack.id} has no version {version}; its versions: {known}")
        return found
    return pack.at(day or date.today())


def _pack(reference: str) -> Pack:
    try:
        if reference.endswith((".yaml", ".yml")) or "/" in reference:
            return load_pack_file(Path(reference))
        return load_pack(reference)
    except PolicyError as error:
        fail(str(error))
