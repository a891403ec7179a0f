# Mirror spectra (issue 3): R, T, A of each DBR between its media by 1D Meep (normal
# incidence + kx sweep, s and p), checked against transfer matrix at the same points;
# and a resolution-convergence study at normal incidence.


def mirror_step_settings(mirror=None):
    """Only what a mirror run depends on: its DBR, its media, the 1D numerics, its claims."""
    ms = config["mirror_spectra"]
    names = [mirror] if mirror else [ms["convergence_mirror"]]
    media = [m for n in names for m in (ms["mirrors"][n]["below"], ms["mirrors"][n]["above"])]
    sub = sub_config(config, mirrors=names, materials=media, sections=())
    sub["simulation"] = {
        k: config["simulation"][k]
        for k in ("resolution_1d_px_per_um", "pml_um")
    }
    keep = {k: v for k, v in ms.items() if k not in ("mirrors", "claims")}
    if mirror:
        keep.pop("convergence_mirror", None)
        keep.pop("convergence_resolutions_px_per_um", None)
    else:
        for k in ("angles_deg", "n_kx"):
            keep.pop(k, None)
    keep["mirrors"] = {n: ms["mirrors"][n] for n in names}
    keep["claims"] = [c for c in ms.get("claims", []) if c["mirror"] in names] if mirror else []
    sub["mirror_spectra"] = keep
    return sub


rule mirror_spectra:
    output:
        h5="results/mirrors/{mirror}/spectra.h5",
        fig=report(
            "results/mirrors/{mirror}/spectra.png",
            caption="../report/mirror_spectra.rst",
            category="Mirrors",
            subcategory="{mirror}",
        ),
        pdf="results/mirrors/{mirror}/spectra.pdf",
        metrics="results/mirrors/{mirror}/metrics.json",
        claims="results/mirrors/{mirror}/metrics.csv",
    params:
        settings=lambda w: settings_json(mirror_step_settings(w.mirror)),
    log:
        "logs/mirrors/{mirror}.log",
    benchmark:
        "benchmarks/mirrors/{mirror}.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/mirror_spectra.py --settings {params.settings:q} --mirror {wildcards.mirror} "
        "--h5 {output.h5} --fig {output.fig} --metrics {output.metrics} > {log} 2>&1"


rule mirror_convergence:
    output:
        md=report(
            "results/mirrors/convergence.md",
            caption="../report/mirror_convergence.rst",
            category="Mirrors",
        ),
        json="results/mirrors/convergence.json",
    params:
        settings=lambda w: settings_json(mirror_step_settings()),
    log:
        "logs/mirrors/convergence.log",
    benchmark:
        "benchmarks/mirrors/convergence.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/mirror_convergence.py --settings {params.settings:q} "
        "--md {output.md} --json {output.json} > {log} 2>&1"


FINAL_OUTPUTS.extend(
    expand(
        "results/mirrors/{mirror}/{f}",
        mirror=list(config["mirror_spectra"]["mirrors"]),
        f=["spectra.h5", "spectra.png", "metrics.json"],
    )
)
# the resolution-convergence table (4 normal-incidence runs of one DBR): validation
VALIDATION_OUTPUTS.append("results/mirrors/convergence.md")
