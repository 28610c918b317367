"""``python -m photocheck.batch INPUT --out DIR`` (same as ``photocheck batch``)."""

import sys

from photocheck.batch.cli import main

if __name__ == "__main__":
    sys.exit(main())
