# Dual-cavity perovskite laser: FDTD (Meep) workflow. See README.md.
# The config is checked (schema, then physics) before any rule is planned; a rejected
# config stops here with the offending key named and nothing written to results/.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/materials.smk"
include: "workflow/rules/geometry.smk"
include: "workflow/rules/mirrors.smk"


rule all:
    default_target: True
    input:
        get_final_outputs(),
