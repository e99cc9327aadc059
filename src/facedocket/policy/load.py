"""Reading policy files: every mistake is an error naming the file and the field.

The shipped packs live in ``policy/packs/<id>.yaml``; an agency's own file is read with
``load_policy_file``. YAML's duplicate keys are refused (PyYAML would keep the last one
silently), and so is anything the schema in ``model`` does not allow.

Parsing and validating a pack takes about 10 ms, and every step of a case reads its pack.
The file is read each time and its parse is kept by its text, so a changed file is parsed
again; each caller gets its own deep copy (the models are frozen, their lists are not).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from facedocket.policy.model import Policy

PACKS = files("facedocket.policy") / "packs"
POLICY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_LOCATED = re.compile(r"([a-z_][a-z0-9_.]*): (.+)", re.DOTALL)


class PolicyError(ValueError):
    """A policy that cannot be used; ``problems`` holds (field, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(
            "\n".join(
                f"{source}: {field}: {message}" if field else f"{source}: {message}"
                for field, message in problems
            )
        )


def load_policy(policy_id: str) -> Policy:
    """The shipped policy pack called ``policy_id``, e.g. ``massachusetts``."""
    if not POLICY_ID.fullmatch(policy_id):
        raise PolicyError(repr(policy_id[:80]), [("", "not a policy id (a-z, 0-9 and '-')")])
    resource = PACKS / f"{policy_id}.yaml"
    if not resource.is_file():
        known = ", ".join(_pack_ids())
        raise PolicyError(policy_id, [("", f"no such policy pack; the packs are: {known}")])
    policy = _parse(resource.read_text(encoding="utf-8"), f"{policy_id}.yaml")
    if policy.id != policy_id:
        raise PolicyError(f"{policy_id}.yaml", [("id", f"is {policy.id!r}, not the file name")])
    return policy


def list_policies() -> list[Policy]:
    """Every shipped pack, by id."""
    return [load_policy(policy_id) for policy_id in _pack_ids()]


def load_policy_file(path: Path) -> Policy:
    """A policy from any YAML file, e.g. an agency's stricter version of a pack."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(path), [("", f"cannot be read: {error}")]) from None
    return _parse(text, str(path))


def _pack_ids() -> list[str]:
    return sorted(_stem(item) for item in PACKS.iterdir() if item.name.endswith(".yaml"))


def _stem(item: Traversable) -> str:
    return item.name.removesuffix(".yaml")


def _parse(text: str, source: str) -> Policy:
    return _parsed(text, source).model_copy(deep=True)


@lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> Policy:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise PolicyError(source, [(where, f"invalid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise PolicyError(source, [("", f"invalid YAML: {error}")]) from None
    if not isinstance(data, dict):
        raise PolicyError(source, [("", "a policy file is a YAML mapping of fields")])
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(source, [_problem(item) for item in error.errors()]) from None


def _problem(error: Any) -> tuple[str, str]:
    """A pydantic error as (dotted.field[index], message)."""
    field = ""
    for part in error["loc"]:
        if isinstance(part, int):
            field += f"[{part}]"
        elif part == "[key]":
            continue  # a bad mapping key: the key itself is already the last part
        else:
            field += f".{part}" if field else str(part)
    message = str(error["msg"]).removeprefix("Value error, ")
    located = _LOCATED.fullmatch(message)
    if not field and located:
        # A check across fields names the field it is about at the start of its message.
        field, message = located.group(1), located.group(2)
    if error["type"] == "extra_forbidden":
        message = "unknown field (not part of the policy schema)"
    elif error["type"] == "missing":
        message = "missing (every policy field must be written out)"
    return field, message


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice, and aliases.

    Aliases are refused because a policy should read top to bottom, and because nested
    aliases let a few lines expand into gigabytes.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed here", mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:
                break  # an unhashable key: SafeLoader's own check names it
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
