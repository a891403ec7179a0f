"""Compare two results/ trees bitwise (sims.results_compare): every HDF5 dataset and attribute and
every JSON/TSV/CSV/Markdown file, ignoring wall times, host, git commit and versions.

Usage: python workflow/scripts/compare_runs.py RESULTS_A RESULTS_B   (exit 1 on any difference)
"""

import sys
from pathlib import Path

from sims.results_compare import compare_trees


def main(argv=None) -> int:
    ra, rb = (Path(p) for p in (argv or sys.argv[1:]))
    problems = compare_trees(ra, rb)
    n = sum(1 for p in ra.rglob("*") if p.is_file())
    print("\n".join(problems) if problems else f"identical: {n} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
