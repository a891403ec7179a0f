# Dual-cavity perovskite laser: FDTD (Meep) workflow. See README.md.
# The config is checked once, in workflow/rules/common.smk (sims.config.schema_check: the JSON
# schema workflow/schemas/config.schema.yaml with defaults filled and friendly messages, then
# the physics checks) before any rule is planned; a rejected config stops there with the
# offending key named and nothing written to results/.

import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/runs.smk"
include: "workflow/rules/materials.smk"
include: "workflow/rules/geometry.smk"
include: "workflow/rules/mirrors.smk"
include: "workflow/rules/finite_crystal_2d.smk"
include: "workflow/rules/cavity.smk"
include: "workflow/rules/emission.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/threshold.smk"
include: "workflow/rules/laser.smk"
include: "workflow/rules/sweeps.smk"


# The Snakemake process must not import meep: its MPI_Init would take the PMIx rank of a
# SLURM job step and every Meep child process would then fail. Rules run Meep in children.
if "meep" in sys.modules:
    raise WorkflowError(
        "a rule file imported meep into the Snakemake process; import sims "
        "modules that need meep only inside the entry scripts"
    )


onstart:
    check_executor_ready()


rule all:
    default_target: True
    input:
        get_final_outputs(),


# The cross-checks of every step against independent references (not in the default run):
# snakemake --cores N validation
rule validation:
    input:
        get_validation_outputs(),
