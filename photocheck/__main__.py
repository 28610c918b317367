"""``python -m photocheck`` runs the command line (see :mod:`photocheck.cli`)."""

import sys

from photocheck.cli import main

sys.exit(main())
