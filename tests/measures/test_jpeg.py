import numpy as np

from photocheck.measures.jpeg import IJG_LUMA, ZIGZAG, natural_order


def test_zigzag_is_a_permutation_starting_along_the_first_row_and_column():
    assert sorted(ZIGZAG.tolist()) == list(range(64))
    assert ZIGZAG[:6].tolist() == [0, 1, 8, 16, 9, 2]


def test_natural_order_undoes_the_zigzag_storage():
    stored = np.empty(64, dtype=np.int64)
    stored[np.arange(64)] = IJG_LUMA[ZIGZAG]  # how a DQT segment stores the table
    assert natural_order(stored).tolist() == IJG_LUMA.tolist()
    assert natural_order(stored, np.float64).dtype == np.float64
