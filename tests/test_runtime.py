"""photocheck.runtime: the process-wide settings (glibc's allocator keeps freed buffers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from photocheck import runtime


def test_keep_freed_buffers_reuses_an_image_sized_block_without_page_faults(monkeypatch) -> None:
    import platform
    import resource
    import sys

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    monkeypatch.setattr(runtime, "_allocator_tuned", False)
    monkeypatch.setenv("PHOTOCHECK_KEEP_BUFFERS", "0")
    assert runtime.keep_freed_buffers() is False  # switched off: left alone
    monkeypatch.setattr(runtime, "_allocator_tuned", False)
    monkeypatch.delenv("PHOTOCHECK_KEEP_BUFFERS")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert runtime.keep_freed_buffers() is True
    assert runtime.keep_freed_buffers() is False  # once per process

    def faults_of_four_images() -> int:
        # four 5.8 MB images at once, every page written, then freed (a check's pattern): by
        # default glibc trims the freed heap top and the next four fault in ~2500 pages again
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        images = [np.ones((1600, 1200, 3), np.uint8) for _ in range(4)]
        assert sum(int(image[::400, ::400].sum()) for image in images) == 4 * 36
        del images
        return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

    faults_of_four_images()
    assert faults_of_four_images() < 50  # the freed blocks are reused


THREAD_FAULTS = """
import resource, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from photocheck.runtime import keep_freed_buffers
if sys.argv[1] == "keep":
    assert keep_freed_buffers()

def faults():  # four 18 MB images at once on a worker thread, then freed
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    images = [np.ones((3000, 2000, 3), np.uint8) for _ in range(4)]
    del images
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

with ThreadPoolExecutor(1) as pool:
    pool.submit(faults).result()  # the first round maps the pages
    print(max(pool.submit(faults).result() for _ in range(3)))
"""


def test_keep_freed_buffers_lets_a_worker_thread_reuse_them_too() -> None:
    import os
    import platform
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PHOTOCHECK_KEEP_BUFFERS", "MALLOC_MMAP_THRESHOLD_",
                        "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")}

    def faults(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", THREAD_FAULTS, mode], env=env, check=True,
                             capture_output=True, text=True, cwd=Path(__file__).parents[1])
        return int(out.stdout)

    # a thread's own arena is made of 64 MB heaps, unmapped as each empties: 72 MB of images
    # fault in again at every round; in the shared main heap they are reused
    assert faults("default") > 500
    assert faults("keep") < 50
