"""Finding messages: the numbers behind every verdict, in both languages."""

from __future__ import annotations

from photocheck.messages import compose, format_limit, format_parts, limit_text


def test_a_single_figure_gets_its_value_unit_and_review_limit() -> None:
    msg = compose("pose.roll", "fail", 12.41, {"min": -8.0, "max": 8.0, "fail_max": 12.0}, "deg")
    assert msg["en"].endswith("(measured 12.4 deg; limit -8–8)")
    assert msg["ja"].endswith("（測定値 12.4 deg、基準 -8–8）")


def test_a_rule_on_several_figures_names_each_with_its_review_limit() -> None:
    figures, limits = format_parts({"side": 0.893, "slab": 0.984},
                                   {"max_side": 0.25, "fail_max_side": 0.4,
                                    "max_slab": 0.6, "fail_max_slab": 0.8}, "ratio")
    assert figures == "side 0.893, slab 0.984"
    assert limits == "side ≤ 0.25, slab ≤ 0.6"
    msg = compose("background.shadow", "fail", {"side": 0.893, "slab": 0.984},
                  {"max_side": 0.25, "fail_max_side": 0.4, "max_slab": 0.6,
                   "fail_max_slab": 0.8}, "ratio")
    assert msg["en"] == ("There is a shadow on the background. "
                         "(measured side 0.893, slab 0.984; limit side ≤ 0.25, slab ≤ 0.6)")
    assert msg["ja"].endswith("（測定値 side 0.893, slab 0.984、基準 side ≤ 0.25, slab ≤ 0.6）")


def test_a_bare_limit_belongs_to_the_first_figure_and_the_unit_figure_reads_in_its_unit() -> None:
    assert format_parts({"chroma": 3.9, "lightness": 30.2},
                        {"max": 30.0, "fail_max": 40.0, "min_lightness": 35.0,
                         "fail_min_lightness": 25.0}) == (
        "chroma 3.9, lightness 30.2", "chroma ≤ 30, lightness ≥ 35")
    # the crown-to-chin height in mm, estimated crown flagged; a min–max range
    assert format_parts({"mm": 48.56, "crown_estimated": True}, {"min": 32.0, "max": 36.0},
                        "mm") == ("48.6 mm, crown_estimated yes", "32–36")
    # review limits named warn_… lose the prefix; nested and missing figures are left out
    assert format_parts({"openness": 0.2272, "iris_contrast": None, "regions": [[1, 2]]},
                        {"warn_min_eye_openness": 0.14, "fail_min_eye_openness": 0.08}) == (
        "openness 0.227", "eye_openness ≥ 0.14")


def test_limits_of_one_figure() -> None:
    assert format_limit({"min": 32, "max": 36}) == "32–36"
    assert format_limit({"max": 0.18, "fail_max": 0.3}) == "≤ 0.18"
    assert format_limit(None) == "-"


def test_every_language_appends_the_same_numbers_and_none_when_not_assessed() -> None:
    waived = compose("background.shadow", "waived", {"side": 0.893, "slab": 0.984},
                     {"max": 0.25, "warn_max_slab": 0.6, "fail_max": 0.4}, "ratio",
                     exception="religious")
    assert waived["en"] == ("There is a shadow on the background. Waived by the declared "
                            "exception 'religious'. (measured side 0.893, slab 0.984; limit "
                            "side ≤ 0.25, slab ≤ 0.6)")
    assert waived["ja"].endswith("（測定値 side 0.893, slab 0.984、基準 side ≤ 0.25, slab ≤ 0.6）")
    skipped = compose("quality.noise", "not_assessed", 7.25, {"max": 6.0}, "grey levels",
                      cause="face.not_found")
    assert skipped["en"] == "This rule could not be assessed (cause: face.not_found)."


def test_the_limit_text_is_the_limit_the_message_gives() -> None:
    # one figure, several figures, no figure (not assessed), no limit
    yaw = {"min": -11.0, "max": 11.0, "fail_min": -16.0, "fail_max": 16.0}
    assert limit_text(-3.03, yaw, "deg") == "-11–11"
    assert compose("pose.yaw", "pass", -3.03, yaw, "deg")["en"].endswith("; limit -11–11)")
    shadow = {"max_left_right": 0.65, "fail_max_left_right": 1.0, "max_top_bottom": 1.4}
    assert limit_text({"left_right": 1.77, "top_bottom": 1.48}, shadow, "stops") == (
        "left_right ≤ 0.65, top_bottom ≤ 1.4")
    assert limit_text(None, {"max": 0.3, "fail_max": 0.5}) == "≤ 0.3"
    assert limit_text("no DateTimeOriginal", None, "name") == "-"
