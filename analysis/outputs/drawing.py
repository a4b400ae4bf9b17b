"""Charts drawn in processes of their own while the caller computes and writes its tables.

Drawing is most of the time of writing a run's files and matplotlib holds the GIL while it draws, so the charts
go to worker processes. They are forked from a server that has imported matplotlib and the chart code once
(`prepare`: the CLI starts it once the input is checked, so those imports overlap its own and the simulation).
The server is a fresh process without threads, so forking it is safe, unlike forking a process that runs Arrow's
threads. A chart drawn there has the same bytes as one drawn here.
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
def drawing(workers: int = 2) -> Iterator[Callable[..., Future]]:
    """`draw(chart, *args, **kwargs)` starts drawing `charts.<chart>(*args, **kwargs)` in a worker and returns its
    future: the chart's bytes in each saved format (`save_drawn` writes them). Leaving the block cancels what has not
    started and waits for the rest."""
    prepare()
    with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1), mp_context=_CONTEXT) as pool:
        jobs: list[Future] = []

        def draw(chart: str, *args: object, **kwargs: object) -> Future:
            jobs.append(pool.submit(_draw, chart, args, kwargs))
            return jobs[-1]

        try:
            yield draw
        finally:
            for job in jobs:
                job.cancel()


def save_drawn(job: Future, stem: Path) -> None:
    """Wait for a chart `draw` started (raising what its drawing raised) and write it as `stem`.png, `stem`.svg."""
    write_chart(job.result(), stem)


def write_chart(drawn: dict[str, bytes], stem: Path) -> list[Path]:
    """A chart's bytes in each format (`charts.figure_bytes`) written as `stem`.<format>."""
    paths = [Path(stem).with_suffix(f".{fmt}") for fmt in drawn]
    for path, data in zip(paths, drawn.values(), strict=True):
        path.write_bytes(data)
    return paths


def _draw(chart: str, args: tuple, kwargs: dict) -> dict[str, bytes]:
    """Draw one chart, the cyclic garbage collector paused meanwhile: a figure's ~10⁵ short-lived objects would
    have it scan the worker's heap again and again (a tenth of the drawing time); the figure's garbage is left for
    the next collection."""
    from analysis.outputs import charts

    gc.disable()
    try:
        fig = getattr(charts, chart)(*args, **kwargs)
        return {fmt: charts.figure_bytes(fig, fmt) for fmt in charts.SAVED}
    finally:
        gc.enable()
