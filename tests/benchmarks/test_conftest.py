"""benchmarks.conftest: the plain-process decode yardstick of the interleaved benchmarks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.conftest import PlainDecoder


def test_plain_decoder_times_one_decode_per_call_in_its_own_process() -> None:
    image = np.zeros((480, 640, 3), np.uint8)
    image[:, 320:] = 255
    data = cv2.imencode(".jpg", image)[1].tobytes()
    with PlainDecoder(data) as decode:
        timings = [decode() for _ in range(3)]
    for wall_s, cpu_s, faults in timings:
        assert 0.0 < wall_s < 5.0 and 0.0 <= cpu_s < 5.0
        assert isinstance(faults, int) and faults >= 0


def test_plain_decoder_refuses_what_it_cannot_decode() -> None:
    with PlainDecoder(b"not a jpeg") as decode, pytest.raises(RuntimeError, match="could not"):
        decode()
