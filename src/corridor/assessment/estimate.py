"""Estimate the area scale of the incident model from an incident record (Knox-style test).

    python -m corridor.assessment.estimate [RECORD] [--permutations 199] [--toml OUT]

Prints the Knox table (further incidents per incident within r km in the next k days,
observed / chance and the permutation p-value) and the parameters it gives; ``--toml`` writes
them as a parameters file for ``corridor assess --params``. On the shared 2022 record this
reproduces the defaults of ``RiskParameters`` (docs/risk-model.md).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from corridor.assessment._knox import AreaEstimate, KnoxTable, estimate_area, knox_table
from corridor.hazards import Hazard, import_hazards, shared_data_dir

DEFAULT_RECORD = Path("incidents") / "bellingcat-civharm-2022-05-24.json"
SHOWN_LAGS = (1, 2, 3, 7, 14, 30)


def estimate_from_hazards(
    hazards: Sequence[Hazard], *, permutations: int = 199, seed: int = 20220224
) -> tuple[KnoxTable, AreaEstimate]:
    """Knox table and area estimate of point incidents, by the day they were recorded."""
    points = [h for h in hazards if h.geometry.geom_type == "Point" and h.observed_at]
    if len(points) < 2:
        raise ValueError("need at least two dated point incidents")
    t0 = datetime(1970, 1, 1, tzinfo=UTC)
    days = [int((h.observed_at - t0).total_seconds() // 86400) for h in points if h.observed_at]
    table = knox_table(
        [h.geometry.y for h in points], [h.geometry.x for h in points], days,
        permutations=permutations, seed=seed,
    )  # fmt: skip
    return table, estimate_area(table)


def markdown(table: KnoxTable, lags: Sequence[int] = SHOWN_LAGS) -> str:
    """The table as Markdown: observed/expected per incident, ratio, p-value, per (r, k)."""
    head = "| r (km) | " + " | ".join(f"k = {k} d" for k in lags) + " |"
    rule = "| ---: | " + " | ".join("---:" for _ in lags) + " |"
    rows = [head, rule]
    for a, r in enumerate(table.radii_km):
        cells = []
        for k in lags:
            b = table.lags_days.index(k)
            o, e = table.observed[a, b], table.expected[a, b]
            p = table.p_value[a, b]
            cells.append(
                f"{o:.2f} / {e:.2f} = {o / e:.2f}" + (f" (p {p:.3f})" if math.isfinite(p) else "")
            )
        rows.append(f"| {r:g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("record", nargs="?", type=Path, help="incident file (default: shared 2022)")
    parser.add_argument("--permutations", type=int, default=199)
    parser.add_argument("--seed", type=int, default=20220224)
    parser.add_argument("--toml", type=Path, help="write the estimate as a parameters file")
    args = parser.parse_args(argv)
    record = args.record or shared_data_dir() / DEFAULT_RECORD
    result = import_hazards(record)
    table, est = estimate_from_hazards(result.hazards, permutations=args.permutations,
                                       seed=args.seed)  # fmt: skip
    print(f"{record.name}: {table.n} incidents used ({result.n_skipped} skipped, "
          f"{len(result.not_hazards)} no hazard), {table.permutations} permutations\n")  # fmt: skip
    print("Further incidents per incident, observed / chance = ratio (p-value):\n")
    print(markdown(table))
    print(f"\narea radius          {est.radius_km} km (90 % of the largest 7-day excess, "
          f"{est.excess_7d_max:.2f} per incident)")  # fmt: skip
    print(f"area half-life       {est.half_life_days} days (half the 30-day excess, "
          f"{est.excess_30d:.2f}, arrived)")  # fmt: skip
    print(f"area daily weight    {est.daily_weight} (at least one excess incident on day 1)")
    print(f"Knox ratio there     {est.ratio_1d:.2f} (1 day), {est.ratio_7d:.2f} (7 days, "
          f"p {est.p_value_7d:.3f})")  # fmt: skip
    if args.toml:
        args.toml.write_text(
            f"area_radius_km = {est.radius_km}\narea_half_life_days = {est.half_life_days}\n"
            f"area_daily_weight = {est.daily_weight}\n", encoding="utf-8",
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
