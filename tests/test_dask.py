"""A Dask LocalCluster with two worker processes gives the same bytes as the local run."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sensitivity import small_study_scenario

from analysis.backend import map_ordered
from analysis.cli import main
from sim.errors import InputError

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
NANNING = ROOT / "scenarios" / "guangxi" / "nanning.yaml"


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0")
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _square_or_refuse(x: int) -> int:
    """A task for the backend: slow tasks first, so they finish out of order; 13 is bad input."""
    import time

    time.sleep(0.05 * (5 - x % 5))
    if x == 13:
        raise InputError("task", f"x={x}", "usage", detail="unlucky")
    return x * x


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_results_come_back_in_task_order(scheduler):
    tasks = [(x,) for x in range(10)]
    finished = []
    assert map_ordered(_square_or_refuse, tasks, scheduler=scheduler, progress=finished.append) == [
        x * x for x in range(10)
    ]
    assert sorted(finished) == list(range(10))
    assert map_ordered(_square_or_refuse, tasks, workers=2) == map_ordered(_square_or_refuse, tasks)


def test_bad_input_inside_a_worker_is_one_error_here(scheduler):
    with pytest.raises(InputError) as caught:
        map_ordered(_square_or_refuse, [(x,) for x in range(12, 16)], scheduler=scheduler)
    assert caught.value.where == "x=13"
    assert "unlucky" in caught.value.line()


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("analysis.backend.CONNECT_SECONDS", 1)
    out = tmp_path / "out"
    code = main(["sensitivity", str(NANNING), "--out", str(out), "--samples", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_sensitivity_on_the_cluster_equals_the_local_study(scheduler, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    common = ["sensitivity", str(small_study_scenario(tmp_path)), "--samples", "2", "--seed", "3"]
    assert main([*common, "--out", str(local)]) == 0
    assert main([*common, "--out", str(cluster), "--scheduler", scheduler]) == 0
    assert _files(local) == _files(cluster)


def test_run_on_the_cluster_equals_the_local_run(scheduler, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    common = ["run", str(NANNING), "--replications", "3", "--seed", "11"]
    assert main([*common, "--out", str(local)]) == 0
    assert main([*common, "--out", str(cluster), "--scheduler", scheduler]) == 0
    files = _files(local)
    assert "parameters.csv" in files  # each replication drew its own parameters
    assert files == _files(cluster)
