#!/usr/bin/env python
"""Feature extraction; the same as ``hms features`` (see ``hms features --help``)."""

import sys

from hms_features.cli import main

if __name__ == "__main__":
    sys.exit(main(["features", *sys.argv[1:]]))
