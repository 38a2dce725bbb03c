"""The one exception tree of corridor; the CLI and API render these to one clear line.

::

    CorridorError
    ├── InputError (ValueError)              bad user input: the caller must fix something
    │   ├── OsmInputError                    an OSM extract that cannot be imported
    │   ├── NetworkFileError                 a saved network file that cannot be loaded
    │   ├── SnapError                        a point too far from any road
    │   ├── HazardInputError                 hazard rows/features that cannot be used
    │   ├── RouteError                       no route, or route options that make no sense
    │   ├── TermsError                       agreement terms that fail the schema
│   ├── PlanError                        a plan file or re-plan state that cannot be used
    │   ├── ScenarioError                    an ensemble scenario file that cannot be used
    │   ├── KeyFileError                     a key file that is missing, corrupt or mis-protected
    │   └── SignatureError                   a signature that does not verify
    ├── StateError (RuntimeError)            an action not allowed in the current state
    │   └── LifecycleError                   an invalid agreement transition
    ├── NotFoundError (LookupError)          an id that is not in the store
    └── StoreError (RuntimeError)            the database is unreachable or its schema is stale
        └── AuditError                       the audit chain does not verify

Every exception carries its context as keyword-only attributes so that renderers can show
*where* (path, line, feature id, field) as well as *what*.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AuditError",
    "CorridorError",
    "HazardInputError",
    "InputError",
    "KeyFileError",
    "LifecycleError",
    "NetworkFileError",
    "NotFoundError",
    "OsmInputError",
    "PlanError",
    "RouteError",
    "ScenarioError",
    "SignatureError",
    "SnapError",
    "StateError",
    "StoreError",
    "TermsError",
]


class CorridorError(Exception):
    """Root of every error corridor raises on purpose.

    ``hint`` says what the user can do about it; ``path``/``line``/``field``/``item`` say where.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        item: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.field = field
        self.item = item
        self.hint = hint

    def one_line(self) -> str:
        """The message a person reads: where, what, and what to do."""
        where = []
        if self.path is not None:
            where.append(str(self.path) + (f":{self.line}" if self.line is not None else ""))
        if self.item is not None:
            where.append(self.item)
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:
        return self.one_line()


class InputError(CorridorError, ValueError):
    """Input from a user or a file is wrong; fixing the input fixes the problem."""


class OsmInputError(InputError):
    """An OpenStreetMap extract is missing, unreadable, corrupt or has no roads."""


class NetworkFileError(InputError):
    """A saved network file is missing, corrupt, or of an unknown format version."""


class SnapError(InputError):
    """A coordinate is farther from the nearest road than the allowed distance."""


class HazardInputError(InputError):
    """Hazard records that cannot be used; ``problems`` lists each one."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.problems = problems or []


class RouteError(InputError):
    """No admissible route exists, or the routing options contradict each other."""


class PlanError(InputError):
    """A plan file or re-plan state that fails its schema; ``problems`` lists each one."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.problems = problems or []


class TermsError(InputError):
    """Agreement terms that fail validation; ``problems`` lists each field path and reason."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.problems = problems or []


class KeyFileError(InputError):
    """A key file that is missing, corrupt, wrongly protected or needs another passphrase."""


class SignatureError(InputError):
    """A signature that does not verify against the party's key and the terms' digest."""


class StateError(CorridorError, RuntimeError):
    """The action is not allowed in the current state of the object."""


class LifecycleError(StateError):
    """An agreement transition that its lifecycle does not allow."""


class NotFoundError(CorridorError, LookupError):
    """An id that is not in the store."""

    exit_code = 2


class StoreError(CorridorError, RuntimeError):
    """The database cannot be reached, or its schema does not match this version."""


class AuditError(StoreError):
    """The audit chain does not verify; ``sequence`` is the first bad entry."""

    def __init__(self, message: str, *, sequence: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.sequence = sequence


class ScenarioError(InputError):
    """An ensemble scenario file that fails its schema; ``problems`` lists each one."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.problems = problems or []
