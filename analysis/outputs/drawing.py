"""Charts drawn in processes of their own while the caller writes its tables.

Drawing is most of the time of writing a run's files and matplotlib holds the GIL while it draws, so the charts
go to worker processes. They are forked from a server that has imported matplotlib and the chart code once
(`prepare`: the CLI starts it before simulating, so those imports overlap the simulation). The server is a fresh
process without threads, so forking it is safe, unlike forking a process that runs Arrow's threads. A chart
drawn there has the same bytes as one drawn here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import forkserver
from pathlib import Path

_CONTEXT = multiprocessing.get_context("forkserver")
_CHARTS = "analysis.outputs.charts"


def prepare() -> None:
    """Start the drawing server now, if it is not running yet, so that it is ready when the charts are."""
    _CONTEXT.set_forkserver_preload([_CHARTS])
    forkserver.ensure_running()


@contextmanager
def drawing(workers: int = 2) -> Iterator[Callable[..., None]]:
    """`draw(chart, stem, *args, **kwargs)` saves `charts.<chart>(*args, **kwargs)` as `stem`.png/.svg in a
    worker; leaving the block waits for every chart and raises the first failure."""
    prepare()
    jobs: list[Future] = []
    with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1), mp_context=_CONTEXT) as pool:

        def draw(chart: str, stem: Path, *args: object, **kwargs: object) -> None:
            jobs.append(pool.submit(_draw, chart, Path(stem), args, kwargs))

        try:
            yield draw
        except BaseException:
            for job in jobs:
                job.cancel()
            raise
        for job in jobs:
            job.result()


def _draw(chart: str, stem: Path, args: tuple, kwargs: dict) -> None:
    """Draw and save one chart, the cyclic garbage collector paused meanwhile: a figure's ~10⁵ short-lived
    objects would have it scan the worker's heap again and again (a tenth of the drawing time); the figure's
    garbage is left for the next collection."""
    from analysis.outputs import charts

    gc.disable()
    try:
        charts.save(getattr(charts, chart)(*args, **kwargs), stem)
    finally:
        gc.enable()
