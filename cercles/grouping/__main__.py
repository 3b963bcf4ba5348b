"""``python -m cercles.grouping``: keep BLAS single-threaded, then run the CLI."""

import os
import sys

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from cercles.grouping.cli import main  # noqa: E402 - after the BLAS thread settings, which numpy reads on import

sys.exit(main())
