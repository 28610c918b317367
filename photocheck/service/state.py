"""What a running app holds: the :class:`Runtime` built at start-up and the :class:`Holder`
shared by the app, its middlewares and its endpoints."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request

from photocheck.service.metrics import Metrics
from photocheck.service.settings import MiB, Settings

if TYPE_CHECKING:
    from photocheck.service.auth import KeyRing
    from photocheck.service.pool import WorkerPool


@dataclass
class Runtime:
    """Everything a running app needs; built in the lifespan.

    Attributes
    ----------
    settings : Settings
        The settings it started with.
    keyring : KeyRing
        The API keys.
    validators : mapping of profile name → validator
        One shared validator per served profile.
    models : photocheck.inference.Models or None
        The shared model sessions (None when validators were injected).
    pool : WorkerPool
        Where checks run.
    trimmer : callable
        ``photocheck.trimming.trim`` (or a stand-in injected by tests).
    trim_validator : validator or None
        The ``mail`` validator on the served models, for ``/v1/trim``.
    started_at : float
        Start time (``time.time()``), for the uptime.
    """

    settings: Settings
    keyring: KeyRing
    validators: Mapping[str, Any]
    models: Any | None
    pool: WorkerPool
    trimmer: Callable[..., Any]
    trim_validator: Any | None = None
    started_at: float = field(default_factory=time.time)


class Holder:
    """Mutable slot shared by the app, its middlewares and its endpoints.

    ``runtime`` is None until the lifespan has started (and again after it stopped).
    """

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.metrics = Metrics()

    def body_limit(self) -> int:
        """The body size limit in bytes (also before start-up: settings given, else 10 MiB)."""
        settings = self.runtime.settings if self.runtime else self.settings
        return settings.max_body_bytes if settings else 10 * MiB


def holder_of(request: Request) -> Holder:
    """The :class:`Holder` of the app serving ``request``."""
    holder: Holder = request.app.state.holder
    return holder


def current_runtime(request: Request) -> Runtime:
    """Dependency: the app's :class:`Runtime` (503 with ``Retry-After`` while it starts)."""
    holder = holder_of(request)
    if holder.runtime is None:
        raise HTTPException(503, "the server is starting", headers={"Retry-After": "1"})
    return holder.runtime


CurrentRuntime = Annotated[Runtime, Depends(current_runtime)]
"""An endpoint parameter annotated so gets the app's :class:`Runtime` (see ``current_runtime``)."""
