"""Packaged classifiers: plain-number JSON that loads, validates and scores exactly."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from photocheck import classifiers
from photocheck.semantic import SemanticCues


def _tiny() -> classifiers.LinearClassifier:
    return classifiers.from_dict({
        "name": "t", "blocks": ["head.headwear_logit"], "mean": [1.0], "scale": [2.0],
        "weights": [3.0], "bias": -0.5})


def test_a_known_vector_scores_exactly() -> None:
    clf = _tiny()
    # ((5 − 1) / 2) × 3 − 0.5 = 5.5
    assert clf.probability(np.array([5.0])) == pytest.approx(1.0 / (1.0 + math.exp(-5.5)),
                                                             rel=1e-12)
    assert math.isnan(clf.probability(np.array([np.nan])))


def test_blocks_build_the_input_from_the_cues() -> None:
    probs = np.zeros(1000, np.float32)
    probs[515] = 0.5  # cowboy hat
    cues = SemanticCues(np.ones(1280, np.float32), probs, None, None, False)
    x = classifiers.input_vector(cues, ("head.headwear_logit", "eye.sunglass_logit"))
    assert x[0] == pytest.approx(0.0, abs=1e-6)  # logit(0.5)
    assert math.isnan(x[1])  # no eye crop without landmarks
    assert _tiny().score(cues) == pytest.approx(1.0 / (1.0 + math.exp(1.5 + 0.5)))


def test_malformed_classifiers_are_refused() -> None:
    good = _tiny().to_dict()
    with pytest.raises(classifiers.ClassifierError, match="unknown input"):
        classifiers.from_dict(dict(good, blocks=["nope"]))
    with pytest.raises(classifiers.ClassifierError, match="1 values"):
        classifiers.from_dict(dict(good, weights=[1.0, 2.0]))
    with pytest.raises(classifiers.ClassifierError, match="positive"):
        classifiers.from_dict(dict(good, scale=[0.0]))
    with pytest.raises(classifiers.ClassifierError, match="malformed"):
        classifiers.from_dict({"name": "x"})
    with pytest.raises(classifiers.ClassifierError, match="no classifier"):
        classifiers.load("no_such_rule")


@pytest.mark.parametrize("name", ["headwear", "sunglasses"])
def test_packaged_classifiers_load_with_their_provenance(name: str) -> None:
    clf = classifiers.load(name)
    assert clf.mean.shape == clf.weights.shape == clf.scale.shape
    prov = clf.provenance
    assert prov["positives"] >= 15 and prov["negatives"] >= 400
    assert prov["held_out_auc"] > 0.95
    assert prov["limits"]["warn"]["limit"] < prov["limits"]["fail"]["limit"]
    # a round trip through plain data scores the same
    x = clf.mean + clf.scale  # one standard deviation above the mean on every input
    again = classifiers.from_dict(clf.to_dict())
    expected = 1.0 / (1.0 + math.exp(-(float(clf.weights.sum()) + clf.bias)))
    assert clf.probability(x) == pytest.approx(expected, rel=1e-9)
    assert again.probability(x) == pytest.approx(expected, rel=1e-6)


def test_a_context_override_wins() -> None:
    clf = _tiny()
    assert classifiers.for_context(SimpleNamespace(classifiers={"headwear": clf}),
                                   "headwear") is clf
    assert classifiers.for_context(SimpleNamespace(classifiers=None),
                                   "headwear") is classifiers.load("headwear")


def test_logit_clips_as_np_clip_in_the_sums_dtype() -> None:
    _logit = classifiers._logit
    edges = [np.float32(v) for v in (0.0, 1e-7, 1e-6, 0.5, 0.9999989, 0.999999, 1.0)] + [
        0.0, 5e-7, 0.25, 0.9999995, 1.0]
    for p in edges:
        clipped = float(np.clip(p, 1e-6, 1.0 - 1e-6))
        assert _logit(p) == float(np.log(clipped / (1.0 - clipped)))
    # a float32 sum of 1 clips at float32(1 - 1e-6), not at the float64 bound
    top = float(np.float32(1.0 - 1e-6))
    assert _logit(np.float32(1.0)) == float(np.log(top / (1.0 - top)))
    assert math.isnan(_logit(np.float32("nan")))


def test_the_profile_holds_the_packaged_classifiers_limits() -> None:
    # fit_semantic.py --write writes both; a hand edit of either would part them
    from benchmarks.fit_semantic import PROFILE_KEYS
    from photocheck.profiles import load_profile

    profile = load_profile("online")
    for (name, level), (section, key) in PROFILE_KEYS.items():
        fitted = classifiers.load(name).provenance["limits"][level]["limit"]
        assert profile.section(section)[key] == fitted, key
