#!/usr/bin/env bash
# Run one serial command as its own MPI singleton inside a SLURM job step.
# Debian's Meep calls MPI_Init on import. Under `srun --mpi=pmix` a process finds the step's
# PMIx server in PMIX_* variables and joins the step as rank 0; two such processes in one
# step (the side-by-side jobs of a Snakemake group job, which share one `srun -n1` step)
# abort in MPI_Init (measured on the test cluster: pmixp_client_v2.c status -61). Without the
# PMIX_* and SLURM_* variables Open MPI starts a singleton instead. Used by the grouped
# serial rules (group "sweep_1d") in cluster jobs only.
for v in $(compgen -e); do
  case $v in PMIX_* | SLURM_*) unset "$v" ;; esac
done
exec "$@"
