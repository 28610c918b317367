"""benchmarks.fit_semantic: the feature table built from per-photo results."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import fit_semantic
from benchmarks.fit_semantic import _stack


def test_stack_keeps_every_photo_and_kind_in_order() -> None:
    rows = [{"file": "a.jpg"}, {"file": "b.jpg"}, {"file": "c.jpg"}]
    results = [
        {"plain": {"f": [1.0, 2.0]}, "mirrored": {"f": [3.0, 4.0]}},
        None,  # no face: left out
        {"plain": {"f": [5.0, 6.0]}},
    ]
    out = _stack(rows, results)
    assert out["files"].tolist() == ["a.jpg", "a.jpg", "c.jpg"]
    assert out["kind"].tolist() == ["plain", "mirrored", "plain"]
    assert out["f"].dtype == np.float32
    assert out["f"].tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def _sample(seed: int = 0):
    from benchmarks.fit_semantic import _Sample

    rng = np.random.default_rng(seed)
    n = 200
    folds = np.arange(n) % 5
    y = (rng.random(n) < 0.3).astype(int)
    x = rng.normal(0, 1, (n, 3)) + y[:, None] * 1.5
    return _Sample(x, x + rng.normal(0, 0.01, x.shape), y, np.ones(n), folds)


def test_limits_from_scores_exact() -> None:
    from benchmarks.fit_semantic import limits_from_scores

    scores = np.array([0.9, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01, 0.95, 0.7])
    labels = np.array([0] * 10 + [1, 1])
    out = limits_from_scores(scores, labels, {"warn": 0.1, "fail": 0.0})
    # warn: one negative of ten (0.9) may lie above; halfway in logit between 0.9 and 0.8
    logit = (np.log(0.9 / 0.1) + np.log(0.8 / 0.2)) / 2
    assert out["warn"]["limit"] == round(float(1 / (1 + np.exp(-logit))), 3) == 0.857
    assert out["warn"]["held_out_false_alarm"] == 0.1
    assert out["warn"]["held_out_recall"] == 0.5  # 0.95 above, 0.7 below
    assert (out["warn"]["positives"], out["warn"]["negatives"]) == (2, 10)
    # fail: no negative above; 0.5 logit past the highest negative
    assert out["fail"]["limit"] == round(float(1 / (1 + np.exp(-(np.log(9.0) + 0.5)))), 3)
    assert out["fail"]["held_out_false_alarm"] == 0.0


def test_nested_limits_never_see_the_outer_fold() -> None:
    """Each outer fold's limits come from the other folds only: scrambling the outer fold's
    inputs and labels leaves its limits exactly as they were (and changes the others')."""
    from dataclasses import replace

    from benchmarks.fit_semantic import nested_limits

    sample = _sample()
    rates = {"warn": 0.05, "fail": 0.02}
    before = nested_limits(sample, 0.1, rates)
    assert set(before) == {0, 1, 2, 3, 4}
    assert all(0.0 < v["fail"] <= 1.0 and v["warn"] <= v["fail"] for v in before.values())
    out = sample.folds == 2
    rng = np.random.default_rng(7)
    x, xf, y = sample.x.copy(), sample.xf.copy(), sample.y.copy()
    x[out] = xf[out] = rng.normal(5, 3, (int(out.sum()), 3))
    y[out] = 1 - y[out]
    after = nested_limits(replace(sample, x=x, xf=xf, y=y), 0.1, rates)
    assert after[2] == before[2]
    assert any(after[k] != before[k] for k in (0, 1, 3, 4))


def test_balance_kinds_gives_each_kind_of_positive_the_same_total() -> None:
    from benchmarks.fit_semantic import balance_kinds

    w = np.array([1.0, 1.0, 1.0, 0.5, 0.5, 2.0, 3.0])
    y = np.array([1, 1, 1, 1, 1, 0, 0])
    kinds = np.array(["hat", "hat", "hat", "covering", "covering", "hat", "hat"])
    out = balance_kinds(w, y, kinds)
    # positives total 4.0 kept, 2.0 per kind; negatives untouched
    assert out.tolist() == [2 / 3, 2 / 3, 2 / 3, 1.0, 1.0, 2.0, 3.0]


def test_cached_features_are_reused_only_while_code_and_photos_are_the_same(
        tmp_path, monkeypatch) -> None:
    from benchmarks import fit_semantic

    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "MANIFEST.csv").write_text("file\n")
    calls: list[int] = []

    def extract(path):  # noqa: ANN001, ANN202
        calls.append(1)
        return {"files": np.array(["a.jpg"]), "x": np.array([[float(len(calls))]], np.float32)}

    cache = tmp_path / "features.npz"
    first = fit_semantic._cached(cache, photos, False, extract)
    again = fit_semantic._cached(cache, photos, False, extract)
    assert calls == [1] and again["x"][0, 0] == first["x"][0, 0] == 1.0
    assert "fingerprint" not in again
    (photos / "MANIFEST.csv").write_text("file\na.jpg\n")  # other photos: extracted again
    assert fit_semantic._cached(cache, photos, False, extract)["x"][0, 0] == 2.0
    monkeypatch.setattr(fit_semantic, "code_fingerprint", lambda p: "other code")
    assert fit_semantic._cached(cache, photos, False, extract)["x"][0, 0] == 3.0
    assert fit_semantic._cached(cache, photos, True, extract)["x"][0, 0] == 4.0  # refresh


def _prov(limit: float, auc: float = 0.98) -> dict:
    fit = {"limit": limit, "positives": 39, "negatives": 488, "margin_logit": 0.006,
           "held_out_recall": 0.9231, "held_out_false_alarm": 0.0287}
    return {"held_out_auc": auc, "limits": {"warn": fit, "fail": dict(fit, limit=limit * 2)}}


def test_the_profile_writer_sets_each_fitted_limit_and_says_what_it_rests_on() -> None:
    text = ("[headwear]\nwarn_hat_probability = 0.1  # old\nfail_hat_probability = 0.2\n"
            "[eyewear]\nwarn_sunglasses_probability = 0.3\nfail_sunglasses_probability = 0.4\n"
            "min_glasses_probability = 0.5\nmin_frame_evidence = 0.8\n")
    out = fit_semantic.profile_with_limits(
        text, {"headwear": _prov(0.155, 0.9879), "sunglasses": _prov(0.411),
               "glasses": _prov(0.1915)})
    lines = out.splitlines()
    assert lines[1] == ("warn_hat_probability = 0.155        # fitted: 39 pos / 488 neg, "
                        "held-out AUC 0.9879, margin 0.006 logit; recall 92 % at 2.9 % false "
                        "alarms")
    assert lines[2].startswith("fail_hat_probability = 0.31 ")
    assert lines[4].startswith("warn_sunglasses_probability = 0.411 #")
    assert lines[6].startswith("min_glasses_probability = 0.383 ")  # the glasses' fail level
    assert lines[0] == "[headwear]" and lines[7] == "min_frame_evidence = 0.8"
    with pytest.raises(ValueError, match="min_glasses_probability"):
        fit_semantic.profile_with_limits(text.replace("min_glasses", "max_glasses"),
                                         {"headwear": _prov(0.1), "sunglasses": _prov(0.1),
                                          "glasses": _prov(0.1)})
