"""Shared helper for the face-family check tests: run one check on a real photo."""

from __future__ import annotations

from photocheck.checks.base import Check
from photocheck.context import NotAssessable
from photocheck.validator import Validator
from tests.helpers import shared_photos


def run_check(check: Check, models, path: str, exceptions: tuple[str, ...] = ()
              ) -> dict[str, tuple[str, object]]:
    """code → (status, measured) of ``check`` on ``../shared/photos/<path>``."""
    validator = Validator("online", models=models)
    ctx = validator.context(shared_photos() / path, exceptions=exceptions)
    out: dict[str, tuple[str, object]] = {}
    try:
        for found in check.run(ctx, validator.profile.section(check.name)):
            out[found.code] = (str(found.status), found.measured)
    except NotAssessable as exc:
        out["cause"] = ("not_assessed", exc.cause)
    return out
