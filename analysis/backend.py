"""Where many independent simulations run: in this process, on a local process pool, or on a Dask cluster.

Every task carries its own seed (a `SeedSequence` child per replication or sample point), and the results
are put back in task order whatever order they finish in, so outputs are byte-identical whatever the backend
and the number of workers. A bad input found inside a worker (an `InputError`) comes back as a value, not as
a pickled exception, and the first one in task order is raised here.

On a cluster every worker needs the same ftzshare and the same Python packages installed (README, "Running
on a cluster"); the tasks ship the validated scenario, never a file path.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError

CLI = "command line"
CONNECT_SECONDS = 30  # how long to wait for a scheduler before saying it cannot be reached


@dataclass(frozen=True)
class _Refused:
    """An `InputError` raised by a task, as plain data that crosses process and machine boundaries."""

    file: str
    where: str | None
    key: str
    params: dict[str, Any]


def _guarded(function: Callable, *args: Any) -> Any:
    try:
        return function(*args)
    except InputError as error:
        return _Refused(error.file, error.where, error.key, error.params)


def map_ordered(
    function: Callable,
    tasks: Sequence[tuple],
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list:
    """`[function(*task) for task in tasks]`, in task order: on the Dask scheduler at `scheduler` if given,
    else on `workers` spawned processes, else here. `progress(i)` is called as task i finishes."""
    if scheduler:
        results = _on_cluster(function, tasks, scheduler, progress)
    elif workers > 1 and len(tasks) > 1:
        results = _on_pool(function, tasks, workers, progress)
    else:
        results = []
        for index, task in enumerate(tasks):
            results.append(_guarded(function, *task))
            if progress:
                progress(index)
    refused = next((r for r in results if isinstance(r, _Refused)), None)
    if refused is not None:
        raise InputError(refused.file, refused.where, refused.key, **refused.params)
    return results


def _on_pool(function: Callable, tasks: Sequence[tuple], workers: int, progress) -> list:
    context = multiprocessing.get_context("spawn")  # no fork under Arrow's threads
    results: list = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(_guarded, function, *task): index for index, task in enumerate(tasks)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if progress:
                progress(index)
    return results


def _on_cluster(function: Callable, tasks: Sequence[tuple], scheduler: str, progress) -> list:
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(CLI, "--scheduler", "scheduler_unreachable", address=scheduler, detail=detail) from None
    with client:
        # pure=False: two tasks with equal arguments are still two tasks (and every key is unique)
        futures = [client.submit(_guarded, function, *task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            if progress:
                progress(index[future.key])
        return client.gather(futures)
