"""The PyYAML loaders :func:`corridor._input.load_yaml` parses with: aliases refused, and
timestamps kept as text where a JSON Schema checks the file.

A module of its own so that PyYAML is imported only by a command that reads or writes YAML
(issue 14, defect 10: it was a tenth of the budget of every database read).
"""

from __future__ import annotations

from typing import Any

import yaml


class _NoAliasComposer:
    """Mixin for a PyYAML loader: anchors and aliases (``&a`` / ``*a``) are refused.

    An alias lets a few hundred bytes expand into gigabytes ("billion laughs"); no corridor
    file needs them, so refusing them outright is simpler and safer than capping expansion.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise AliasRefusedError(mark.line + 1)
        return super().compose_node(parent, index)  # type: ignore[misc]


class AliasRefusedError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class TextTimestampLoader(yaml.SafeLoader):
    """YAML whose timestamps stay text, so that a JSON Schema sees what JSON would give it
    (the plan, terms, scenario and movement files are validated against their schemas)."""


TextTimestampLoader.yaml_implicit_resolvers = {
    ch: [r for r in rs if r[0] != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_LOADERS: dict[tuple[type[Any] | None, bool], type[yaml.SafeLoader]] = {}


def safe_loader(base: type[Any] | None, *, timestamps_as_text: bool) -> type[yaml.SafeLoader]:
    """``base`` (PyYAML's SafeLoader by default, or :class:`TextTimestampLoader`) with
    aliases refused; one class per base, kept."""
    key = (base, timestamps_as_text)
    if key not in _LOADERS:
        _LOADERS[key] = _refusing_aliases(base, timestamps_as_text=timestamps_as_text)
    return _LOADERS[key]


def _refusing_aliases(base: type[Any] | None, *, timestamps_as_text: bool) -> type[yaml.SafeLoader]:
    if base is None:
        base = TextTimestampLoader if timestamps_as_text else yaml.SafeLoader
    elif timestamps_as_text:
        raise ValueError("give a loader or timestamps_as_text, not both")
    if not issubclass(base, yaml.SafeLoader):
        raise TypeError(f"{base.__name__} is not a PyYAML SafeLoader")
    if issubclass(base, _NoAliasComposer):
        return base
    return type(f"NoAlias{base.__name__}", (_NoAliasComposer, base), {})
