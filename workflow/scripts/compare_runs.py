"""Compare two results/ trees bitwise (sims.results_compare): every HDF5 dataset and attribute and
every JSON/TSV/CSV/Markdown file, ignoring wall times, host, git commit and versions.

Usage: python workflow/scripts/compare_runs.py [--flag-aware] RESULTS_A RESULTS_B   (exit 1 on any difference)
--flag-aware: values re-stored under the Flagged schema (bitwise equal where ok, a sentinel -1/1e30/inf
before elsewhere) and JSON keys added beside the old ones are not differences.
"""

import sys
from pathlib import Path

from sims.results_compare import compare_trees


def main(argv=None) -> int:
    args = list(argv or sys.argv[1:])
    flag_aware = "--flag-aware" in args
    ra, rb = (Path(p) for p in args if p != "--flag-aware")
    problems = compare_trees(ra, rb, flag_aware)
    n = sum(1 for p in ra.rglob("*") if p.is_file())
    print("\n".join(problems) if problems else f"identical: {n} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
