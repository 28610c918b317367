"""Quality check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

import numpy as np

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
