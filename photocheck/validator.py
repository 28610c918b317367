"""The Validator: runs the registered checks of a profile over one photo (or many)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import cv2

from photocheck import __version__, decode
from photocheck.checks import CHECKS
from photocheck.checks.base import Check, finding, not_assessed
from photocheck.context import NotAssessable, PhotoContext
from photocheck.exceptions import VALID, normalise, waiver_for
from photocheck.inference import Models
from photocheck.messages import compose
from photocheck.profiles import Profile, load_profile
from photocheck.report import Finding, Report, Status
from photocheck.runtime import keep_freed_buffers, limit_blas_threads

log = logging.getLogger("photocheck")

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


class SourceError(Exception):
    """The source could not be read at all (missing file, unreadable stream, too large)."""


def read_source(source: Source, max_bytes: int) -> tuple[bytes, str]:
    """Bytes and a display name of a path, bytes-like or binary file object.

    Reads at most ``max_bytes + 1`` bytes so a huge input is refused without holding it.

    Raises
    ------
    SourceError
        When it cannot be read or is larger than ``max_bytes``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data, name = bytes(source), "<bytes>"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        name = str(source)
        try:
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"cannot read {name}: {exc.strerror or exc}") from exc
    elif hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        try:
            data = source.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"cannot read {name}: {exc}") from exc
        if not isinstance(data, bytes | bytearray):
            raise SourceError(f"{name} is not opened in binary mode")
        data = bytes(data)
    else:
        raise SourceError(f"unsupported source type {type(source).__name__}")
    if len(data) > max_bytes:
        raise SourceError(f"{name} is larger than the {max_bytes} byte read limit")
    return data, name


class Validator:
    """Checks photos against one profile; reusable and safe to share between threads.

    Parameters
    ----------
    profile : str or Profile
        ``online``, ``booth``, ``mail``, a path to a TOML profile, or a loaded Profile.
    models : photocheck.inference.Models, optional
        Shared model sessions; loaded on first use when omitted.
    """

    def __init__(self, profile: str | Profile = "online", *, models: Any | None = None) -> None:
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        limit_blas_threads()
        keep_freed_buffers()
        self._models = models
        self._models_lock = threading.Lock()
        self._twin: Validator | None = None

    @property
    def models(self) -> Any:
        """The shared model sessions (loaded once, on first use)."""
        if self._models is None:
            with self._models_lock:
                if self._models is None:
                    self._models = Models.load()
        return self._models

    def context(
        self,
        source: Source,
        *,
        exceptions: Iterable[str] | str | None = (),
        applied_on: dt.date | str | None = None,
    ) -> PhotoContext:
        """A fresh context for one photo (raises SourceError when unreadable)."""
        max_bytes = int(self.profile.section("decode")["max_read_bytes"])
        data, name = read_source(source, max_bytes)
        return PhotoContext(
            data=data,
            source=name,
            profile=self.profile,
            exceptions=frozenset(normalise(exceptions)),
            applied_on=_as_date(applied_on),
            models=_LazyModels(self),
        )

    def check(
        self,
        source: Source,
        *,
        exceptions: Iterable[str] | str | None = (),
        applied_on: dt.date | str | None = None,
        mode: str = "check",
        overlap: bool | None = None,
    ) -> Report:
        """Check one photo and explain the verdict.

        Parameters
        ----------
        source : path, bytes or binary file object
            The photo.
        exceptions : iterable of str
            Declared exceptions (``infant``, ``head_covering``, ``medical_eyewear``,
            ``eyes_cannot_open``, ``gaze_unfixed``).
        applied_on : date or ISO string, optional
            Application date for the 6-month rule (default: today).
        overlap : bool, optional
            Run the model chain on a second thread while this one runs the measures
            (:func:`overlap_default`: when the process may use two cores or more).

        Returns
        -------
        Report
            Never raises for bad input: unreadable data becomes a finding.
        """
        declared = normalise(exceptions)
        start = time.perf_counter()
        try:
            ctx = self.context(source, exceptions=declared, applied_on=applied_on)
        except SourceError as exc:
            name = str(source) if isinstance(source, str | os.PathLike) else "<stream>"
            found = finding("file.unreadable", Status.FAIL, str(exc), unit="name")
            return self._report(name, declared, [found], None, {})
        return self.run(ctx, mode=mode, started=start, overlap=overlap)

    def run(
        self, ctx: PhotoContext, *, mode: str = "check", started: float | None = None,
        only: Collection[str] | None = None, overlap: bool | None = None,
    ) -> Report:
        """Run every enabled check of the profile (or those named in ``only``) on a prepared
        context; intermediates already computed on it are reused.

        With ``overlap`` (default :func:`overlap_default`; only for a whole ``check``) a second
        thread computes the model chain and the late checks' measures (:func:`prefetch_chain`:
        decode, face, mesh, matte, crown, semantic cues, irises, head and eye measures) while
        this thread runs the checks with model-free measures, then takes what is left of that
        chain from its end (:func:`_work_through`), then runs :data:`LATE_CHECKS`; the findings
        keep the order of ``CHECKS``.
        """
        started = time.perf_counter() if started is None else started
        checks = [c for c in CHECKS if mode in c.modes and self.profile.enabled(c.name)
                  and (only is None or c.name in only)]
        overlap = (overlap_default(_megapixels(ctx)) if overlap is None else overlap) and (
            mode == "check" and only is None and ctx.models is not None)
        if not overlap:
            emitted = {check.name: self._run_check(check, ctx) for check in checks}
        else:
            helper = threading.Thread(target=_prefetch, args=(ctx,), name="photocheck-overlap",
                                      daemon=True)
            helper.start()
            _work_through(ctx, main_first(self.profile))
            emitted = {check.name: self._run_check(check, ctx) for check in checks
                       if check.name not in LATE_CHECKS}
            _work_through(ctx, reversed(prefetch_chain(self.profile)))
            emitted.update((check.name, self._run_check(check, ctx)) for check in checks
                           if check.name in LATE_CHECKS)
            helper.join()  # nothing of this photo outlives its check
        findings = [f for check in CHECKS for f in emitted.get(check.name, [])]
        findings = [self._apply_waiver(f, ctx.exceptions) for f in findings]
        timings = dict(ctx.timings_ms)
        timings["total"] = (time.perf_counter() - started) * 1000.0
        return self._report(ctx.source, tuple(sorted(ctx.exceptions, key=_order)), findings,
                            ctx, timings)

    def check_many(
        self,
        sources: Sequence[Source],
        *,
        exceptions: Iterable[str] | str | None = (),
        applied_on: dt.date | str | None = None,
        threads: int | None = None,
    ) -> list[Report]:
        """Check many photos on a thread pool (onnxruntime and OpenCV release the GIL).

        With several workers each photo runs single-threaded: model sessions with one intra-op
        thread (a sibling set of sessions when this validator's own use more) and OpenCV limited
        to one thread while the pool runs, so the workers do not oversubscribe the cores.
        """
        declared = normalise(exceptions)
        workers = threads or min(len(sources), os.cpu_count() or 1) or 1
        if workers == 1:
            # one core per photo here too: a batch's throughput comes from its photos in
            # parallel, not from one check's overlap
            return [self.check(s, exceptions=declared, applied_on=applied_on, overlap=False)
                    for s in sources]
        worker = self._parallel_worker()
        cv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                return list(
                    pool.map(
                        lambda s: worker.check(s, exceptions=declared, applied_on=applied_on,
                                               overlap=False),
                        sources,
                    )
                )
        finally:
            cv2.setNumThreads(cv_threads)

    def _parallel_worker(self) -> Validator:
        """This validator, or a twin on single-threaded model sessions (created once)."""
        models = self.models
        if getattr(models, "threads", 1) == 1:
            return self
        with self._models_lock:
            twin = self._twin
            if twin is None:
                twin = Validator(self.profile, models=Models.load(models.directory, threads=1))
                self._twin = twin
        return twin

    def _run_check(self, check: Check, ctx: PhotoContext) -> list[Finding]:
        params = self.profile.section(check.name)
        emitted: list[Finding] = []
        start = time.perf_counter()
        try:
            for found in check.run(ctx, params):
                emitted.append(found)
        except NotAssessable as exc:
            done = {f.code for f in emitted}
            emitted.extend(not_assessed(c, exc.cause) for c in check.codes if c not in done)
        except Exception:  # a bug must not lose the report: say so and go on
            log.exception("check %s failed on %s", check.name, ctx.source)
            done = {f.code for f in emitted}
            emitted.extend(
                not_assessed(c, "internal_error") for c in check.codes if c not in done
            )
        ctx.timings_ms[f"check.{check.name}"] = (time.perf_counter() - start) * 1000.0
        return emitted

    @staticmethod
    def _apply_waiver(found: Finding, exceptions: frozenset[str]) -> Finding:
        if found.status == Status.NOT_ASSESSED or not exceptions:
            return found
        name = waiver_for(found.code, sorted(exceptions, key=_order))
        if name is None:
            return found
        message = compose(found.code, "waived", found.measured, found.threshold, found.unit,
                          exception=name)
        return found.waived(name, message)

    def _report(
        self,
        source: str,
        exceptions: Sequence[str],
        findings: list[Finding],
        ctx: PhotoContext | None,
        timings: dict[str, float],
    ) -> Report:
        return Report(
            source=source,
            profile=self.profile.name,
            profile_digest=self.profile.digest,
            exceptions=list(exceptions),
            findings=findings,
            face=ctx.face_info if ctx else None,
            crop=ctx.crop_info if ctx else None,
            timings_ms=timings,
            versions=self.versions(),
        )

    def versions(self) -> dict[str, Any]:
        """photocheck and model versions (models only once they are loaded)."""
        models = self._models
        return {
            "photocheck": __version__,
            "models": models.versions() if models is not None else {},
        }


# checks that wait for the model chain: with overlap they run after the model-free measures
LATE_CHECKS = frozenset({"eyes", "geometry", "helper", "headwear", "eyewear"})


# Two busy threads each run slower than one alone (they share caches and memory bandwidth; on
# the 2-core benchmark VM two concurrent checks cost 16 % more CPU each). A 12 MP check repays
# that (wall 208 → 130 ms, CPU no higher: the two threads' working sets stay in their own
# caches); a 2 MP check does not (wall 88 → 70 ms for 15–20 % more CPU), nor does an 8 MP one.
OVERLAP_MIN_MEGAPIXELS = 10.0


def overlap_default(megapixels: float | None = None) -> bool:
    """Whether one check overlaps its model chain with its measures: ``PHOTOCHECK_OVERLAP``
    (``0`` / ``1``), else when this process may run on two cores or more and the photo has at
    least :data:`OVERLAP_MIN_MEGAPIXELS` (``megapixels`` None: size unknown, no overlap; batch
    workers set ``0``: their parallelism is one photo per core)."""
    env = os.environ.get("PHOTOCHECK_OVERLAP", "")
    if env in ("0", "1"):
        return env == "1"
    if megapixels is None or megapixels < OVERLAP_MIN_MEGAPIXELS:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores >= 2


def _megapixels(ctx: PhotoContext) -> float | None:
    """The photo's size from its header (None when the header is unreadable)."""
    try:
        head = decode.header(ctx)
    except Exception:  # noqa: BLE001 - memoised: the file check reports it
        return None
    return head.width * head.height / 1e6


def prefetch_chain(profile: Profile) -> list[Any]:
    """The intermediates the overlap thread computes, in order: the model chain the late checks
    need (crown: face search, mesh, then the MODNet gate — colour and selfie crowns and the
    background measures it reads, which the background check reuses — and the matte only when
    the gate asks for it; semantic cues), then the late checks' measures when
    the profile runs those checks (head, eye landmarks, eyes), so that both threads carry work
    to the end (12 MP, CPU ms after the decode: the chain ~45, the main thread's measures
    before the late checks ~55, the late checks' ~22). The head measures come before the eye
    landmarks, which the main thread's ``eyes`` check often starts first."""
    from photocheck import face, person, semantic
    from photocheck.checks import eyewear, headwear

    chain: list[Any] = [person.crown_info, semantic.semantic_cues]
    if profile.enabled("headwear"):
        chain.append(headwear.headwear_measures)
    chain.append(face.eye_landmarks)
    if profile.enabled("eyewear"):
        chain.append(eyewear.eyewear_measures)
    return chain


def main_first(profile: Profile) -> list[Any]:
    """What the main thread computes first when a check overlaps: the person mask and the
    background measures, which need the analysis image but no face until their last part, so
    the main thread starts on them as soon as the decode is done instead of waiting for the
    helper's face search (the ``face`` check, first in ``CHECKS``, needs it)."""
    from photocheck import scene, segmentation

    chain: list[Any] = [segmentation.person_mask]
    if profile.enabled("background"):
        chain.append(scene.background_measures)
    return chain


def _prefetch(ctx: PhotoContext) -> None:
    """The model chain of a check and the late checks' measures (:func:`prefetch_chain`), on
    the helper thread, front to back (:func:`_work_through`)."""
    _work_through(ctx, prefetch_chain(ctx.profile))


def _work_through(ctx: PhotoContext, chain: Iterable[Any]) -> None:
    """Compute each intermediate of ``chain`` that no thread has started yet; each result is
    memoised on ``ctx`` (failures too) for the checks to read. The helper thread takes the chain
    from the front and the main thread, once its model-free checks are done, from the back, so
    neither waits for the other while work is left (12 MP: the last ~20 ms of work spread over
    both cores instead of one)."""
    for intermediate in chain:
        if ctx.started(intermediate.key):
            continue  # done, or the other thread is on it: its check will wait for it
        # a failure is memoised: the check that needs the intermediate reports it
        with contextlib.suppress(Exception):
            intermediate(ctx)


def _order(name: str) -> int:
    return VALID.index(name) if name in VALID else len(VALID)


class _LazyModels:
    """Defers model loading until a check actually needs a model."""

    __slots__ = ("_validator",)

    def __init__(self, validator: Validator) -> None:
        self._validator = validator

    def __getattr__(self, name: str) -> Any:
        return getattr(self._validator.models, name)


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"applied_on must be a date YYYY-MM-DD, got {value!r}") from exc
