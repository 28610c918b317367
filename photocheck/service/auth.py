"""API keys: held as sha256 digests, checked in constant time, logged by a short id."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from photocheck.service.state import current_runtime


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


def require_key(request: Request) -> str:
    """Dependency: the key id of a valid ``Authorization: Bearer`` key (401 otherwise).

    With ``PHOTOCHECK_AUTH=disabled`` every request passes with key id ``-``. The key id is
    also written where :class:`~photocheck.service.metrics.ObserveMiddleware` logs it.
    """
    rt = current_runtime(request)
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


ApiKeyId = Annotated[str, Depends(require_key)]
"""An endpoint parameter annotated so requires a valid key and gets its id (see ``require_key``)."""
