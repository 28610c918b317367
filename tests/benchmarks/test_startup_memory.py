"""benchmarks.startup_memory: the busy core behind check_many's no-GIL ceiling."""

from __future__ import annotations

import time

import cv2
import numpy as np
import psutil

from benchmarks.startup_memory import BusyCore


def test_busy_core_burns_a_core_in_another_process_until_the_block_ends() -> None:
    image = np.zeros((480, 640, 3), np.uint8)
    image[::8] = 255
    data = cv2.imencode(".jpg", image)[1].tobytes()
    with BusyCore(data) as busy:
        assert busy.running and busy.pid is not None
        process = psutil.Process(busy.pid)
        before = process.cpu_times()
        time.sleep(0.5)
        after = process.cpu_times()
        burnt_s = (after.user + after.system) - (before.user + before.system)
        # all of one core but what a shared CI host takes away (at least a fifth of it)
        assert 0.1 <= burnt_s <= 0.75
    assert not busy.running
    assert not psutil.pid_exists(process.pid) or process.status() == psutil.STATUS_ZOMBIE
