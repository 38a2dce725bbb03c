"""Networks known to the store: a network file's hash, where it is, and its size."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from corridor._files import sha256_file
from corridor.errors import NotFoundError
from corridor.store._audit import record
from corridor.store._tables import NetworkRow


def register_network(
    session: Session, path: str | Path, *, actor: str, name: str | None = None
) -> NetworkRow:
    """Record a network file (written by ``corridor network import``) and audit it.

    Registering the same file contents again returns the existing row and writes nothing.
    Raises NetworkFileError for a file that is not a network.
    """
    from corridor.network import read_network_header  # the network stack only when needed

    file = Path(path).resolve()
    header = read_network_header(file)
    sha = sha256_file(file)
    existing = session.scalars(select(NetworkRow).where(NetworkRow.sha256 == sha)).first()
    if existing is not None:
        return existing
    arrays = header.get("arrays", {})
    meta = header.get("meta", {})
    row = NetworkRow(
        name=name or file.stem,
        sha256=sha,
        path=str(file),
        profile=str(meta.get("profile", "")),
        nodes=int(arrays["node_lat"]["shape"][0]),
        edges=int(arrays["edge_source"]["shape"][0]),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="network.imported",
        payload={
            "id": row.id,
            "name": row.name,
            "sha256": sha,
            "path": row.path,
            "profile": row.profile,
            "nodes": row.nodes,
            "edges": row.edges,
            "source_sha256": meta.get("source_sha256"),
        },
    )
    return row


def list_networks(session: Session) -> list[NetworkRow]:
    return list(session.scalars(select(NetworkRow).order_by(NetworkRow.id)))


#: The largest value of an INTEGER id column (4 bytes on PostgreSQL).
MAX_ID = 2**31 - 1


def get_network(session: Session, ref: str | int) -> NetworkRow:
    """A network by id, name, or SHA-256 (a unique prefix of at least 8 hex digits will do)."""
    text = str(ref)
    clauses = [NetworkRow.name == text, NetworkRow.sha256 == text]
    # An id only if it can be one: an all-digit SHA prefix beyond the integer column made
    # PostgreSQL refuse the whole query, and "²" is a digit to str.isdigit but not to int.
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        clauses.append(NetworkRow.id == int(text))
    if len(text) >= 8 and all(c in "0123456789abcdef" for c in text):
        clauses.append(NetworkRow.sha256.startswith(text))
    rows = list(session.scalars(select(NetworkRow).where(or_(*clauses))))
    if len(rows) != 1:
        what = "no network" if not rows else f"{len(rows)} networks"
        raise NotFoundError(f"{what} match {text!r}", hint="give a network id, name or SHA-256")
    return rows[0]
