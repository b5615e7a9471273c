"""Judge-robustness probe: re-judge a sample of pairwise items under perturbations.

Data flow: a suite (or a run's suite) -> a seeded sample (:mod:`._perturb`) -> the original
sample and each perturbed copy run by :func:`judgekit.run_suite` as ordinary resumable runs
(:mod:`._probe`) -> flip rates with Wilson CIs in ``probe.json``/``probe.html``
(:mod:`._report`). See docs/probe.md.
"""

from judgekit.probe._perturb import INJECTIONS, PERTURBATIONS, perturb, sample, worse_side
from judgekit.probe._probe import ProbeOptions, load_probe_suite, probe
from judgekit.probe._report import ProbeReport, build_report, wilson

__all__ = [
    "INJECTIONS",
    "PERTURBATIONS",
    "ProbeOptions",
    "ProbeReport",
    "build_report",
    "load_probe_suite",
    "perturb",
    "probe",
    "sample",
    "wilson",
    "worse_side",
]
