"""Request bodies and parameters: the size limit, the in-memory multipart parser, the photo of
a request and its validated parameters.

Photos stay in memory: bodies (multipart included) are parsed here, never spooled to disk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # python-multipart < 0.0.13 names its module ``multipart``
    from multipart.exceptions import MultipartParseError  # type: ignore[no-redef]
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        parse_options_header,
    )

from photocheck.exceptions import UnknownExceptionError, normalise

if TYPE_CHECKING:
    from photocheck.service.state import Runtime

# Raw-body content types accepted as a JPEG upload (image/jpg and image/pjpeg are common aliases).
RAW_TYPES = ("image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream")
MULTIPART = "multipart/form-data"
FORM_FIELDS = ("photo", "profile", "exception", "applied_on")
MAX_PARTS = 32
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- body size limit


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the {limit}-byte limit")


async def _send_json(send: Send, status: int, detail: str,
                     headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = JSONResponse({"detail": detail}).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for bodies over the limit, before they are read in full.

    A declared ``Content-Length`` over the limit is refused without calling the app (nothing of
    the body is read). A chunked or under-declared body is counted while the app streams it, and
    the stream stops with 413 as soon as the count passes the limit.

    Parameters
    ----------
    app : ASGI app
        The app it wraps.
    limit : callable
        Returns the limit in bytes (read per request: settings may arrive at start-up).
    """

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
                if length < 0:
                    raise ValueError
            except ValueError:
                await _send_json(send, 400, "invalid Content-Length header")
                return
            if length > limit:
                await _send_json(send, 413, f"request body is larger than the {limit}-byte limit")
                return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _send_json(send, 413, str(exc.detail))


# --------------------------------------------------------------------------- the photo


@dataclass
class Upload:
    """The photo bytes and any form fields of one request."""

    data: bytes
    fields: dict[str, list[str]]


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str | None, bytes]]:
    """Parts of a ``multipart/form-data`` body as ``(name, filename, data)``, all in memory.

    Starlette's form parser spools file parts over 1 MB to a temporary file; photos must never
    touch the disk, so the (already size-limited) body is parsed here instead.

    Raises
    ------
    HTTPException
        400 when the body is not well-formed multipart.
    """
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise HTTPException(400, "multipart/form-data body without a boundary parameter")
    parts: list[tuple[str, str | None, bytes]] = []
    headers: dict[bytes, bytes] = {}
    header_field = bytearray()
    header_value = bytearray()
    data = bytearray()
    ended = False

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        header_field.extend(buf[start:end])

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        header_value.extend(buf[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        data.extend(buf[start:end])

    def on_part_end() -> None:
        if len(parts) >= MAX_PARTS:
            raise HTTPException(400, f"multipart body has more than {MAX_PARTS} parts")
        _, disp = parse_options_header(headers.get(b"content-disposition", b""))
        name = disp.get(b"name", b"").decode("utf-8", "replace")
        filename = disp.get(b"filename")
        parts.append((name, filename.decode("utf-8", "replace") if filename else None,
                      bytes(data)))

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(boundary, {  # type: ignore[arg-type]
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_part_data": on_part_data, "on_part_end": on_part_end, "on_end": on_end})
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise HTTPException(400, f"malformed multipart body: {exc}") from exc
    if not ended:
        raise HTTPException(400, "malformed multipart body: it ends before the closing boundary")
    return parts


async def read_upload(request: Request) -> Upload:
    """The photo of a request: a multipart ``photo`` field or a raw JPEG body.

    Raises
    ------
    HTTPException
        415 for another content type; 400/422 for a malformed or incomplete form.
    """
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (MULTIPART, *RAW_TYPES):
        shown = repr(media[:60]) if media else "missing"
        raise HTTPException(
            415, f"Content-Type {shown} is not supported; send multipart/form-data with a "
                 "'photo' field, or the JPEG itself as image/jpeg or application/octet-stream")
    body = await request.body()  # bounded by BodyLimitMiddleware
    if media != MULTIPART:
        return Upload(body, {})
    photos: list[bytes] = []
    fields: dict[str, list[str]] = {}
    for name, _filename, data in parse_multipart(body, content_type):
        if name == "photo":
            photos.append(data)
        elif name in FORM_FIELDS:
            try:
                fields.setdefault(name, []).append(data.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise HTTPException(422, f"form field {name!r} is not UTF-8 text") from exc
        else:
            raise HTTPException(
                422, f"unknown form field {name[:40]!r}; accepted: {', '.join(FORM_FIELDS)}")
    if len(photos) != 1:
        raise HTTPException(
            422, "the multipart body must have exactly one 'photo' field "
                 f"(found {len(photos)})")
    return Upload(photos[0], fields)


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class CheckParams:
    """Validated request parameters."""

    profile: str
    exceptions: tuple[str, ...]
    applied_on: dt.date | None


def _single(name: str, values: Sequence[str]) -> str | None:
    distinct = list(dict.fromkeys(v.strip() for v in values if v is not None))
    if len(distinct) > 1:
        raise HTTPException(422, f"{name!r} was given more than once with different values")
    return distinct[0] if distinct else None


def check_params(rt: Runtime, request: Request, upload: Upload, *, allowed: Sequence[str] = (),
                 profile_fixed: str | None = None) -> CheckParams:
    """Merge query and form parameters and validate them (422 with a clear message).

    Parameters
    ----------
    rt : Runtime
        Gives the served profiles and the default one.
    request : Request
        Its query string.
    upload : Upload
        Its form fields.
    allowed : sequence of str
        Query parameters the endpoint takes besides profile, exception and applied_on.
    profile_fixed : str, optional
        The one profile the endpoint uses; naming another is a 422.
    """
    query = request.query_params
    known = {"profile", "exception", "applied_on", *allowed}
    unknown = sorted(k for k in query if k not in known)
    if unknown:
        raise HTTPException(
            422, f"unknown query parameter(s) {', '.join(repr(u[:40]) for u in unknown)}; "
                 f"accepted: {', '.join(sorted(known))}")
    form = upload.fields
    given = _single("profile", [*query.getlist("profile"), *form.get("profile", [])])
    if profile_fixed is not None:
        if given not in (None, profile_fixed):
            raise HTTPException(422, f"this endpoint always uses the {profile_fixed!r} profile")
        profile = profile_fixed
    else:
        profile = given or rt.settings.default_profile
        if profile not in rt.validators:
            raise HTTPException(
                422, f"unknown profile {profile[:40]!r}; valid profiles: "
                     f"{', '.join(rt.validators)}")
    raw_exceptions = [*query.getlist("exception"), *form.get("exception", [])]
    names = [n for value in raw_exceptions for n in value.split(",") if n.strip()]
    try:
        exceptions = normalise(names)
    except UnknownExceptionError as exc:
        raise HTTPException(422, str(exc)) from exc
    return CheckParams(profile, exceptions, _applied_on(query, form))


def _applied_on(query: Any, form: Mapping[str, list[str]]) -> dt.date | None:
    applied = _single("applied_on", [*query.getlist("applied_on"), *form.get("applied_on", [])])
    if not applied:
        return None
    try:
        if not _DATE.match(applied):
            raise ValueError
        return dt.date.fromisoformat(applied)
    except ValueError as exc:
        raise HTTPException(
            422, f"applied_on must be a date YYYY-MM-DD, got {applied[:40]!r}") from exc
