"""Random edits of real documents, for tests that hold a fast check to a slower oracle.

A value replaced by any JSON value or by a near miss the caller names, a key dropped, a key
added: what a careless or hostile writer does to a terms file or a hazard record.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st


def json_values(*, with_nan: bool) -> st.SearchStrategy[Any]:
    """Any JSON-shaped value (with NaN and infinities when the parser lets them through)."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**70), 2**70)
        | st.floats(allow_nan=with_nan, allow_infinity=with_nan)
        | st.text(max_size=12),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=6,
    )


def paths(node: Any, prefix: list[Any] | None = None) -> list[list[Any]]:
    """Every key path in ``node`` (lists: their first three items, enough for a long route)."""
    prefix = prefix or []
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(paths(value, [*prefix, key]))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            out.extend(paths(value, [*prefix, i]))
    return out


def mutate(
    data: Any,
    draw: Any,
    near_miss: Callable[[Any], st.SearchStrategy[Any]],
    values: st.SearchStrategy[Any],
) -> Any:
    """``data`` with one edit drawn: a value replaced (twice as likely), dropped, or a key
    added to a mapping."""
    new = copy.deepcopy(data)
    path = draw(st.sampled_from(paths(new)[1:]))
    parent: Any = new
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
    if action == "drop":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][draw(st.text(min_size=1, max_size=8))] = draw(values)
    else:
        parent[last] = draw(near_miss(parent[last]))
    return new
