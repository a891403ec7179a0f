"""Test hook, active only when a test puts tests/hooks on PYTHONPATH and sets one of:

SIMS_TEST_MARK_DIR: every Meep rank writes ``<dir>/stepping.<rank>`` once it has taken
    SIMS_TEST_MARK_STEPS (default 50) FDTD steps inside ``Simulation.run``: the proof that a
    process is stepping fields when a test kills it.
SIMS_TEST_FAIL_RANK: that rank raises RuntimeError at the same step (an MPI failure injected
    into the project's own entry point, mid-run).

It wraps ``meep.Simulation.run`` with one extra step function when meep is first imported;
step functions only read the simulation, so the fields and results are unchanged. Python
imports ``sitecustomize`` at start-up from the first sys.path entry that has one.
"""

import importlib.machinery
import os
import sys

_MARK_DIR = os.environ.get("SIMS_TEST_MARK_DIR")
_FAIL_RANK = os.environ.get("SIMS_TEST_FAIL_RANK")
_STEPS = int(os.environ.get("SIMS_TEST_MARK_STEPS", "50"))


def _patch(meep):
    run = meep.Simulation.run

    def run_with_probe(self, *step_funcs, **kwargs):
        count = [0]

        def probe(sim):
            count[0] += 1
            if count[0] != _STEPS:
                return
            rank = meep.my_rank()
            if _MARK_DIR:
                with open(os.path.join(_MARK_DIR, f"stepping.{rank}"), "w") as fh:
                    fh.write(f"{sim.meep_time()}\n")
            if _FAIL_RANK is not None and rank == int(_FAIL_RANK):
                raise RuntimeError(f"injected failure on rank {rank} during FDTD stepping (t = {sim.meep_time()})")

        return run(self, *step_funcs, probe, **kwargs)

    meep.Simulation.run = run_with_probe


class _MeepFinder:
    def find_spec(self, name, path=None, target=None):
        if name != "meep":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


if _MARK_DIR or _FAIL_RANK is not None:
    sys.meta_path.insert(0, _MeepFinder())
