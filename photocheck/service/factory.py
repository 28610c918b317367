"""The app factory :func:`create_app`, its lifespan, and the module-level :data:`app`.

The module-level :data:`app` reads its settings when it starts (in the lifespan), not when it is
imported: importing it never fails, and a server without API keys refuses to *start*.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from photocheck import __version__
from photocheck.service import page, routes
from photocheck.service.auth import KeyRing
from photocheck.service.metrics import ObserveMiddleware, access_log, route_paths
from photocheck.service.openapi import add_report_schema
from photocheck.service.pool import WorkerPool
from photocheck.service.settings import ConfigError, Settings, check_settings
from photocheck.service.state import Holder, Runtime
from photocheck.service.uploads import BodyLimitMiddleware

log = logging.getLogger("photocheck.api")

# The routers every app serves, in order: add a router here to serve its routes.
ROUTERS: tuple[APIRouter, ...] = (routes.router, page.router)

# Libraries whose DEBUG/INFO lines quote photo bytes or metadata; kept at WARNING in the server.
_QUIET_LOGGERS = ("PIL", "exifread", "piexif", "python_multipart")


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
        check_settings(settings)
    holder = Holder(settings)
    for name in _QUIET_LOGGERS:  # their debug lines quote body bytes or EXIF values (GPS…)
        logging.getLogger(name).setLevel(logging.WARNING)
    app = FastAPI(
        title="photocheck",
        version=__version__,
        summary="Checks photos against the My Number card photo standard (J-LIS).",
        lifespan=_lifespan(holder, validators, models, trimmer),
    )
    app.state.holder = holder
    for router in ROUTERS:
        app.include_router(router)
    # metrics label each route's path; any other path (404s, static files) is "other"
    router_paths = frozenset().union(*(route_paths(router.routes) for router in ROUTERS))
    app.add_middleware(BodyLimitMiddleware, limit=holder.body_limit)
    app.add_middleware(ObserveMiddleware, metrics=holder.metrics,
                       endpoints=lambda: router_paths | route_paths(app.routes))
    add_report_schema(app)
    return app


def _lifespan(
    holder: Holder,
    validators: Mapping[str, Any] | None,
    models: Any | None,
    trimmer: Callable[..., Any] | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: build the :class:`Runtime` at start-up, stop the pool at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = await _start(holder, validators, models, trimmer)
        holder.runtime = rt
        try:
            yield
        finally:
            holder.runtime = None
            rt.pool.shutdown()

    return lifespan


async def _start(
    holder: Holder,
    validators: Mapping[str, Any] | None,
    models: Any | None,
    trimmer: Callable[..., Any] | None,
) -> Runtime:
    """Read and check the settings, load and warm up the models, start the worker pool."""
    conf = holder.settings if holder.settings is not None else Settings()
    keys = check_settings(conf)
    _ensure_access_log_handler()
    served = validators
    trim_validator = None
    if served is None:
        from photocheck.inference import Models
        from photocheck.validator import Validator

        if models is None:
            models = Models.load()
        # sha256 checks and session creation happen now, not in the first booth's request
        await asyncio.to_thread(models.warm_up)
        served = {name: Validator(name, models=models) for name in conf.profile_names()}
        trim_validator = served.get("mail") or _mail_validator(Validator, models)
    if trimmer is None:
        from photocheck.trimming import trim as trimmer
    if conf.default_profile not in served:
        raise ConfigError(
            f"PHOTOCHECK_DEFAULT_PROFILE={conf.default_profile!r} is not served; "
            f"served profiles: {', '.join(served)}")
    pool = WorkerPool(conf.workers, conf.queue_length)
    holder.metrics.pool_capacity.set(pool.capacity)
    holder.metrics.pool_admitted.set_function(lambda: pool.admitted)
    log.info("photocheck API ready: profiles %s, %d workers, queue %d, auth %s (%d keys)",
             ", ".join(served), conf.workers, conf.queue_length, conf.auth, len(keys))
    return Runtime(conf, KeyRing(keys), dict(served), models, pool, trimmer, trim_validator)


def _mail_validator(validator_cls: Any, models: Any) -> Any | None:
    """A ``mail`` validator for /v1/trim when that profile is not served for checks."""
    try:
        return validator_cls("mail", models=models)
    except ValueError as exc:  # ProfileError: trimming then falls back to trim()'s default
        log.warning("no mail profile for /v1/trim: %s", exc)
        return None


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
