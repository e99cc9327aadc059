"""Reading policy files: every mistake is an error naming the file and the field.

The shipped packs live in ``policy/packs/<id>.yaml``; an agency's own file is read with
``load_pack_file``. YAML's duplicate keys are refused (PyYAML would keep the last one
silently), and so is anything the schema in ``model`` does not allow; ``build`` names
the line each problem is on.

Parsing and validating a pack takes about 10 ms, and every step of a case reads its pack.
The file is read each time and its parse is kept by its text, so a changed file is parsed
again; each caller gets its own deep copy (the models are frozen, their lists are not).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from facedocket.policy.build import Lines, build_pack
from facedocket.policy.errors import PolicyError
from facedocket.policy.model import Policy
from facedocket.policy.pack import Pack

PACKS = files("facedocket.policy") / "packs"
POLICY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def load_pack(pack_id: str) -> Pack:
    """The shipped pack called ``pack_id``, e.g. ``massachusetts``, every version."""
    if not POLICY_ID.fullmatch(pack_id):
        raise PolicyError(repr(pack_id[:80]), [("", "not a policy id (a-z, 0-9 and '-')")])
    resource = PACKS / f"{pack_id}.yaml"
    if not resource.is_file():
        known = ", ".join(_pack_ids())
        raise PolicyError(pack_id, [("", f"no such policy pack; the packs are: {known}")])
    pack = _parse(resource.read_text(encoding="utf-8"), f"{pack_id}.yaml")
    if pack.id != pack_id:
        raise PolicyError(f"{pack_id}.yaml", [("id", f"is {pack.id!r}, not the file name")])
    return pack


def load_policy(pack_id: str, at: datetime | date | None = None) -> Policy:
    """The version of a shipped pack in force ``at`` a moment; None: its newest version.

    A decision passes the moment it is made: the law of that day applies.
    """
    pack = load_pack(pack_id)
    return pack.latest if at is None else pack.at(at)


def list_packs() -> list[Pack]:
    """Every shipped pack, by id."""
    return [load_pack(pack_id) for pack_id in _pack_ids()]


def list_policies() -> list[Policy]:
    """The newest version of every shipped pack, by id."""
    return [pack.latest for pack in list_packs()]


def load_pack_file(path: Path) -> Pack:
    """A pack from any YAML file, e.g. an agency's stricter version of a shipped one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(path), [("", f"cannot be read: {error}")]) from None
    return _parse(text, str(path))


def load_policy_file(path: Path) -> Policy:
    """The newest version of the pack in a YAML file."""
    return load_pack_file(path).latest


def _pack_ids() -> list[str]:
    return sorted(_stem(item) for item in PACKS.iterdir() if item.name.endswith(".yaml"))


def _stem(item: Traversable) -> str:
    return item.name.removesuffix(".yaml")


def _parse(text: str, source: str) -> Pack:
    pack = _parsed(text, source)
    return Pack(tuple(policy.model_copy(deep=True) for policy in pack.versions))


@lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> Pack:
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise PolicyError(source, [(where, f"invalid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise PolicyError(source, [("", f"invalid YAML: {error}")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or root is None:
        raise PolicyError(source, [("", "a policy file is a YAML mapping of fields")])
    return build_pack(data, Lines(root), source)


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
