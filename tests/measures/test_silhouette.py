import numpy as np

from photocheck.measures.silhouette import component_at, top_edge_profile


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


def test_component_at_is_the_seed_s_4_connected_region() -> None:
    binary = np.array([[1, 1, 0, 1],
                       [0, 1, 0, 1],
                       [1, 0, 1, 1],
                       [1, 1, 0, 0]], np.uint8)
    want = np.array([[1, 1, 0, 0],
                     [0, 1, 0, 0],
                     [0, 0, 0, 0],
                     [0, 0, 0, 0]], bool)  # (1, 1)'s diagonal neighbour (2, 2) is not joined
    assert np.array_equal(component_at(binary, 0, 0), want)
    right = np.zeros((4, 4), bool)
    right[0:3, 3] = right[2, 2] = True
    assert np.array_equal(component_at(binary, 3, 2), right)
    assert not component_at(binary, 2, 0).any()  # the seed is off the region


def test_component_at_equals_connected_components_labels() -> None:
    import cv2

    rng = np.random.default_rng(0)
    for trial in range(300):
        h, w = (int(v) for v in rng.integers(1, 50, 2))
        binary = (rng.random((h, w)) < rng.uniform(0.2, 0.9)).astype(np.uint8)
        if trial % 2:  # blobs rather than salt and pepper
            binary = (cv2.GaussianBlur(binary.astype(np.float32), (0, 0), 2.0) > 0.5).astype(
                np.uint8)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        _, labels = cv2.connectedComponents(binary, connectivity=4)
        want = labels == labels[y, x] if labels[y, x] else np.zeros((h, w), bool)
        assert np.array_equal(component_at(binary, x, y), want)
