"""The whole-frame person mask: its size and scale follow the analysis image; real photos
(skipped when absent)."""

from __future__ import annotations

import pytest

from photocheck import decode, segmentation
from photocheck.context import NotAssessable, PhotoContext
from photocheck.profiles import load_profile
from photocheck.validator import Validator
from tests.helpers import make_jpeg, manifest_rows, shared_photos


def test_person_mask_without_models_is_not_assessable() -> None:
    ctx = PhotoContext(data=make_jpeg(64, 80), source="tiny.jpg", profile=load_profile("online"))
    with pytest.raises(NotAssessable) as raised:
        segmentation.person_mask(ctx)
    assert raised.value.cause == "internal_error"


def test_person_mask_matches_the_analysis_image(models) -> None:
    rows = [r for r in manifest_rows() if r["category"] == "a_compliant_plain_bg"
            and "london_002_03" in r["file"] and not r["file"].startswith("small")]
    if not rows:
        pytest.skip("london_002_03 not in the manifest")
    ctx = Validator("online", models=models).context(shared_photos() / rows[0]["file"])
    mask = segmentation.person_mask(ctx)
    image = decode.analysis_image(ctx)
    assert mask.prob.shape == image.bgr.shape[:2] and mask.scale == image.scale
    h, w = mask.prob.shape
    assert mask.prob[h // 2, w // 2] > 0.9 and mask.prob[5, 5] < 0.1
