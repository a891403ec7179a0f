"""Entry: results/summary.json, every headline number of every step with unit, source file and
status, and the headline table (the two devices side by side) the README and report show."""

import argparse
import json

from sims.results import software_versions, write_text
from sims.summary import headline_html, summary_document, summary_json


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    for k in ("absorption", "microcavity", "standard", "comparison", "threshold", "modes-i", "json", "html"):
        ap.add_argument(f"--{k}", required=True)
    ap.add_argument("--modes", nargs="*", default=[], help="modes.h5 of every cavity")
    ap.add_argument("--emission", nargs="*", default=[], help="emission.h5 of every LED")
    ap.add_argument("--mirrors", nargs="*", default=[], help="metrics.json of every mirror")
    ap.add_argument("--laser", default=None, help="laser_output.h5 (issue 20)")
    a = ap.parse_args(argv)
    doc = summary_document(vars(a))
    numbers = doc.pop("numbers")
    write_text(a.json, summary_json(numbers, {**doc, "software": software_versions()}))
    write_text(a.html, headline_html({"numbers": numbers, **doc}))
    print(json.dumps(doc["headline"]))


if __name__ == "__main__":
    main()
