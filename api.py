"""Repository entry point for ``uvicorn api:app`` (same as ``photocheck serve``).

The service itself lives in :mod:`photocheck.service`.
"""

from photocheck.service import app, create_app

__all__ = ["app", "create_app"]
