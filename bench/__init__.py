"""Benchmarks of the workflow (not part of it; the `sims` package knows nothing of them): FDTD throughput against a measured memory-bandwidth ceiling, MPI scaling,
1D overheads. Speed is measured here, never asserted in tests.

Method:
* Throughput in million cell-updates per second (Mcu/s) = cells x time steps / wall time
  of ``sim.run`` (initialisation excluded), for the project's own geometry (microcavity II
  with a finite crystal, ``sims.geometry.stack_layout``) in 2D, cylindrical (m = 0) and 3D,
  with a point dipole source and no monitors.
* Ceiling (:func:`ceiling_mcups`): an upper bound on Mcu/s = bandwidth / bytes per
  cell-update. Bandwidth: a triad measured in the same run with 1 and 2 processes streaming
  at once (:func:`bandwidths`), from DRAM (arrays 8x the last-level cache) and from the LLC.
  Bytes: the least traffic of one Meep time step, every array it touches streamed once
  (:data:`STEP_LOOPS`, :func:`bytes_per_cell_update`; per cell, 2D TM as run 72 B inside and
  120 B in the PML, cylindrical m = 0 and 3D 168 / 248 B, 1D 56 / 72 B). A case whose
  working set fits the caches gets no DRAM ceiling (an LLC one instead); a run above its
  ceiling is flagged as a bug of the model or the measurement, not reported as a result.
* MPI scaling: the same run with 1 and 2 ranks (more where the machine has them),
  launched with mpirun as child processes, for cells from 0.1 M to 10 M.
* 1D overheads: N normal-incidence reflectance spectra of a DBR computed in one long-lived
  process vs one process each, and Meep vs the transfer-matrix reference.
* Levers (:func:`levers`): each cost setting of the project's own runs against its
  alternative, as a time ratio and the accuracy it costs, in one run. The variants of one
  lever are run in rounds, alternating the order (A B, B A, ...), and the ratio reported
  is the median over the rounds of the per-round ratio, so that load drifting on a shared
  machine falls on both sides.
"""
