"""``python -m hms_features`` is the ``hms`` command."""

import sys

from hms_features.cli import main

if __name__ == "__main__":
    sys.exit(main())
