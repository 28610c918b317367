import numpy as np

from photocheck.measures.silhouette import top_edge_profile


def test_top_edge_ignores_a_single_stray_hair_and_marks_empty_columns():
    region = np.zeros((10, 7), dtype=bool)
    region[4:, 1:6] = True      # head top at row 4 in columns 1-5
    region[1:, 3] = True        # one stray hair reaching row 1
    tops = top_edge_profile(region, missing_row=10.0)
    assert tops.tolist() == [10.0, 4.0, 4.0, 4.0, 4.0, 4.0, 10.0]
    raw = top_edge_profile(region, missing_row=10.0, window=1)
    assert raw.tolist() == [10.0, 4.0, 4.0, 1.0, 4.0, 4.0, 10.0]


def test_no_region_gives_none():
    assert top_edge_profile(np.zeros((4, 4), dtype=bool), 4.0) is None
