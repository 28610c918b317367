"""OpenAPI documentation of the endpoints: request bodies, errors, and the report schema.

The report's schema is ``photocheck/report_schema.json`` itself (the one the CLI's JSON output
is tested against), placed once under ``components/schemas/Report`` (its references rebased
there), so the two cannot drift.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI

from photocheck.exceptions import VALID as VALID_EXCEPTIONS
from photocheck.profiles import BUILTIN
from photocheck.service.uploads import MULTIPART

REPORT = "Report"
REPORT_JSON: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{REPORT}"}}

PROFILE_DOC = "Profile: " + ", ".join(BUILTIN) + " (default: the server's default profile)"
EXCEPTION_DOC = ("Declared exception, repeatable or comma-separated: "
                 + ", ".join(VALID_EXCEPTIONS))
DATE_DOC = "Application date YYYY-MM-DD"
ANNOTATE_DOC = ("Also draw the report on the photo (`ja` or `en` labels): the answer then has "
                "`annotation` = {lang, media_type: image/png, base64} — the picture "
                "`photocheck check --annotate` writes — or null when the photo cannot be drawn")
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
PHOTO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The photo: a multipart form with a `photo` file field (and optionally "
                       "`profile`, `exception`, `applied_on` fields), or the JPEG bytes as the "
                       "body with Content-Type image/jpeg or application/octet-stream.",
        "content": {
            MULTIPART: {"schema": {
                "type": "object", "required": ["photo"],
                "properties": {
                    "photo": {"type": "string", "format": "binary"},
                    "profile": {"type": "string"},
                    "exception": {"type": "array", "items": {"type": "string"}},
                    "applied_on": {"type": "string", "format": "date"},
                }}},
            "image/jpeg": BINARY,
            "application/octet-stream": BINARY,
        },
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed multipart body"},
    401: {"description": "Missing or invalid API key"},
    413: {"description": "Body over the size limit (refused before it is read in full)"},
    415: {"description": "Unsupported Content-Type"},
    422: {"description": "Bad parameter: unknown profile or exception, bad date"},
    503: {"description": "Worker pool and queue full; retry after Retry-After seconds"},
    504: {"description": "The per-request time limit passed"},
}


@cache
def _report_schema_text() -> str:
    return resources.files("photocheck").joinpath("report_schema.json").read_text("utf-8")


def report_schema() -> dict[str, Any]:
    """The report's JSON schema, as in ``photocheck/report_schema.json`` (a fresh copy)."""
    return json.loads(_report_schema_text())  # type: ignore[no-any-return]


def report_component() -> dict[str, Any]:
    """The report schema as placed in the OpenAPI document (``components/schemas/Report``).

    The file's own ``$id`` is left out and its ``#/$defs/…`` references are rebased onto the
    component's place: OpenAPI tools resolve references against the document, not the ``$id``.
    """
    schema = report_schema()
    schema.pop("$id", None)
    return _rebase_refs(schema, f"#/components/schemas/{REPORT}")  # type: ignore[no-any-return]


def _rebase_refs(node: Any, base: str) -> Any:
    if isinstance(node, dict):
        return {key: base + value[1:]
                if key == "$ref" and isinstance(value, str) and value.startswith("#/")
                else _rebase_refs(value, base) for key, value in node.items()}
    if isinstance(node, list):
        return [_rebase_refs(value, base) for value in node]
    return node


def add_report_schema(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document carry the report schema as ``components/schemas/Report``.

    Responses refer to it with :data:`REPORT_JSON`. It is added after FastAPI has built the
    document, untouched (FastAPI would otherwise re-serialise it through its own model).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            spec = generate()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas[REPORT] = report_component()
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
