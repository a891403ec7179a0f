# Mirror spectra (issue 3): R, T, A of each DBR between its media by 1D Meep, checked against
# transfer matrix at the same points. Default run: normal incidence by Meep, the angle
# dependence by transfer matrix alone. Validation: the same plus the Meep kx sweep (s and p),
# and a resolution-convergence study at normal incidence.

# keys of mirror_spectra only the oblique kx sweep reads (validation rule mirror_oblique)
OBLIQUE_ONLY_KEYS = ("n_kx", "oblique_time_factor", "settle_tolerance")


def mirror_step_settings(mirror=None, oblique=False):
    """Only what a mirror run depends on: its DBR, its media, the 1D numerics, its claims.
    The normal-incidence run (oblique=False) leaves out the oblique sweep's keys, so that
    changing them reruns only the validation rule."""
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
        if not oblique:
            for k in OBLIQUE_ONLY_KEYS:
                keep.pop(k, None)
    else:
        for k in ("angles_deg", "n_kx"):
            keep.pop(k, None)
    keep["mirrors"] = {n: ms["mirrors"][n] for n in names}
    keep["claims"] = [c for c in ms.get("claims", []) if c["mirror"] in names] if mirror else []
    sub["mirror_spectra"] = keep
    return sub


# default run: Meep at normal incidence only (kx = 0), transfer matrix at the angles
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


# validation: normal incidence + the oblique kx sweep (n_kx per polarization, s and p, capped
# at oblique_time_factor x the normal run), angle interpolation, unsettled frequencies
rule mirror_oblique:
    output:
        h5="results/validation/mirrors/{mirror}/spectra.h5",
        fig=report(
            "results/validation/mirrors/{mirror}/spectra.png",
            caption="../report/mirror_oblique.rst",
            category="Mirrors",
            subcategory="{mirror}",
        ),
        pdf="results/validation/mirrors/{mirror}/spectra.pdf",
        metrics="results/validation/mirrors/{mirror}/metrics.json",
        claims="results/validation/mirrors/{mirror}/metrics.csv",
    params:
        settings=lambda w: settings_json(mirror_step_settings(w.mirror, oblique=True)),
    log:
        "logs/validation/mirrors/{mirror}.log",
    benchmark:
        "benchmarks/validation/mirrors/{mirror}.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/mirror_spectra.py --oblique --settings {params.settings:q} --mirror {wildcards.mirror} "
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
# validation: the resolution-convergence table (4 normal-incidence runs of one DBR) and the
# oblique sweep of every DBR (each kx > 0 costs two capped runs: the bulk of the old default run)
VALIDATION_OUTPUTS.append("results/mirrors/convergence.md")
VALIDATION_OUTPUTS.extend(
    expand(
        "results/validation/mirrors/{mirror}/{f}",
        mirror=list(config["mirror_spectra"]["mirrors"]),
        f=["spectra.h5", "spectra.png", "metrics.json"],
    )
)
