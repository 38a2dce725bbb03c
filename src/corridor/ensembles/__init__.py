"""Scenario ensembles: how likely each corridor is to stay open under uncertain hazards.

A scenario file (``scenario.schema.json``) names a network, hazards with their uncertainty,
gathering points, exits and checkpoints. ``prepare`` makes it a picklable ``Job``;
``run_ensemble`` samples it on a Dask distributed cluster (``connect`` gives a local one by
default) and reduces it on the workers to a ``Partial`` of exact integer sums, identical for
a given seed whatever the cluster; ``Summary`` turns that into per-route P(open) and time and
risk quantiles, and ``stability_geojson`` / ``render_stability_png`` into a stability map.
"""

from corridor.ensembles._job import (
    Job,
    NetworkPayload,
    Outcome,
    can_open,
    evaluate,
    network_payload,
    payload_network,
    run_batch,
    worker_network,
    worker_stats,
)
from corridor.ensembles._partial import Partial, hist_quantile, merge
from corridor.ensembles._report import (
    QUANTILES,
    Summary,
    render_stability_png,
    stability_geojson,
)
from corridor.ensembles._route import SampleRouter, sample_router
from corridor.ensembles._run import (
    MAX_SAMPLES,
    TRANSFERS,
    Prepared,
    Transfer,
    batches,
    choose_transfer,
    connect,
    default_batch_size,
    network_file_for,
    prepare,
    prepare_loaded,
    run_ensemble,
)
from corridor.ensembles._sample import (
    STRIKE_KINDS,
    UncertainCheckpoint,
    UncertainHazard,
    jitter_radius_m,
    realise,
    sample_rng,
)
from corridor.ensembles._scenario import (
    SCHEMA_PATH,
    Checkpoint,
    HazardUncertainty,
    Place,
    Scenario,
    load_scenario,
    parse_scenario_text,
    scenario_from_data,
    scenario_schema,
    schema_text,
)
from corridor.ensembles._whatif import (
    CrossingImpact,
    PlanImpact,
    WhatIfJob,
    candidate_crossings,
    critical_crossings,
    impacts_batch,
    rank_by_plan,
    replan_crossings,
    scenario_crossings,
)

__all__ = [
    "MAX_SAMPLES",
    "QUANTILES",
    "SCHEMA_PATH",
    "STRIKE_KINDS",
    "TRANSFERS",
    "Checkpoint",
    "CrossingImpact",
    "HazardUncertainty",
    "Job",
    "NetworkPayload",
    "Outcome",
    "Partial",
    "Place",
    "PlanImpact",
    "Prepared",
    "SampleRouter",
    "Scenario",
    "Summary",
    "Transfer",
    "UncertainCheckpoint",
    "UncertainHazard",
    "WhatIfJob",
    "batches",
    "can_open",
    "candidate_crossings",
    "choose_transfer",
    "connect",
    "critical_crossings",
    "default_batch_size",
    "evaluate",
    "hist_quantile",
    "impacts_batch",
    "jitter_radius_m",
    "load_scenario",
    "merge",
    "network_file_for",
    "network_payload",
    "parse_scenario_text",
    "payload_network",
    "prepare",
    "prepare_loaded",
    "rank_by_plan",
    "realise",
    "render_stability_png",
    "replan_crossings",
    "run_batch",
    "run_ensemble",
    "sample_rng",
    "sample_router",
    "scenario_crossings",
    "scenario_from_data",
    "scenario_schema",
    "schema_text",
    "stability_geojson",
    "worker_network",
    "worker_stats",
]
