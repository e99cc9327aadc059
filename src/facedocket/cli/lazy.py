"""The top-level command group, which imports a sub-command's module only when it runs.

Each module pulls in the part of the library it drives (the database, the face pipeline,
PDF writing, the web service); importing them all made ``facedocket --help`` take seconds.
The root's help lists every sub-command from the one-line help kept beside its module's
name, so it loads none of them; ``facedocket requests list`` loads ``cli.requests`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo


@dataclass(frozen=True)
class Lazy:
    """A sub-command: ``module:attribute`` under ``facedocket.cli``, a Typer app (a group)
    or a command function."""

    target: str
    help: str

    def load(self, name: str) -> Any:
        module, attribute = self.target.split(":")
        found = getattr(import_module(f"facedocket.cli.{module}"), attribute)
        if isinstance(found, typer.Typer):
            return get_group(found)
        return get_command_from_info(
            CommandInfo(name=name, callback=found),
            pretty_exceptions_short=True,
            rich_markup_mode=None,
        )


class Placeholder(TyperCommand):
    """What the root's help lists; running it runs the real command, loaded then."""

    def __init__(self, name: str, lazy: Lazy, group: LazyGroup) -> None:
        super().__init__(name=name, help=lazy.help)
        self._group = group

    def make_context(self, info_name: str | None, args: list[str], *a: Any, **kw: Any) -> Any:
        real = self._group.loaded(self.name or "")
        return real.make_context(info_name, args, *a, **kw)


class LazyGroup(TyperGroup):
    """``SUBCOMMANDS`` of the class, each loaded on first use."""

    SUBCOMMANDS: dict[str, Lazy] = {}  # noqa: RUF012 - set once per subclass, never mutated

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: dict[str, Any] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.SUBCOMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        lazy = self.SUBCOMMANDS.get(cmd_name)
        if lazy is None:
            return None
        return self._loaded.get(cmd_name) or Placeholder(cmd_name, lazy, self)

    def loaded(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self.SUBCOMMANDS[name].load(name)
        return self._loaded[name]

    @property  # type: ignore[override]
    def commands(self) -> dict[str, Any]:
        """Every sub-command, loaded: for a caller that walks the whole tree."""
        return {name: self.loaded(name) for name in self.SUBCOMMANDS}

    @commands.setter
    def commands(self, _value: dict[str, Any]) -> None:
        """Typer hands the group its registered commands; the root has none of its own."""
