"""Where a benchmark's time goes: wrap a module's function so each call adds its seconds to a tally."""

from __future__ import annotations

import time


def tally_calls(module, name: str, label: str, spent: dict[str, float]) -> None:
    """Replace `module.name` by a wrapper adding each call's wall time to `spent[label]`."""
    function = getattr(module, name)

    def timed_call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

    setattr(module, name, timed_call)
