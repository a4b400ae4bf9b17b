"""Simulation performance: one replication of 100,000 entities × 10 years, against the targets, and the
speed-up over a naive one-process-per-entity version of the model on a smaller population.

    python benchmarks/bench_simulation.py                 # 100,000 entities; naive on 5,000
    python benchmarks/bench_simulation.py --entities 20000 --naive 2000

Targets: ≤ 10 s and ≤ 2 GB peak memory for one replication (model → ledger → statistics).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def scenario(entities: int):
    from sim.scenario.loading import scenario_from_data

    industries = []
    mix = [
        ("electronics", "电子信息", 0.5, 0.03),
        ("chemicals", "化工新材料", 0.3, 0.02),
        ("food", "东盟特色产品加工", 0.2, 0.04),
    ]
    for ident, name, share, hazard in mix:
        industries.append(
            {
                "id": ident,
                "name": name,
                "ftz_entities": int(entities * share),
                "new_per_year": int(entities * share * 0.1),
                "reinvest_rate_per_year": hazard,
                "revenue_yuan": {"median": 20_000_000, "sigma": 1.2},
                "vat_burden": 0.03,
                "profit_margin": 0.06,
                "cit_rate": 0.15,
                "payroll_share": 0.08,
                "land_ha_per_project": 2.0,
                "build_months": 12,
                "rampup_months": 18,
            }
        )
    zones = [(f"zone{i}", f"协同区{i}") for i in range(3)]
    return scenario_from_data(
        {
            "schema": "ftzshare/v1",
            "name": "benchmark",
            "horizon": {"start_year": 2023, "years": 10},
            "tax_rules": {"local_cit_exemption_years": 5},
            "parties": [{"id": "ftz", "kind": "ftz_area", "name": "片区"}]
            + [{"id": z, "kind": "collaborative_zone", "name": n, "land_ha": entities / 50} for z, n in zones],
            "agreements": [
                {"id": f"a{i}", "origin": "ftz", "host": z, "ratio": {"schedule": [{"from": 2023, "origin": 0.5}]}}
                for i, (z, _) in enumerate(zones)
            ],
            "population": {"seed": 1, "industries": industries},
        },
        "benchmark",
    )


def one_replication(entities: int) -> dict:
    """Run in a fresh process so that its peak memory is its own."""
    import resource

    import numpy as np

    from sim.model.records import statistics_of
    from sim.model.simulation import Model
    from sim.model.tax_calendar import ledger_of

    s = scenario(entities)
    start = time.perf_counter()
    sim = Model(s, np.random.SeedSequence(1)).run()
    model_s = time.perf_counter() - start
    ledger = ledger_of(sim)
    records = statistics_of(sim)
    total_s = time.perf_counter() - start
    return {
        "entities": len(sim.entities),
        "entity_months": int((12 * s.horizon.years - 12 * sim.entities.registered_year.clip(min=0)).sum()),
        "projects": len(sim.projects["entity"]),
        "ledger_rows": len(ledger),
        "statistics_rows": len(records.value),
        "model_s": model_s,
        "total_s": total_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000, help="population for the naive comparison")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_replication(args.child)))
        return 0

    def child(n: int) -> dict:
        done = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    big = child(args.entities)
    rate = big["entity_months"] / big["total_s"]
    print(
        f"one replication: {big['entities']:,} entities × 10 years ({big['entity_months']:,} entity-months), "
        f"{big['projects']:,} reinvestment attempts, {big['ledger_rows']:,} ledger rows, "
        f"{big['statistics_rows']:,} statistics rows"
    )
    print(
        f"  model (SimPy) {big['model_s']:.2f} s; model + tax calendar + statistics {big['total_s']:.2f} s "
        f"(target ≤ 10 s); peak memory {big['peak_mb']:,.0f} MB (target ≤ 2,048 MB)"
    )
    print(f"  {rate:,.0f} entity-months per second")

    from naive_model import run_naive

    small = child(args.naive)
    s = scenario(args.naive)
    start = time.perf_counter()
    run_naive(s, 1)
    naive_s = time.perf_counter() - start
    naive_rate = args.naive * 120 / naive_s  # the naive model has no new registrations: stock × months
    bulk_rate = small["entity_months"] / small["total_s"]
    print(
        f"naive model (one process per entity, monthly timeouts), {args.naive:,} entities: {naive_s:.2f} s, "
        f"{naive_rate:,.0f} entity-months/s; this model on the same population {small['total_s']:.2f} s, "
        f"{bulk_rate:,.0f} entity-months/s → {bulk_rate / naive_rate:,.0f}× faster"
    )
    ok = big["total_s"] <= 10 and big["peak_mb"] <= 2048
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
