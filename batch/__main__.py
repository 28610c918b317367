"""``python -m batch INPUT --out DIR`` from the repository root (same as ``photocheck batch``)."""

import sys

from photocheck.batch.cli import main

if __name__ == "__main__":
    sys.exit(main())
