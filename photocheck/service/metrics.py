"""Prometheus metrics of the service and the middleware that records them with the access log.

The access log (logger ``photocheck.access``) has method, path, status, latency and key id
only: never the body, the query string, headers or anything read from the photo.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("photocheck.access")

_LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0,
                      10.0, 30.0)


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
            ["endpoint"], registry=self.registry, buckets=_LATENCY_BUCKETS_S)
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


def route_paths(routes: Collection[Any]) -> frozenset[str]:
    """The paths of ``routes``, mounts (such as static files) left out: ``endpoint`` labels.

    Any other request path is labelled ``other``, so clients cannot grow the label set.
    """
    return frozenset(route.path for route in routes if isinstance(route, Route))


class ObserveMiddleware:
    """Pure ASGI middleware: access log line and request metrics for every HTTP request.

    Parameters
    ----------
    app : ASGI app
        The app it wraps.
    metrics : Metrics
        Where the request counts, latencies and in-flight gauge go.
    endpoints : callable
        Returns the paths labelled as themselves (see :func:`route_paths`).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics,
                 endpoints: Callable[[], Collection[str]]) -> None:
        self.app = app
        self.metrics = metrics
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        info: dict[str, str] = {"key_id": "-"}
        scope["photocheck"] = info  # the auth dependency writes the key id here
        path = scope.get("path", "")
        endpoint = path if path in self.endpoints() else "other"
        method = scope.get("method", "?")
        status = 500
        start = time.perf_counter()

        async def observing_send(message: Message) -> None:
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
