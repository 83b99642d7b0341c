"""``python -m cibo``: the same as the ``cibo`` command."""

import sys

from cibo.cli import main

sys.exit(main())
