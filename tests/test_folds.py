"""Held-out folds of benchmarks/folds.py: one person never in two folds."""

from __future__ import annotations

from benchmarks.folds import assign_folds, group_key


def test_group_keys_read_the_person_from_the_file_name() -> None:
    src = "debruine/webmorphR.stim@fa8b:inst/neutral_front/001_03.jpg"
    assert group_key("a_compliant_plain_bg/london_001_03.jpg", src) == \
        "debruine/webmorphR.stim:london-1"
    assert group_key("e_pose_turned_tilted/london_001_07.jpg", src) == \
        "debruine/webmorphR.stim:london-1"
    assert group_key("a/canada_003f.jpg", src) == "debruine/webmorphR.stim:canada-3"
    assert group_key("b_hat/interfaces_012.jpg", "cjdowner/interfaces@21:x/012.jpg") == \
        "cjdowner/interfaces:interfaces-12"
    # no person id in the name: the whole source is one group
    assert group_key("small/j_format_edge/pillow_hopper.gif", "python-pillow/Pillow@4e:x") == \
        group_key("small/j_format_edge/pillow_hopper_gray.jpg", "python-pillow/Pillow@4e:y") \
        == "python-pillow/Pillow:*"


def test_the_same_person_is_never_in_two_folds() -> None:
    groups = ["a", "a", "a", "b", "c", "c", "d", "e", "f", "g"]
    strata = ["hat", "other", "other", "hat", "other", "other", "other", "hat", "other", "other"]
    folds = assign_folds(groups, strata, k=3)
    assert folds == assign_folds(groups, strata, k=3)  # deterministic
    for g in set(groups):
        assert len({f for f, gg in zip(folds, groups, strict=True) if gg == g}) == 1
    # the three hat groups are dealt to three different folds
    assert len({folds[0], folds[3], folds[7]}) == 3
    assert set(folds) == {0, 1, 2}
