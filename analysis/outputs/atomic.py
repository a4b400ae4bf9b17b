"""Write a run's files all together or not at all.

Files go to a hidden folder beside the target; only when every file is written are they moved into
place, so after any error the output folder holds nothing from that run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError(str(target), None, "output_not_dir")
    anchor = target.parent
    while not anchor.exists():
        anchor = anchor.parent
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=anchor))
    try:
        yield staging
        target.mkdir(parents=True, exist_ok=True)
        for item in sorted(staging.iterdir()):
            os.replace(item, target / item.name)
    except OSError as exc:
        raise InputError(str(target), None, "output_write", detail=exc.strerror or str(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
