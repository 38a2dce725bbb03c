"""Agreements: exact terms, their canonical digest, Ed25519 signatures, lifecycle, diff, bundles.

The package loads its modules on first use (PEP 562), as :mod:`corridor.store` does: the
bundle checks, the diff and the drafting code cost time to import, which ``corridor party
add`` (only :func:`load_public_key`) must not pay, and each agreement command pays only for
the modules it uses (issue 14, defect 10). The terms themselves are records
(:mod:`corridor._records`): reading them imports no pydantic.
``from corridor.agreements import X`` works as before and is type-checked through the
``TYPE_CHECKING`` block below.
"""

from __future__ import annotations

import typing as _typing

from corridor import _lazy

if _typing.TYPE_CHECKING:
    from corridor.agreements._bundle import (
        BUNDLE_FORMAT,
        BundleReport,
        attest_bundle,
        lifecycle_digest,
        make_bundle,
        read_bundle,
        verify_bundle,
    )
    from corridor.agreements._diff import diff_terms, human_duration, human_length
    from corridor.agreements._draft import (
        draft_terms,
        edges_from_geometry,
        read_route_geojson,
        route_from_geojson,
    )
    from corridor.agreements._keys import (
        KeyPair,
        generate_keypair,
        load_private_key,
        load_public_key,
        read_passphrase_file,
    )
    from corridor.agreements._lifecycle import Action, State, next_state, state_at
    from corridor.agreements._load import (
        SCHEMA_PATH,
        parse_terms_text,
        record_schema,
        schema_text,
        terms_from_data,
        terms_from_file,
        terms_from_store,
        terms_schema,
        terms_to_data,
        terms_to_yaml,
    )
    from corridor.agreements._signing import (
        AGREEMENT_DOMAIN,
        SUSPENSION_DOMAIN,
        SignatureStatus,
        canonical_bytes,
        in_force,
        lifecycle_message,
        public_key_b64,
        sign_digest,
        signature_statuses,
        signing_message,
        suspension_message,
        terms_digest,
        verify_digest,
        verify_message,
    )
    from corridor.agreements._terms import (
        LOCAL_TZ,
        Checkpoint,
        Contact,
        LineString,
        Party,
        Place,
        Route,
        RouteEdge,
        Terms,
        Vehicles,
        Window,
        cross_field_problems,
        haversine_m,
    )

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "AGREEMENT_DOMAIN": "corridor.agreements._signing",
    "Action": "corridor.agreements._lifecycle",
    "BUNDLE_FORMAT": "corridor.agreements._bundle",
    "BundleReport": "corridor.agreements._bundle",
    "Checkpoint": "corridor.agreements._terms",
    "Contact": "corridor.agreements._terms",
    "KeyPair": "corridor.agreements._keys",
    "LOCAL_TZ": "corridor.agreements._terms",
    "LineString": "corridor.agreements._terms",
    "Party": "corridor.agreements._terms",
    "Place": "corridor.agreements._terms",
    "Route": "corridor.agreements._terms",
    "RouteEdge": "corridor.agreements._terms",
    "SCHEMA_PATH": "corridor.agreements._load",
    "SUSPENSION_DOMAIN": "corridor.agreements._signing",
    "SignatureStatus": "corridor.agreements._signing",
    "State": "corridor.agreements._lifecycle",
    "Terms": "corridor.agreements._terms",
    "Vehicles": "corridor.agreements._terms",
    "Window": "corridor.agreements._terms",
    "attest_bundle": "corridor.agreements._bundle",
    "canonical_bytes": "corridor.agreements._signing",
    "cross_field_problems": "corridor.agreements._terms",
    "diff_terms": "corridor.agreements._diff",
    "draft_terms": "corridor.agreements._draft",
    "edges_from_geometry": "corridor.agreements._draft",
    "generate_keypair": "corridor.agreements._keys",
    "haversine_m": "corridor.agreements._terms",
    "human_duration": "corridor.agreements._diff",
    "human_length": "corridor.agreements._diff",
    "in_force": "corridor.agreements._signing",
    "lifecycle_digest": "corridor.agreements._bundle",
    "lifecycle_message": "corridor.agreements._signing",
    "load_private_key": "corridor.agreements._keys",
    "load_public_key": "corridor.agreements._keys",
    "make_bundle": "corridor.agreements._bundle",
    "next_state": "corridor.agreements._lifecycle",
    "parse_terms_text": "corridor.agreements._load",
    "public_key_b64": "corridor.agreements._signing",
    "read_bundle": "corridor.agreements._bundle",
    "record_schema": "corridor.agreements._load",
    "read_passphrase_file": "corridor.agreements._keys",
    "read_route_geojson": "corridor.agreements._draft",
    "route_from_geojson": "corridor.agreements._draft",
    "schema_text": "corridor.agreements._load",
    "sign_digest": "corridor.agreements._signing",
    "signature_statuses": "corridor.agreements._signing",
    "signing_message": "corridor.agreements._signing",
    "state_at": "corridor.agreements._lifecycle",
    "suspension_message": "corridor.agreements._signing",
    "terms_digest": "corridor.agreements._signing",
    "terms_from_data": "corridor.agreements._load",
    "terms_from_file": "corridor.agreements._load",
    "terms_from_store": "corridor.agreements._load",
    "terms_schema": "corridor.agreements._load",
    "terms_to_data": "corridor.agreements._load",
    "terms_to_yaml": "corridor.agreements._load",
    "verify_bundle": "corridor.agreements._bundle",
    "verify_digest": "corridor.agreements._signing",
    "verify_message": "corridor.agreements._signing",
}


__getattr__, __dir__ = _lazy.exports(__name__, _WHERE)


__all__ = [
    "AGREEMENT_DOMAIN",
    "BUNDLE_FORMAT",
    "LOCAL_TZ",
    "SCHEMA_PATH",
    "SUSPENSION_DOMAIN",
    "Action",
    "BundleReport",
    "Checkpoint",
    "Contact",
    "KeyPair",
    "LineString",
    "Party",
    "Place",
    "Route",
    "RouteEdge",
    "SignatureStatus",
    "State",
    "Terms",
    "Vehicles",
    "Window",
    "attest_bundle",
    "canonical_bytes",
    "cross_field_problems",
    "diff_terms",
    "draft_terms",
    "edges_from_geometry",
    "generate_keypair",
    "haversine_m",
    "human_duration",
    "human_length",
    "in_force",
    "lifecycle_digest",
    "lifecycle_message",
    "load_private_key",
    "load_public_key",
    "make_bundle",
    "next_state",
    "parse_terms_text",
    "public_key_b64",
    "read_bundle",
    "read_passphrase_file",
    "read_route_geojson",
    "record_schema",
    "route_from_geojson",
    "schema_text",
    "sign_digest",
    "signature_statuses",
    "signing_message",
    "state_at",
    "suspension_message",
    "terms_digest",
    "terms_from_data",
    "terms_from_file",
    "terms_from_store",
    "terms_schema",
    "terms_to_data",
    "terms_to_yaml",
    "verify_bundle",
    "verify_digest",
    "verify_message",
]
