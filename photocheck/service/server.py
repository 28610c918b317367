"""photocheck HTTP API for photo booths: a thin FastAPI layer over :class:`photocheck.Validator`.

Run from the repository root::

    PHOTOCHECK_API_KEYS=key1,key2 uvicorn api:app --host 0.0.0.0 --port 8000

Everything about images lives in the library; this module only maps HTTP to
``Validator.check`` / ``photocheck.trimming.trim`` and back (DESIGN.md §6):

* settings come from ``PHOTOCHECK_*`` environment variables (:class:`Settings`);
* models are loaded once in the lifespan, one shared ``Validator`` per profile;
* checks run in a bounded worker pool (``workers`` running + ``queue`` waiting); when it is full
  the request gets 503 with ``Retry-After`` at once, and after ``timeout_s`` the client gets 504
  (the thread cannot be interrupted: the check finishes in the background and its slot is freed
  only then, so a stuck pool turns into 503s, never into unbounded memory);
* bodies over ``max_body_bytes`` get 413 before they are read in full
  (:class:`BodyLimitMiddleware`);
* photos stay in memory: bodies (multipart included) are parsed here, never spooled to disk, and
  never logged; the access log (logger ``photocheck.access``) has method, path, status, latency
  and key id only.

The module-level :data:`app` reads its settings when it starts (in the lifespan), not when it is
imported: importing ``api`` never fails, and a server without API keys refuses to *start*.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import inspect
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

try:
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # python-multipart < 0.0.13 names its module ``multipart``
    from multipart.exceptions import MultipartParseError  # type: ignore[no-redef]
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        parse_options_header,
    )

from photocheck import __version__
from photocheck.exceptions import VALID as VALID_EXCEPTIONS
from photocheck.exceptions import UnknownExceptionError, normalise
from photocheck.profiles import BUILTIN, load_profile

access_log = logging.getLogger("photocheck.access")
log = logging.getLogger("photocheck.api")

MiB = 1024 * 1024
# Raw-body content types accepted as a JPEG upload (image/jpg and image/pjpeg are common aliases).
RAW_TYPES = ("image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream")
MULTIPART = "multipart/form-data"
FORM_FIELDS = ("photo", "profile", "exception", "applied_on")
MAX_PARTS = 32
# Libraries whose DEBUG/INFO lines quote photo bytes or metadata; kept at WARNING in the server.
_QUIET_LOGGERS = ("PIL", "exifread", "piexif", "python_multipart")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]],
                    Callable[[Any], Awaitable[None]]], Awaitable[None]]


class ConfigError(RuntimeError):
    """The server settings do not allow it to start (e.g. no API keys and auth not disabled)."""


def _default_workers() -> int:
    return os.cpu_count() or 1


class Settings(BaseSettings):
    """Server settings, from ``PHOTOCHECK_<NAME>`` environment variables.

    Attributes
    ----------
    api_keys : str
        Comma-separated API keys (``PHOTOCHECK_API_KEYS``).
    api_keys_file : Path or None
        A file with one key per line, ``#`` comments allowed (``PHOTOCHECK_API_KEYS_FILE``).
    auth : ``enabled`` or ``disabled``
        ``disabled`` runs without keys; otherwise the server refuses to start without any key.
    max_body_bytes : int
        Largest request body; 10 MiB by default, above the 7 MB upload rule so an oversized
        upload still gets a ``file.bytes_too_large`` finding rather than a bare 413.
    workers : int
        Checks running at once (default: the number of CPU cores).
    queue : int
        Admitted requests waiting for a worker (default: 4 × workers); beyond → 503.
    timeout_s : float
        Per-request time limit in seconds, queueing included (default 30); beyond → 504.
    default_profile : str
        Profile used when a request names none (``booth``).
    profiles : str
        Comma-separated profiles served (default: all built-in ones).
    retry_after_s : int
        ``Retry-After`` seconds sent with 503.
    """

    model_config = SettingsConfigDict(env_prefix="PHOTOCHECK_", extra="ignore")

    api_keys: str = ""
    api_keys_file: Path | None = None
    auth: Literal["enabled", "disabled"] = "enabled"
    max_body_bytes: int = Field(default=10 * MiB, gt=0)
    workers: int = Field(default_factory=_default_workers, ge=1)
    queue: int | None = Field(default=None, ge=0)
    timeout_s: float = Field(default=30.0, gt=0)
    default_profile: str = "booth"
    profiles: str = ",".join(BUILTIN)
    retry_after_s: int = Field(default=1, ge=0)

    @field_validator("auth", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def queue_length(self) -> int:
        """Waiting slots (``queue``, or 4 × workers when unset)."""
        return self.queue if self.queue is not None else 4 * self.workers

    def profile_names(self) -> tuple[str, ...]:
        """The profiles this server offers, in the order given."""
        names = [n.strip() for n in self.profiles.split(",") if n.strip()]
        return tuple(dict.fromkeys(names))

    def keys(self) -> tuple[str, ...]:
        """Every configured API key (environment list plus key file), de-duplicated.

        Raises
        ------
        ConfigError
            When the key file cannot be read.
        """
        keys = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        if self.api_keys_file is not None:
            try:
                text = Path(self.api_keys_file).read_text("utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"cannot read PHOTOCHECK_API_KEYS_FILE {self.api_keys_file}: {exc}"
                ) from exc
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    keys.append(line)
        return tuple(dict.fromkeys(keys))


def key_id(key: str) -> str:
    """The loggable id of an API key: the first 8 hex digits of its sha256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


class KeyRing:
    """API keys held as sha256 digests; lookup compares in constant time against every key."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._digests = [(hashlib.sha256(k.encode("utf-8")).digest(), key_id(k)) for k in keys]

    def __len__(self) -> int:
        return len(self._digests)

    def verify(self, token: str) -> str | None:
        """The key id of ``token`` when it is a configured key, else None."""
        probe = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: str | None = None
        for digest, kid in self._digests:  # no early exit: time does not depend on which key
            if hmac.compare_digest(probe, digest):
                found = kid
        return found


class PoolFull(Exception):
    """Every worker is busy and the queue is full."""


class WorkerPool:
    """A thread pool that admits at most ``workers + queue`` jobs and refuses the rest at once.

    A slot is released when the job *finishes* (not when the client gave up waiting), so the
    admission count always tells how much work the threads really have.
    """

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="photocheck")
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Jobs running or waiting."""
        return self._admitted

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Start ``fn`` on a worker, or raise :class:`PoolFull` without waiting."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise PoolFull
            self._admitted += 1
        try:
            future = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _f: self._release())
        return future

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1

    def shutdown(self) -> None:
        """Stop accepting work; queued jobs are cancelled, running ones finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # RSS, CPU, open fds of the server
        self.requests = Counter(
            "photocheck_http_requests", "HTTP requests by endpoint, method and status",
            ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram(
            "photocheck_http_request_duration_seconds", "HTTP request latency by endpoint",
            ["endpoint"], registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
                     30.0))
        self.in_flight = Gauge(
            "photocheck_http_in_flight", "HTTP requests being handled", registry=self.registry)
        self.verdicts = Counter(
            "photocheck_verdicts", "Verdicts returned, by endpoint, profile and verdict",
            ["endpoint", "profile", "verdict"], registry=self.registry)
        self.findings = Counter(
            "photocheck_findings", "Failing and warning findings returned, by code and status",
            ["code", "status"], registry=self.registry)
        self.pool_admitted = Gauge(
            "photocheck_pool_admitted", "Checks running or queued in the worker pool",
            registry=self.registry)
        self.pool_capacity = Gauge(
            "photocheck_pool_capacity", "Worker pool capacity (workers + queue)",
            registry=self.registry)
        self.rejected = Counter(
            "photocheck_pool_rejected", "Requests refused with 503 because the pool was full",
            registry=self.registry)
        self.timeouts = Counter(
            "photocheck_timeouts", "Requests answered 504 after the per-request time limit",
            registry=self.registry)

    def observe_report(self, endpoint: str, report: Any) -> None:
        """Count a report's verdict and its failing/warning findings."""
        self.verdicts.labels(endpoint, report.profile, str(report.verdict)).inc()
        for found in report.findings:
            status = str(found.status)
            if status in ("fail", "warn"):
                self.findings.labels(found.code, status).inc()


@dataclass
class Runtime:
    """Everything a running app needs; built in the lifespan."""

    settings: Settings
    keyring: KeyRing
    validators: Mapping[str, Any]
    models: Any | None
    pool: WorkerPool
    trimmer: Callable[..., Any] | None = None
    trim_validator: Any | None = None
    started_at: float = field(default_factory=time.time)


class _Holder:
    """Mutable slot shared by the app, its middlewares and its endpoints."""

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.metrics = Metrics()

    def body_limit(self) -> int:
        settings = self.runtime.settings if self.runtime else self.settings
        return settings.max_body_bytes if settings else 10 * MiB


# --------------------------------------------------------------------------- middlewares


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the {limit}-byte limit")


async def _send_json(send: Callable[[Any], Awaitable[None]], status: int, detail: str,
                     headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = JSONResponse({"detail": detail}).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for bodies over the limit, before they are read in full.

    A declared ``Content-Length`` over the limit is refused without calling the app (nothing of
    the body is read). A chunked or under-declared body is counted while the app streams it, and
    the stream stops with 413 as soon as the count passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
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

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Any) -> None:
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


_ENDPOINTS = frozenset({"/v1/check", "/v1/trim", "/v1/profiles", "/healthz", "/metrics", "/docs",
                        "/redoc", "/openapi.json", "/docs/oauth2-redirect"})


class ObserveMiddleware:
    """Pure ASGI middleware: access log line and request metrics for every HTTP request.

    The log line carries method, path, status, latency and the key id — never the body, the
    query string, headers or anything read from the photo.
    """

    def __init__(self, app: ASGIApp, holder: _Holder) -> None:
        self.app = app
        self.holder = holder

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.holder.metrics
        info: dict[str, str] = {"key_id": "-"}
        scope["photocheck"] = info  # the auth dependency writes the key id here
        path = scope.get("path", "")
        endpoint = path if path in _ENDPOINTS else "other"
        method = scope.get("method", "?")
        status = 500
        start = time.perf_counter()

        async def observing_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observing_send)
        finally:
            elapsed = time.perf_counter() - start
            metrics.in_flight.dec()
            metrics.requests.labels(endpoint, method, str(status)).inc()
            metrics.latency.labels(endpoint).observe(elapsed)
            # %r and a length cap keep odd client paths from forging log lines
            access_log.info("method=%s path=%r status=%d latency_ms=%.1f key=%s",
                            method[:16], path[:200], status, elapsed * 1000.0, info["key_id"])


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


# --------------------------------------------------------------------------- request parsing


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
    """Merge query and form parameters and validate them (422 with a clear message)."""
    query = request.query_params
    known = {"profile", "exception", "applied_on", *allowed}
    unknown = sorted(k for k in query if k not in known)
    if unknown:
        raise HTTPException(
            422, f"unknown query parameter(s) {', '.join(repr(u[:40]) for u in unknown)}; "
                 f"accepted: {', '.join(sorted(known))}")
    form = upload.fields
    if profile_fixed is not None:
        given = _single("profile", [*query.getlist("profile"), *form.get("profile", [])])
        if given not in (None, profile_fixed):
            raise HTTPException(422, f"this endpoint always uses the {profile_fixed!r} profile")
        profile = profile_fixed
    else:
        profile = _single("profile", [*query.getlist("profile"), *form.get("profile", [])]) \
            or rt.settings.default_profile
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
    applied = _single("applied_on", [*query.getlist("applied_on"), *form.get("applied_on", [])])
    applied_on: dt.date | None = None
    if applied:
        try:
            if not _DATE.match(applied):
                raise ValueError
            applied_on = dt.date.fromisoformat(applied)
        except ValueError as exc:
            raise HTTPException(
                422, f"applied_on must be a date YYYY-MM-DD, got {applied[:40]!r}") from exc
    return CheckParams(profile, exceptions, applied_on)


# --------------------------------------------------------------------------- the app


def _runtime(request: Request) -> Runtime:
    holder: _Holder = request.app.state.holder
    if holder.runtime is None:
        raise HTTPException(503, "the server is starting", headers={"Retry-After": "1"})
    return holder.runtime


def require_key(request: Request) -> str:
    """Dependency: the key id of a valid ``Authorization: Bearer`` key (401 otherwise)."""
    rt = _runtime(request)
    if rt.settings.auth == "disabled":
        return "-"
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    kid = rt.keyring.verify(token.strip()) if scheme.lower() == "bearer" and token else None
    if kid is None:
        raise HTTPException(401, "a valid API key is required: Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    info = request.scope.get("photocheck")
    if isinstance(info, dict):
        info["key_id"] = kid
    return kid


async def run_in_pool(rt: Runtime, metrics: Metrics, fn: Callable[..., Any], *args: Any,
                      **kwargs: Any) -> Any:
    """Run ``fn`` on the worker pool: 503 when it is full, 504 after the time limit."""
    try:
        future = rt.pool.submit(fn, *args, **kwargs)
    except PoolFull:
        metrics.rejected.inc()
        raise HTTPException(
            503, "all workers are busy; retry shortly",
            headers={"Retry-After": str(rt.settings.retry_after_s)}) from None
    try:
        # shield: a timeout must not cancel the asyncio wrapper while the thread still runs
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)),
                                      rt.settings.timeout_s)
    except TimeoutError:
        metrics.timeouts.inc()
        raise HTTPException(
            504, f"the check took longer than {rt.settings.timeout_s:g} s") from None


def _load_trim() -> Callable[..., Any] | None:
    try:
        from photocheck.trimming import trim
    except ImportError:
        return None
    return trim  # type: ignore[no-any-return]


def _call_kwargs(fn: Callable[..., Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``wanted`` that ``fn`` accepts (all of it when it takes ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return dict(wanted)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(wanted)
    return {k: v for k, v in wanted.items() if k in params}


_PROFILE_DOC = "Profile: " + ", ".join(BUILTIN) + " (default: the server's default profile)"
_EXCEPTION_DOC = ("Declared exception, repeatable or comma-separated: "
                  + ", ".join(VALID_EXCEPTIONS))
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_CHECK_BODY: dict[str, Any] = {
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
            "image/jpeg": _BINARY,
            "application/octet-stream": _BINARY,
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed multipart body"},
    401: {"description": "Missing or invalid API key"},
    413: {"description": "Body over the size limit (refused before it is read in full)"},
    415: {"description": "Unsupported Content-Type"},
    422: {"description": "Bad parameter: unknown profile or exception, bad date"},
    503: {"description": "Worker pool and queue full; retry after Retry-After seconds"},
    504: {"description": "The per-request time limit passed"},
}
_REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The report of DESIGN.md §3.",
    "required": ["source", "profile", "exceptions", "verdict", "findings"],
    "properties": {
        "source": {"type": "string"},
        "profile": {"type": "string"},
        "profile_digest": {"type": "string"},
        "exceptions": {"type": "array", "items": {"type": "string"}},
        "verdict": {"type": "string", "enum": ["accept", "review", "reject"]},
        "findings": {"type": "array", "items": {
            "type": "object",
            "required": ["code", "check", "status"],
            "properties": {
                "code": {"type": "string"}, "check": {"type": "string"},
                "status": {"type": "string",
                           "enum": ["pass", "warn", "fail", "waived", "not_assessed"]},
                "measured": {}, "threshold": {}, "unit": {"type": ["string", "null"]},
                "message": {"type": "object"}, "cause": {"type": ["string", "null"]},
                "waived_by": {"type": ["string", "null"]},
            }}},
        "face": {}, "crop": {}, "timings_ms": {"type": "object"}, "versions": {"type": "object"},
    },
}


def create_app(
    settings: Settings | None = None,
    *,
    validators: Mapping[str, Any] | None = None,
    models: Any | None = None,
    trimmer: Callable[..., Any] | None = None,
) -> FastAPI:
    """The photocheck FastAPI app.

    Parameters
    ----------
    settings : Settings, optional
        Validated now (a :class:`ConfigError` is raised at once when no keys are configured and
        auth is not disabled). When omitted they are read from the environment at start-up, so
        the module-level :data:`app` can be imported anywhere and refuses to *start* instead.
    validators : mapping of profile name → validator, optional
        Injected validators (tests); anything with ``check(data, exceptions=, applied_on=)``.
        By default one shared ``photocheck.Validator`` per served profile, over one model set.
    models : photocheck.inference.Models, optional
        Shared model sessions (default ``Models.load()``), warmed up at start-up.
    trimmer : callable, optional
        Replaces ``photocheck.trimming.trim`` (tests).
    """
    if settings is not None:
        _check_settings(settings)
    holder = _Holder(settings)
    for name in _QUIET_LOGGERS:  # their debug lines quote body bytes or EXIF values (GPS…)
        logging.getLogger(name).setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = holder.settings if holder.settings is not None else Settings()
        keys = _check_settings(conf)
        _ensure_access_log_handler()
        served = validators
        loaded_models = models
        trim_validator = None
        if served is None:
            from photocheck.inference import Models
            from photocheck.validator import Validator

            names = conf.profile_names()
            if loaded_models is None:
                loaded_models = Models.load()
            # sha256 checks and session creation happen now, not in the first booth's request
            await asyncio.to_thread(loaded_models.warm_up)
            served = {name: Validator(name, models=loaded_models) for name in names}
            trim_validator = served.get("mail") or _mail_validator(Validator, loaded_models)
        if conf.default_profile not in served:
            raise ConfigError(
                f"PHOTOCHECK_DEFAULT_PROFILE={conf.default_profile!r} is not served; "
                f"served profiles: {', '.join(served)}")
        pool = WorkerPool(conf.workers, conf.queue_length)
        holder.metrics.pool_capacity.set(pool.capacity)
        holder.metrics.pool_admitted.set_function(lambda: pool.admitted)
        holder.runtime = Runtime(conf, KeyRing(keys), dict(served), loaded_models, pool, trimmer,
                                 trim_validator)
        log.info("photocheck API ready: profiles %s, %d workers, queue %d, auth %s (%d keys)",
                 ", ".join(served), conf.workers, conf.queue_length, conf.auth, len(keys))
        try:
            yield
        finally:
            holder.runtime = None
            pool.shutdown()

    app = FastAPI(
        title="photocheck",
        version=__version__,
        summary="Checks photos against the My Number card photo standard (J-LIS).",
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.add_middleware(BodyLimitMiddleware, limit=holder.body_limit)  # type: ignore[arg-type]
    app.add_middleware(ObserveMiddleware, holder=holder)  # type: ignore[arg-type]

    @app.post(
        "/v1/check",
        summary="Check one photo",
        description="Returns the report (DESIGN.md §3) with status 200 for any verdict: a "
                    "rejected photo is a successful check. Empty or non-JPEG bodies get a "
                    "report with `file.*` findings.",
        openapi_extra=_CHECK_BODY,
        responses={200: {"content": {"application/json": {"schema": _REPORT_SCHEMA}}},
                   **_ERRORS},
        response_class=JSONResponse,
    )
    async def check_photo(
        request: Request,
        _key: str = Depends(require_key),
        profile: str | None = Query(None, description=_PROFILE_DOC),
        exception: list[str] = Query([], description=_EXCEPTION_DOC),  # noqa: B008
        applied_on: str | None = Query(None, description="Application date YYYY-MM-DD"),
    ) -> JSONResponse:
        rt = _runtime(request)
        upload = await read_upload(request)
        params = check_params(rt, request, upload)
        validator = rt.validators[params.profile]
        report = await run_in_pool(rt, holder.metrics, validator.check, upload.data,
                                   exceptions=params.exceptions, applied_on=params.applied_on)
        holder.metrics.observe_report("check", report)
        return JSONResponse(report.to_dict())

    @app.post(
        "/v1/trim",
        summary="Trim a photo to the 45×35 mm standard",
        description="Returns the trimmed JPEG, or with `Accept: application/json` the report "
                    "plus `output.bytes`. When no output can be made (not trimmable), the "
                    "report comes back as JSON with status 422 unless JSON was asked for "
                    "(then 200 with `output: null`). 501 while `photocheck.trimming` is absent.",
        openapi_extra=_CHECK_BODY,
        responses={200: {"content": {"image/jpeg": _BINARY,
                                     "application/json": {"schema": _REPORT_SCHEMA}}},
                   501: {"description": "Trimming is not available in this build"}, **_ERRORS},
    )
    async def trim_photo(
        request: Request,
        _key: str = Depends(require_key),
        exception: list[str] = Query([], description=_EXCEPTION_DOC),  # noqa: B008
        applied_on: str | None = Query(None, description="Application date YYYY-MM-DD"),
        dpi: float | None = Query(None, gt=0, le=10000,
                                  description="Scan resolution when the file lacks it"),
        out_dpi: int = Query(600, ge=72, le=2400, description="Output resolution"),
    ) -> Response:
        rt = _runtime(request)
        trim_fn = rt.trimmer or _load_trim()
        if trim_fn is None:
            raise HTTPException(501, "trimming is not available: photocheck.trimming is not "
                                     "installed in this build")
        upload = await read_upload(request)
        params = check_params(rt, request, upload, allowed=("dpi", "out_dpi"),
                              profile_fixed="mail")
        wanted: dict[str, Any] = {"dpi": dpi, "out_dpi": out_dpi,
                                  "exceptions": params.exceptions,
                                  "applied_on": params.applied_on}
        if rt.trim_validator is not None:
            wanted["validator"] = rt.trim_validator  # the served models, not a second copy
        kwargs = _call_kwargs(trim_fn, wanted)
        result = await run_in_pool(rt, holder.metrics, trim_fn, upload.data, **kwargs)
        report = result.report
        jpeg: bytes | None = getattr(result, "jpeg", None)
        holder.metrics.observe_report("trim", report)
        wants_json = "application/json" in request.headers.get("accept", "").lower()
        if wants_json or jpeg is None:
            body = report.to_dict()
            body["output"] = {"bytes": len(jpeg)} if jpeg is not None else None
            return JSONResponse(body, status_code=200 if wants_json else 422)
        failing = ",".join(f.code for f in report.findings if str(f.status) in ("fail", "warn"))
        return Response(jpeg, media_type="image/jpeg", headers={
            "X-Photocheck-Verdict": str(report.verdict),
            "X-Photocheck-Failing": failing[:2000]})

    @app.get("/v1/profiles", summary="The profiles and declarable exceptions")
    async def profiles(request: Request, _key: str = Depends(require_key)) -> JSONResponse:
        rt = _runtime(request)
        # the served subset of describe_all(), loaded by name (an unserved profile may not load)
        return JSONResponse({
            "default": rt.settings.default_profile,
            "exceptions": list(VALID_EXCEPTIONS),
            "profiles": [load_profile(name).to_dict() for name in rt.validators],
        })

    @app.get("/healthz", summary="Liveness and readiness: models loaded, versions (no key)")
    async def healthz(request: Request) -> JSONResponse:
        rt = holder.runtime
        if rt is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        loaded = rt.models.loaded() if rt.models is not None else []
        versions = rt.models.versions() if rt.models is not None else {}
        return JSONResponse({
            "status": "ok",
            "photocheck": __version__,
            "models_loaded": bool(versions) and set(versions) <= set(loaded),
            "models": {"loaded": loaded, "versions": versions},
            "profiles": list(rt.validators),
            "pool": {"workers": rt.pool.workers, "capacity": rt.pool.capacity,
                     "admitted": rt.pool.admitted},
            "auth": rt.settings.auth,
            "uptime_s": round(time.time() - rt.started_at, 1),
        })

    @app.get("/metrics", summary="Prometheus metrics (no key)")
    async def metrics() -> Response:
        return Response(generate_latest(holder.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    return app


def _mail_validator(validator_cls: Any, models: Any) -> Any | None:
    """A ``mail`` validator for /v1/trim when that profile is not served for checks."""
    try:
        return validator_cls("mail", models=models)
    except ValueError as exc:  # ProfileError: trimming then falls back to trim()'s default
        log.warning("no mail profile for /v1/trim: %s", exc)
        return None


def _check_settings(settings: Settings) -> tuple[str, ...]:
    """The configured keys, or :class:`ConfigError` when the server must not start."""
    keys = settings.keys()
    if settings.auth == "enabled" and not keys:
        raise ConfigError(
            "no API keys configured: set PHOTOCHECK_API_KEYS (comma-separated) or "
            "PHOTOCHECK_API_KEYS_FILE, or PHOTOCHECK_AUTH=disabled to run without authentication")
    return keys


def _ensure_access_log_handler() -> None:
    """Make the access log visible under plain ``uvicorn api:app`` (it configures only its own)."""
    if not access_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    # uvicorn's own access log repeats ours with client addresses and query strings
    logging.getLogger("uvicorn.access").disabled = True


app = create_app()
