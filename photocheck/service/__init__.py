"""The HTTP service for photo booths (FastAPI): ``photocheck serve`` or ``uvicorn api:app``."""

from photocheck.service.server import app, create_app

__all__ = ["app", "create_app"]
