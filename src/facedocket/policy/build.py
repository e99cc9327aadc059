"""A pack file's data made into its versions, every problem named by field and line.

An agency writes its own pack and fixes it from the errors alone, so each problem says
where it is in the file as written: ``versions[1].changes.bases.warrant.searches.max``
at line 40, even when a later version inherits the rule from an earlier one (the error
then points at the line that wrote it).
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import timedelta
from typing import Any

import yaml
from pydantic import ValidationError

from facedocket.policy.errors import PolicyError
from facedocket.policy.model import Policy
from facedocket.policy.pack import HEADER, VERSION, Pack, PackFile, version_key

Path = tuple[str | int, ...]
_LOCATED = re.compile(r"([a-z_][a-z0-9_.\[\]]*): (.+)", re.DOTALL)
_PART = re.compile(r"([a-z0-9_]+)|\[([0-9]+)\]")


class Lines:
    """Line numbers of a composed YAML document, by path of keys and indexes."""

    def __init__(self, root: yaml.Node) -> None:
        self.root = root

    def _walk(self, path: Path) -> tuple[yaml.Node, bool]:
        node = self.root
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if 0 <= part < len(node.value) else None
            if child is None:
                return node, False
            node = child
        return node, True

    def has(self, path: Path) -> bool:
        return self._walk(path)[1]

    def line(self, path: Path) -> int:
        """The line of ``path``, or of the nearest enclosing node written (a missing field
        is reported where its mapping is)."""
        node, _ = self._walk(path)
        return int(node.start_mark.line) + 1


def build_pack(data: dict[str, Any], lines: Lines, source: str) -> Pack:
    try:
        written = PackFile.model_validate(data)
    except ValidationError as error:
        raise _refuse(source, lines, [problem(item) for item in error.errors()]) from None
    header = {key: data[key] for key in HEADER}
    problems: list[tuple[Path, str]] = []
    policies: list[Policy] = []
    rules: dict[str, Any] = {}
    blocks: list[Path] = []
    for index, version in enumerate(written.versions):
        if version.rules is not None:
            blocks.append(("versions", index, "rules"))
            rules = copy.deepcopy(version.rules)
        else:
            blocks.append(("versions", index, "changes"))
            rules = merged(rules, version.changes or {})
        fields = {
            **header,
            "version": version.version,
            "effective_from": version.effective_from,
            "effective_to": version.effective_to,
            **rules,
        }
        try:
            policies.append(Policy.model_validate(fields))
        except ValidationError as error:
            for item in error.errors():
                path, message = problem(item)
                found = (_in_file(path, index, blocks, lines), message)
                # A later version inherits an earlier one's mistake: name it once.
                if found not in problems:
                    problems.append(found)
    if not problems:
        problems = _sequence_problems(policies)
    if problems:
        raise _refuse(source, lines, problems)
    return Pack(tuple(policies))


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes``: mappings merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _sequence_problems(policies: list[Policy]) -> list[tuple[Path, str]]:
    """Versions follow each other: numbers and dates rise, and each ends the day before
    the next begins (a gap would leave days under no law, an overlap days under two)."""
    problems: list[tuple[Path, str]] = []
    for index, (this, after) in enumerate(itertools.pairwise(policies), start=1):
        if version_key(after.version) <= version_key(this.version):
            problems.append(
                (("versions", index, "version"), f"{after.version} does not follow {this.version}")
            )
        if after.effective_from <= this.effective_from:
            problems.append(
                (
                    ("versions", index, "effective_from"),
                    f"{after.effective_from} is not after the previous version's "
                    f"{this.effective_from}",
                )
            )
        elif this.effective_to != after.effective_from - timedelta(days=1):
            problems.append(
                (
                    ("versions", index - 1, "effective_to"),
                    f"is {this.effective_to}, but version {after.version} takes effect on "
                    f"{after.effective_from}: this one ends on "
                    f"{after.effective_from - timedelta(days=1)}",
                )
            )
    return problems


def _in_file(path: Path, index: int, blocks: list[Path], lines: Lines) -> Path:
    """Where a problem of version ``index``'s rules is written in the file."""
    if not path:
        return ("versions", index)
    if path[0] in HEADER:
        return path
    if path[0] in VERSION:
        return ("versions", index, *path)
    for block in reversed(blocks[: index + 1]):
        if lines.has(block + path):
            return block + path
    return blocks[index] + path


def _refuse(source: str, lines: Lines, problems: list[tuple[Path, str]]) -> PolicyError:
    return PolicyError(
        source,
        [(dotted(path), message) for path, message in problems],
        [lines.line(path) for path, _ in problems],
    )


def dotted(path: Path) -> str:
    field = ""
    for part in path:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += f".{part}" if field else part
    return field


def problem(error: Any) -> tuple[Path, str]:
    """A pydantic error as (path, message)."""
    # A bad mapping key: the key itself is already the last part.
    path: Path = tuple(part for part in error["loc"] if part != "[key]")
    message = str(error["msg"]).removeprefix("Value error, ")
    located = _LOCATED.fullmatch(message)
    if not path and located:
        # A check across fields names the field it is about at the start of its message.
        path = tuple(int(index) if index else key for key, index in _PART.findall(located.group(1)))
        message = located.group(2)
    if error["type"] == "extra_forbidden":
        message = "unknown field (not part of the policy schema)"
    elif error["type"] == "missing":
        message = "missing (every policy field must be written out)"
    return path, message
