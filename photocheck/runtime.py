"""Process-wide settings a check relies on, made once when the first Validator is built:
numpy's BLAS on one thread, and glibc's malloc keeping freed image-sized buffers.

Both only change how fast a check runs, never a number; each has an environment switch
(``PHOTOCHECK_BLAS_THREADS``, ``PHOTOCHECK_KEEP_BUFFERS``).
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

_blas_limited = False


def limit_blas_threads() -> None:
    """Run numpy's BLAS (OpenBLAS) single-threaded in this process, once.

    Every matrix product of a check is tiny (least-squares fits of a few thousand samples,
    landmark transforms); a multi-threaded BLAS spends far more time waking and spinning its
    threads than computing them (measured: a 6000×6 ``lstsq`` 8 ms of CPU vs 0.35 ms
    single-threaded; the whole 12 MP check ~50 ms less CPU). Threads for throughput come from
    ``check_many`` / batch workers instead. ``PHOTOCHECK_BLAS_THREADS`` overrides the limit.
    """
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    limit = int(os.environ.get("PHOTOCHECK_BLAS_THREADS", "1") or 0)
    if limit > 0:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=limit, user_api="blas")


_allocator_tuned = False
# glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest on 64-bit systems
TRIM_THRESHOLD_BYTES = 128 << 20
_MALLOC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")


def keep_freed_buffers() -> bool:
    """Let glibc's malloc reuse freed image-sized buffers instead of handing them back to the
    system, once per process; True when it did.

    A check makes and frees arrays of 0.1–40 MB (decoded images, float copies of the face
    crop, filter outputs). By default glibc maps large blocks fresh and, with its sliding
    threshold, trims a freed heap top, so at every photo the same arrays' pages are faulted in
    and zero-filled again: 2 000–4 000 page faults per check, 8–14 ms of its CPU (measured,
    two processes taking turns: 2 MP 11 ms, 12 MP 8 ms on the main thread, 13 and 14 ms on a
    worker thread), peak RSS unchanged (freed blocks are reused by the next photo). Blocks up
    to :data:`MMAP_THRESHOLD_BYTES` come from the heap, up to :data:`TRIM_THRESHOLD_BYTES` of
    free heap stay mapped, and threads share the main heap (one arena: a thread's own arena is
    made of 64 MB heaps that glibc unmaps whenever one empties, faulting them in again; with
    ``check_many`` on two threads the shared heap cost nothing measurable; arenas threads made
    before this call stay in glibc's rotation). Allocation only: no number changes. glibc only;
    glibc's own ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` / ``MALLOC_ARENA_MAX`` or
    ``PHOTOCHECK_KEEP_BUFFERS=0`` leave the allocator alone.
    """
    global _allocator_tuned
    if _allocator_tuned:
        return False
    _allocator_tuned = True
    if (os.environ.get("PHOTOCHECK_KEEP_BUFFERS", "1") == "0"
            or any(name in os.environ for name in _MALLOC_ENV)
            or not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
                and libc.mallopt(_M_ARENA_MAX, 1))
