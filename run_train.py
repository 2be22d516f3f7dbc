"""Train the model: ``python run_train.py --data-dir D --features F --model-dir models/NAME``.

A thin wrapper of ``hms train`` (see ``hms train --help``).
"""

from __future__ import annotations

import sys

from hms_features.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
