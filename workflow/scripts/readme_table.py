"""Render results/summary.json as the README's results table (no hand-typed numbers).

Usage: python workflow/scripts/readme_table.py [results/summary.json] [--update README.md]
With --update, the table between the README's results-table markers is replaced.
"""

import argparse
import json
import re
import sys
from pathlib import Path


from sims.summary import format_entry as fmt

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"


def render(summary: dict) -> str:
    """The headline table (two devices side by side) when the summary has one, else one row per number."""
    nums = summary["numbers"]
    if summary.get("headline_table"):
        rows = ["| quantity | dual cavity | single cavity | unit | how it was obtained (file:dataset) |",
                "|---|---|---|---|---|"]
        for r in summary["headline_table"]:
            cols = r["columns"]
            cells = [nums[cols[c]] for c in ("dual_cavity", "single_cavity") if c in cols]
            if len(cells) == 2:
                vals = [fmt(c) for c in cells]
            else:
                cells = [nums[n] for n in cols.values()]
                vals = [" / ".join(fmt(c) for c in cells), ""]
            srcs = "; ".join(f"`{c.get('source', '')}`" for c in cells)
            rows.append(f"| {r['quantity']} | {vals[0]} | {vals[1]} | {r['unit']} | {srcs} |")
        return "\n".join(rows)
    rows = ["| quantity | value | unit | how it was obtained (file:dataset) |", "|---|---|---|---|"]
    for name, entry in nums.items():
        desc = entry.get("description", name).replace("|", "/")
        rows.append(f"| {desc} | {fmt(entry)} | {entry.get('unit', '')} | `{entry.get('source', '')}` |")
    return "\n".join(rows)


def update(readme: Path, table: str) -> None:
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"{readme} has no {START} ... {END} markers")
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda m: f"{START}\n{table}\n{END}", text, flags=re.S)
    readme.write_text(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("summary", nargs="?", default="results/summary.json")
    ap.add_argument("--update", metavar="README")
    args = ap.parse_args()
    table = render(json.loads(Path(args.summary).read_text()))
    if args.update:
        update(Path(args.update), table)
    else:
        print(table)


if __name__ == "__main__":
    main()
