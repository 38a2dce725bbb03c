"""Lifecycle: each transition allowed or refused, and the state seen at time t across windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from corridor.agreements import Action, State, Window, next_state, state_at
from corridor.errors import LifecycleError

T0 = datetime(2030, 3, 1, 6, tzinfo=UTC)
WINDOWS = [
    Window(start_utc=T0, end_utc=T0 + timedelta(hours=4)),
    Window(start_utc=T0 + timedelta(hours=8), end_utc=T0 + timedelta(hours=12)),
]
BEFORE = T0 - timedelta(days=1)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (-1, State.AGREED),
        (0, State.OPEN),
        (3.99, State.OPEN),
        (4, State.AGREED),
        (6, State.AGREED),
        (8, State.OPEN),
        (11.5, State.OPEN),
        (12, State.CLOSED),
        (100, State.CLOSED),
    ],
)
def test_state_at_follows_windows(hours: float, expected: State) -> None:
    assert state_at(State.AGREED, WINDOWS, T0 + timedelta(hours=hours)) is expected


@pytest.mark.parametrize("stored", [State.PROPOSED, State.SUSPENDED, State.CLOSED])
def test_windows_do_not_open_unagreed(stored: State) -> None:
    assert state_at(stored, WINDOWS, T0 + timedelta(hours=1)) is stored


ALLOWED = [
    (State.DRAFT, Action.PROPOSE, False, State.PROPOSED),
    (State.PROPOSED, Action.SIGN, False, State.PROPOSED),
    (State.PROPOSED, Action.SIGN, True, State.AGREED),
    (State.PROPOSED, Action.PROPOSE, False, State.PROPOSED),
    (State.PROPOSED, Action.CLOSE, False, State.CLOSED),
    (State.AGREED, Action.SUSPEND, False, State.SUSPENDED),
    (State.AGREED, Action.CLOSE, False, State.CLOSED),
    (State.AGREED, Action.PROPOSE, False, State.PROPOSED),
    (State.SUSPENDED, Action.PROPOSE, False, State.PROPOSED),
    (State.SUSPENDED, Action.CLOSE, False, State.CLOSED),
]


@pytest.mark.parametrize(("stored", "action", "all_signed", "after"), ALLOWED)
def test_allowed(stored: State, action: Action, all_signed: bool, after: State) -> None:
    assert (
        next_state(stored, action, windows=WINDOWS, at_utc=BEFORE, all_signed=all_signed) is after
    )


DENIED = [
    (State.DRAFT, Action.SIGN),
    (State.DRAFT, Action.SUSPEND),
    (State.DRAFT, Action.CLOSE),
    (State.PROPOSED, Action.SUSPEND),
    (State.AGREED, Action.SIGN),
    (State.SUSPENDED, Action.SIGN),
    (State.SUSPENDED, Action.SUSPEND),
    (State.CLOSED, Action.PROPOSE),
    (State.CLOSED, Action.SIGN),
    (State.CLOSED, Action.SUSPEND),
    (State.CLOSED, Action.CLOSE),
]


@pytest.mark.parametrize(("stored", "action"), DENIED)
def test_denied(stored: State, action: Action) -> None:
    with pytest.raises(LifecycleError, match=f"cannot {action.value}"):
        next_state(stored, action, windows=WINDOWS, at_utc=BEFORE)


def test_suspend_while_open_and_closed_after_last_window() -> None:
    inside = T0 + timedelta(hours=1)
    after = next_state(State.AGREED, Action.SUSPEND, windows=WINDOWS, at_utc=inside)
    assert after is State.SUSPENDED
    with pytest.raises(LifecycleError, match="last window has ended"):
        next_state(State.AGREED, Action.SUSPEND, windows=WINDOWS, at_utc=T0 + timedelta(days=2))


def test_new_windows_may_follow_a_time_closed_agreement() -> None:
    after_all = T0 + timedelta(days=2)
    assert state_at(State.AGREED, WINDOWS, after_all) is State.CLOSED
    assert next_state(State.AGREED, Action.PROPOSE, windows=WINDOWS, at_utc=after_all) is (
        State.PROPOSED
    )
    assert next_state(State.AGREED, Action.CLOSE, windows=WINDOWS, at_utc=after_all) is (
        State.CLOSED
    )
    with pytest.raises(LifecycleError, match="last window has ended"):
        next_state(State.AGREED, Action.SUSPEND, windows=WINDOWS, at_utc=after_all)


def test_signing_after_a_window_ended_is_refused() -> None:
    with pytest.raises(LifecycleError, match="window 1 has already ended"):
        next_state(State.PROPOSED, Action.SIGN, windows=WINDOWS, at_utc=T0 + timedelta(hours=5))
    inside_first = T0 + timedelta(hours=1)
    assert (
        next_state(
            State.PROPOSED, Action.SIGN, windows=WINDOWS, at_utc=inside_first, all_signed=True
        )
        is State.AGREED
    )
