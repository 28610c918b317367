"""Quality check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.checks import quality
from photocheck.validator import Validator
from tests.checks.scene_cases import SceneCases, pytest_generate_tests  # noqa: F401
from tests.helpers import make_jpeg
from tests.synthetic import run_check

PHOTO = "a_compliant_plain_bg/london_041_03.jpg"


class TestQuality(SceneCases):
    check = quality

    def test_without_a_face_nothing_is_assessed(self, validator: Validator) -> None:
        statuses = run_check(validator, quality.CHECK, make_jpeg(640, 800, noise=False))
        assert set(statuses.values()) == {"not_assessed"}


def test_a_trims_own_enlargement_is_not_judged_as_an_upscaled_photo(models) -> None:  # noqa: ANN001
    """A 3× bicubic enlargement (a 200-dpi scan trimmed to 600 dpi) fails quality.upscaled
    as a photo; told the trim did it (RESAMPLED_KEY), the photo is judged at the scan's grid
    and passes. A photo enlarged 4× that the trim did not enlarge still fails."""
    import cv2

    from tests.helpers import shared_photos
    from tests.synthetic import encode

    validator = Validator("mail", models=models)  # scans: quality at full resolution
    bgr = cv2.imread(str(shared_photos() / PHOTO))
    h, w = bgr.shape[:2]

    def enlarged(by: float, src: np.ndarray) -> np.ndarray:
        small = cv2.resize(src, (round(w / by), round(h / by)), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)

    def upscaled(data: bytes, trim_enlarged: float | None) -> str:
        ctx = validator.context(data)
        if trim_enlarged is not None:
            ctx.memo(quality.RESAMPLED_KEY, lambda: trim_enlarged)
        found = {f.code: f for f in validator._run_check(quality.CHECK, ctx)}  # noqa: SLF001
        return str(found["quality.upscaled"].status)

    by_trim = encode(enlarged(3.0, bgr))
    assert upscaled(by_trim, None) == "fail"
    assert upscaled(by_trim, 3.0) == "pass"
    assert upscaled(encode(enlarged(4.0, bgr)), 1.0) == "fail"


def _small_face(models, scale: float, degrade) -> dict[str, object]:  # noqa: ANN001
    """Quality findings of the compliant photo shrunk by ``scale`` and then degraded."""
    import cv2

    from tests.helpers import shared_photos
    from tests.synthetic import encode

    validator = Validator("online", models=models)
    bgr = cv2.imread(str(shared_photos() / PHOTO))
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ctx = validator.context(encode(degrade(small)))
    return {f.code: f for f in validator._run_check(quality.CHECK, ctx)}  # noqa: SLF001


def test_a_small_face_enlarged_4x_is_upscaled(models) -> None:  # noqa: ANN001
    """A 120-px face enlarged 4× from a 30-px one: smooth at its grid (1.08) and sharp again at
    a quarter of it (gain 1.25), below the blur IOD (at 64 px the gain is only 1.08)."""
    from tests.synthetic import upscale

    found = _small_face(models, 0.6, lambda img: upscale(img, 4.0))
    up = found["quality.upscaled"]
    assert str(up.status) == "fail"
    assert up.measured["native_sharpness"] == pytest.approx(1.08, abs=0.03)
    assert up.measured["gain"] == pytest.approx(1.25, abs=0.05)
    # the same face enlarged 1.3× (acceptable) keeps its detail at the grid
    mild = _small_face(models, 0.6, lambda img: upscale(img, 1.3))
    assert str(mild["quality.upscaled"].status) == "pass"
    assert mild["quality.upscaled"].measured["native_sharpness"] > 1.25



def test_min_of_the_direction_ratios() -> None:
    assert quality._min(np.array([1.25, np.nan, 0.5, 2.0])) == 0.5
    assert np.isnan(quality._min(np.full(4, np.nan)))
