"""`python -m bench [STEP ...]` (what `make bench` runs): every benchmark, one table, `bench/results.json`.

With step names (see `bench.report.STEPS`) only those run — handy when one script changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import main

sys.exit(main(sys.argv[1:]))
