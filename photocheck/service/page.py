"""The page for people at the counter and the booth: ``/`` and its files under ``/static/``.

Plain HTML, JavaScript and CSS from ``photocheck/static`` (no build step, nothing from another
server: it works on a closed network). The page itself needs no key — it is only code; every
photo it sends goes through the API (``/v1/check?annotate=``, ``/v1/crop``, ``/v1/trim``) with
the key typed into it, so it gets exactly the API's answers (401 without a key, 413 for a body
over the limit). Nothing on the page or here stores a photo.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

router = APIRouter()

# The files the page is made of, with their media types; nothing else is served from static/.
FILES = {"index.html": "text/html; charset=utf-8",
         "app.js": "text/javascript; charset=utf-8",
         "style.css": "text/css; charset=utf-8"}
# Only this server's own scripts, styles and API; pictures from data:/blob: URLs it made.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def static_file(name: str) -> bytes:
    """The bytes of one of the page's :data:`FILES` (read once from the package)."""
    return resources.files("photocheck").joinpath("static", name).read_bytes()


def _serve(name: str) -> Response:
    return Response(static_file(name), media_type=FILES[name], headers=SECURITY_HEADERS)


@router.get("/", include_in_schema=False)
async def page() -> Response:
    return _serve("index.html")


@router.get("/static/{name}", include_in_schema=False)
async def page_file(name: str) -> Response:
    if name not in FILES:
        raise HTTPException(404, "no such file")
    return _serve(name)
