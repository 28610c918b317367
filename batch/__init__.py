"""Repository entry point for ``python -m batch``: the runner lives in :mod:`photocheck.batch`."""

from photocheck.batch import *  # noqa: F403
from photocheck.batch import __all__  # noqa: F401
