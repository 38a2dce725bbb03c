"""The agreement lifecycle: stored states, allowed actions, and the state as seen at time t.

::

    draft --propose--> proposed --last valid signature--> agreed <--windows--> open
                          ^                                  |                  |
                          |                                  +---- suspend -----+--> suspended
                          +-- propose (a new version) from proposed, agreed, open or suspended
        close: from proposed, agreed, open or suspended --> closed (final)

``open`` is never stored: an agreed agreement *is* open while ``at_utc`` is inside a window,
waits as agreed between windows, and reads as closed once its last window has ended (a new
version with new windows may still be proposed then; an explicit close is final).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from corridor.errors import LifecycleError

if TYPE_CHECKING:
    from corridor.agreements._terms import Window


class State(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Action(StrEnum):
    PROPOSE = "propose"  # a first or a new version (old signatures stay with the old digest)
    SIGN = "sign"
    SUSPEND = "suspend"
    CLOSE = "close"


# Effective state -> actions allowed in it. "sign" keeps proposed until the last party signs.
_ALLOWED: dict[State, frozenset[Action]] = {
    State.DRAFT: frozenset({Action.PROPOSE}),
    State.PROPOSED: frozenset({Action.PROPOSE, Action.SIGN, Action.CLOSE}),
    State.AGREED: frozenset({Action.PROPOSE, Action.SUSPEND, Action.CLOSE}),
    State.OPEN: frozenset({Action.PROPOSE, Action.SUSPEND, Action.CLOSE}),
    State.SUSPENDED: frozenset({Action.PROPOSE, Action.CLOSE}),
    State.CLOSED: frozenset(),
}

_WHY = {
    (State.AGREED, Action.SIGN): "every party has already signed this version",
    (State.OPEN, Action.SIGN): "every party has already signed this version",
    (State.SUSPENDED, Action.SIGN): "it is suspended; propose a new version to resume",
    (State.PROPOSED, Action.SUSPEND): "only an agreed agreement can be suspended",
    (State.DRAFT, Action.SIGN): "propose the terms before signing",
}


def _require_utc(at_utc: datetime) -> None:
    if at_utc.tzinfo is None:
        raise ValueError("at_utc must be timezone-aware")


def state_at(stored: State, windows: Sequence[Window], at_utc: datetime) -> State:
    """The state a person sees at ``at_utc``: windows turn stored ``agreed`` into open/closed."""
    _require_utc(at_utc)
    if stored is not State.AGREED or not windows:
        return stored
    if any(w.contains(at_utc) for w in windows):
        return State.OPEN
    if at_utc >= max(w.end_utc for w in windows):
        return State.CLOSED
    return State.AGREED


def next_state(
    stored: State,
    action: Action,
    *,
    windows: Sequence[Window],
    at_utc: datetime,
    all_signed: bool = False,
) -> State:
    """The stored state after ``action`` at ``at_utc``; LifecycleError if it is not allowed.

    ``all_signed`` says whether, after a signature, every party has a valid one.
    """
    seen = state_at(stored, windows, at_utc)
    if action in (Action.PROPOSE, Action.CLOSE) and seen is State.CLOSED:
        seen = stored  # windows over but not closed for good: renew, or close it on record
    if action not in _ALLOWED[seen]:
        why = _WHY.get((seen, action), "")
        if seen is State.CLOSED:
            why = "it is closed" if stored is State.CLOSED else "its last window has ended"
        text = f"cannot {action.value} an agreement that is {seen.value}"
        raise LifecycleError(text + (f": {why}" if why else ""))
    if action is Action.SIGN:
        ended = [i for i, w in enumerate(windows) if w.end_utc <= at_utc]
        if ended:
            nums = ", ".join(str(i + 1) for i in ended)
            raise LifecycleError(
                f"window {nums} has already ended; signing would agree to a past window",
                hint="propose a new version with future windows",
            )
        return State.AGREED if all_signed else State.PROPOSED
    return {
        Action.PROPOSE: State.PROPOSED,
        Action.SUSPEND: State.SUSPENDED,
        Action.CLOSE: State.CLOSED,
    }[action]
