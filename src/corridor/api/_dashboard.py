"""The offline web dashboard (issue 12): its page at `/` and its bundle under `/assets/`.

The bundle is built from web/ by scripts/build-web.sh and shipped in the package, so a served
dashboard never reaches the internet. The page asks for an API token itself; the API's own
routes still check it. The headers forbid inline scripts and any third-party origin.
"""

from __future__ import annotations

import json
import math

from fastapi import APIRouter
from fastapi.responses import Response

from corridor.api._problems import ApiError

router = APIRouter(tags=["dashboard"], include_in_schema=False)

#: Everything from this origin only; no inline script or style element; no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_TYPES = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}


def _read(name: str) -> bytes:
    from corridor.web import STATIC_DIR

    path = STATIC_DIR / name
    if not path.is_file():
        raise ApiError(
            404,
            f"the dashboard bundle has no {name!r}; rebuild it with scripts/build-web.sh",
        )
    return path.read_bytes()


@router.get("/", name="dashboard.page")
def page() -> Response:
    return Response(
        _read("index.html"),
        media_type="text/html; charset=utf-8",
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/assets/i18n/{lang}.json", name="dashboard.catalog")
def catalog(lang: str) -> Response:
    """The dashboard's translations into ``lang`` (uk, ru, en; msgid -> msgstr): the entries
    with context "dashboard" of the one gettext catalogue per language that the notices read
    too (corridor._catalogs)."""
    from corridor.web import LANGUAGES, ui_catalog

    if lang not in LANGUAGES:
        raise ApiError(404, f"no dashboard translation for {lang!r}; have {sorted(LANGUAGES)}")
    return Response(
        json.dumps(ui_catalog(lang), ensure_ascii=False, sort_keys=True).encode(),
        media_type="application/json",
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/assets/hazard-kinds.json", name="dashboard.hazard_kinds")
def hazard_kinds() -> Response:
    """Each hazard kind's defaults (the stored Feature leaves them out when not overridden),
    so that the time slider fades a hazard with the same half-life the router uses.
    ``half_life_h`` is null for kinds that do not decay."""
    from corridor.hazards import KIND_DEFAULTS

    kinds = {
        str(kind.value): {
            "half_life_h": None if math.isinf(d.half_life_h) else d.half_life_h,
            "severity": d.severity,
            "confidence": d.confidence,
            "radius_m": d.radius_m,
            "closes": d.closes,
        }
        for kind, d in KIND_DEFAULTS.items()
    }
    return Response(
        json.dumps(kinds, sort_keys=True).encode(),
        media_type="application/json",
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/assets/{name}", name="dashboard.asset")
def asset(name: str) -> Response:
    """Only the bundle's own files: the name is looked up, never joined into a path."""
    media = _TYPES.get(name)
    if media is None:
        raise ApiError(404, f"no dashboard asset named {name!r}")
    return Response(
        _read(name),
        media_type=media,
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )
