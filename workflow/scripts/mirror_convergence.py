"""Entry: resolution convergence of 1D Meep vs transfer matrix for one DBR -> Markdown + JSON."""

import argparse
import json

from sims.mirror_convergence import convergence_markdown, resolution_convergence
from sims.mirror_spectra import mirror_settings
from sims.results import provenance, write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config: materials, mirrors, simulation, mirror_spectra")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    ms = settings["mirror_spectra"]
    mirror = ms["convergence_mirror"]
    rows = resolution_convergence(settings, mirror, ms["convergence_resolutions_px_per_um"],
                                  log=lambda s: print(s, flush=True))
    st = mirror_settings(settings, mirror)
    md = convergence_markdown(rows, mirror, st)
    wall = sum(r["wall_time_s"] for r in rows)
    out = {"mirror": mirror, "rows": rows, "provenance": provenance(settings, wall)}
    for path, text in ((args.json, json.dumps(out, indent=1, default=float)), (args.md, md)):
        write_text(path, text)
    print(md.splitlines()[0])


if __name__ == "__main__":
    main()
