"""The HTTP service for photo booths (FastAPI): ``photocheck serve`` or ``uvicorn api:app``.

A thin layer over :class:`photocheck.Validator` and :func:`photocheck.trimming.trim` (DESIGN.md
§6); everything about images lives in the library. One module per concern:

- :mod:`.settings` — ``PHOTOCHECK_*`` settings and the rule for starting (API keys);
- :mod:`.auth` — the key ring and the ``require_key`` dependency;
- :mod:`.pool` — the bounded worker pool (503 when full, 504 after the time limit);
- :mod:`.metrics` — Prometheus metrics and the access-log middleware;
- :mod:`.uploads` — the body-size middleware (413), the in-memory multipart parser, parameters;
- :mod:`.openapi` — request/response documentation (the report schema is the package's file);
- :mod:`.state` — the :class:`~.state.Runtime` built at start-up and how endpoints reach it;
- :mod:`.routes` — the endpoints, on an ``APIRouter``;
- :mod:`.factory` — :func:`create_app`, the lifespan, and the module-level :data:`app`.
"""

from photocheck.service.factory import app, create_app
from photocheck.service.settings import ConfigError, Settings

__all__ = ["ConfigError", "Settings", "app", "create_app"]
