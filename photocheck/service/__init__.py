"""The HTTP service for photo booths (FastAPI): ``photocheck serve`` or ``uvicorn api:app``.

Run from the repository root (or ``photocheck serve``)::

    PHOTOCHECK_API_KEYS=key1,key2 uvicorn api:app --host 0.0.0.0 --port 8000

A thin layer over :class:`photocheck.Validator` and :func:`photocheck.trimming.trim` (see
docs/architecture.md); everything about images lives in the library. Models are loaded once
at start-up; checks run on a bounded pool; photos stay in memory (never spooled to disk) and
are never logged.
One module per concern:

- :mod:`.settings` — ``PHOTOCHECK_*`` settings and the rule for starting (API keys);
- :mod:`.auth` — the key ring and the ``require_key`` dependency;
- :mod:`.pool` — the bounded worker pool (503 when full, 504 after the time limit);
- :mod:`.metrics` — Prometheus metrics and the access-log middleware;
- :mod:`.uploads` — the body-size middleware (413), the in-memory multipart parser, parameters;
- :mod:`.openapi` — request/response documentation (the report schema is the package's file);
- :mod:`.state` — the :class:`~.state.Runtime` built at start-up and how endpoints reach it;
- :mod:`.routes` — the endpoints, on an ``APIRouter``;
- :mod:`.page` — the page for people (``/`` and ``/static/``: ``photocheck/static``);
- :mod:`.factory` — :func:`create_app`, the lifespan, and the module-level :data:`app`.

To serve more endpoints, put them on an ``APIRouter`` and add it to ``factory.ROUTERS``.
"""

from photocheck.service.factory import app, create_app
from photocheck.service.settings import ConfigError, Settings

__all__ = ["ConfigError", "Settings", "app", "create_app"]
