"""The endpoints: ``/v1/check``, ``/v1/trim``, ``/v1/crop``, ``/v1/profiles``, ``/healthz``,
``/metrics``.

Each maps HTTP to the library and back; the app factory (:mod:`photocheck.service.factory`)
includes :data:`router`. An endpoint that needs a key takes a parameter annotated
:data:`~photocheck.service.auth.ApiKeyId`, one that needs the running app's validators, pool
and settings one annotated :data:`~photocheck.service.state.CurrentRuntime`; work on a photo
goes through :func:`~photocheck.service.pool.run_in_pool`.
"""

from __future__ import annotations

import base64
import time
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from photocheck import __version__
from photocheck.exceptions import VALID as VALID_EXCEPTIONS
from photocheck.profiles import load_profile
from photocheck.service.auth import ApiKeyId
from photocheck.service.openapi import (
    ANNOTATE_DOC,
    BINARY,
    DATE_DOC,
    ERRORS,
    EXCEPTION_DOC,
    PHOTO_BODY,
    PROFILE_DOC,
    REPORT_JSON,
)
from photocheck.service.pool import run_in_pool
from photocheck.service.state import CurrentRuntime, holder_of
from photocheck.service.uploads import check_params, read_upload

router = APIRouter()


@router.post(
    "/v1/check",
    summary="Check one photo",
    description="Returns the report (docs/report.md) with status 200 for any verdict: a "
                "rejected photo is a successful check. Empty or non-JPEG bodies get a "
                "report with `file.*` findings.",
    openapi_extra=PHOTO_BODY,
    responses={200: {"content": {"application/json": REPORT_JSON}}, **ERRORS},
    response_class=JSONResponse,
)
async def check_photo(
    request: Request,
    _key: ApiKeyId,
    rt: CurrentRuntime,
    profile: str | None = Query(None, description=PROFILE_DOC),
    exception: list[str] = Query([], description=EXCEPTION_DOC),  # noqa: B008
    applied_on: str | None = Query(None, description=DATE_DOC),
    annotate: Literal["ja", "en"] | None = Query(None, description=ANNOTATE_DOC),
) -> JSONResponse:
    # the Query parameters document the API; check_params reads query and form together
    upload = await read_upload(request)
    params = check_params(rt, request, upload, allowed=("annotate",))
    validator = rt.validators[params.profile]
    metrics = holder_of(request).metrics
    report, annotation = await run_in_pool(
        rt, metrics, check_and_draw, validator, upload.data, exceptions=params.exceptions,
        applied_on=params.applied_on, lang=annotate)
    metrics.observe_report("check", report)
    body = report.to_dict()
    if annotate is not None:
        body["annotation"] = annotation
    return JSONResponse(body)


def check_and_draw(validator: Any, data: bytes, *, exceptions: Any, applied_on: Any,
                   lang: str | None) -> tuple[Any, dict[str, str] | None]:
    """Check ``data`` and, when ``lang`` is given, draw the report on it (one pool slot).

    Returns the report and the ``annotation`` object of the answer (None when not asked for or
    when the photo cannot be decoded: the report then says why).
    """
    report = validator.check(data, exceptions=exceptions, applied_on=applied_on)
    if lang is None:
        return report, None
    from photocheck import annotate

    try:
        png = annotate.render_png(data, report, lang)
    except Exception:  # an undecodable photo: the report already says why; no picture
        return report, None
    return report, {"lang": annotate.language(lang), "media_type": "image/png",
                    "base64": base64.b64encode(png).decode("ascii")}


@router.post(
    "/v1/trim",
    summary="Trim a photo to the 45×35 mm standard",
    description="Returns the trimmed JPEG, or with `Accept: application/json` the report "
                "plus `output.bytes`. When no output can be made (not trimmable), the "
                "report comes back as JSON with status 422 unless JSON was asked for "
                "(then 200 with `output: null`).",
    openapi_extra=PHOTO_BODY,
    responses={200: {"content": {"image/jpeg": BINARY, "application/json": REPORT_JSON}},
               **ERRORS},
)
async def trim_photo(
    request: Request,
    _key: ApiKeyId,
    rt: CurrentRuntime,
    exception: list[str] = Query([], description=EXCEPTION_DOC),  # noqa: B008
    applied_on: str | None = Query(None, description=DATE_DOC),
    dpi: float | None = Query(None, gt=0, le=10000,
                              description="Scan resolution when the file lacks it"),
    out_dpi: int = Query(600, ge=72, le=2400, description="Output resolution"),
) -> Response:
    upload = await read_upload(request)
    params = check_params(rt, request, upload, allowed=("dpi", "out_dpi"),
                          profile_fixed="mail")
    # trim_validator: the served models, not a second copy (None: trim's own default)
    return await _cut(request, rt, "trim", rt.trimmer, upload.data, dpi=dpi, out_dpi=out_dpi,
                      profile=params.profile, exceptions=params.exceptions,
                      applied_on=params.applied_on, validator=rt.trim_validator)


@router.post(
    "/v1/crop",
    summary="Crop a digital photo to the standard 35:45 and check the crop",
    description="For digital photos (phone, studio or booth files; scans go to `/v1/trim`): "
                "cuts the standard crop the check solves (34 mm crown to chin, crown 4 mm "
                "below the top, nose line centred) at the photo's resolution and checks it "
                "with the requested profile (default: the server's). Answers like `/v1/trim`: "
                "the JPEG with `X-Photocheck-Verdict` (the cropped photo's verdict), or with "
                "`Accept: application/json` the cropped photo's report plus `output.bytes`; "
                "a photo without a conforming crop gets its own report with status 422.",
    openapi_extra=PHOTO_BODY,
    responses={200: {"content": {"image/jpeg": BINARY, "application/json": REPORT_JSON}},
               **ERRORS},
)
async def crop_photo(
    request: Request,
    _key: ApiKeyId,
    rt: CurrentRuntime,
    profile: str | None = Query(None, description=PROFILE_DOC),
    exception: list[str] = Query([], description=EXCEPTION_DOC),  # noqa: B008
    applied_on: str | None = Query(None, description=DATE_DOC),
) -> Response:
    from photocheck.cropping import crop

    upload = await read_upload(request)
    params = check_params(rt, request, upload)
    return await _cut(request, rt, "crop", crop, upload.data,
                      validator=rt.validators[params.profile], exceptions=params.exceptions,
                      applied_on=params.applied_on)


async def _cut(request: Request, rt: Any, endpoint: str, fn: Any, data: bytes,
               **kwargs: Any) -> Response:
    """Run a trim or crop on the pool, count its verdict, and answer with the JPEG or JSON."""
    metrics = holder_of(request).metrics
    result = await run_in_pool(rt, metrics, fn, data, **kwargs)
    metrics.observe_report(endpoint, result.report)
    wants_json = "application/json" in request.headers.get("accept", "").lower()
    return trim_response(result.report, result.jpeg, wants_json=wants_json)


def trim_response(report: Any, jpeg: bytes | None, *, wants_json: bool) -> Response:
    """The answer of ``/v1/trim`` and ``/v1/crop``: the JPEG with verdict headers, or the
    report as JSON.

    Parameters
    ----------
    report : Report
        The trim (crop) report.
    jpeg : bytes or None
        The trimmed (cropped) photo; None when it could not be made.
    wants_json : bool
        The client asked for JSON (then 200 even without a photo; otherwise that is 422).
    """
    if wants_json or jpeg is None:
        body = report.to_dict()
        body["output"] = {"bytes": len(jpeg)} if jpeg is not None else None
        return JSONResponse(body, status_code=200 if wants_json else 422)
    failing = ",".join(f.code for f in report.findings if str(f.status) in ("fail", "warn"))
    return Response(jpeg, media_type="image/jpeg", headers={
        "X-Photocheck-Verdict": str(report.verdict),
        "X-Photocheck-Failing": failing[:2000]})


@router.get("/v1/profiles", summary="The profiles and declarable exceptions")
async def profiles(_key: ApiKeyId,
                   rt: CurrentRuntime) -> JSONResponse:
    # the served subset of describe_all(), loaded by name (an unserved profile may not load)
    return JSONResponse({
        "default": rt.settings.default_profile,
        "exceptions": list(VALID_EXCEPTIONS),
        "profiles": [load_profile(name).to_dict() for name in rt.validators],
    })


@router.get("/healthz", summary="Liveness and readiness: models loaded, versions (no key)")
async def healthz(request: Request) -> JSONResponse:
    rt = holder_of(request).runtime
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


@router.get("/metrics", summary="Prometheus metrics (no key)")
async def metrics(request: Request) -> Response:
    return Response(generate_latest(holder_of(request).metrics.registry),
                    media_type=CONTENT_TYPE_LATEST)
