"""The layout a newcomer reads: each room imports only from rooms below it, and the sharing core stays pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# each room and the rooms it may import from (the ground floor `sim` is the shared vocabulary)
ALLOWED = {
    "sim": {"sim"},
    "sim.scenario": {"sim", "sim.scenario"},
    "sim.records": {"sim", "sim.scenario", "sim.records"},
    "sim.sharing": {"sim", "sim.scenario", "sim.sharing"},
    "sim.model": {"sim", "sim.scenario", "sim.sharing", "sim.model"},
    "analysis": {"sim", "sim.scenario", "sim.records", "sim.sharing", "sim.model", "analysis", "analysis.outputs"},
    "analysis.outputs": {
        "sim",
        "sim.scenario",
        "sim.records",
        "sim.sharing",
        "sim.model",
        "analysis",
        "analysis.outputs",
    },
}
HEAVY = ("pyarrow", "pandas", "yaml", "simpy", "matplotlib", "openpyxl", "streamlit", "scipy")


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and ".".join(parts[:2]) in ALLOWED:
        return ".".join(parts[:2])
    return parts[0]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for top in ("sim", "analysis"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out.append((".".join(p for p in parts if p != "__init__"), path))
    return out


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n.split(".")[0] in ("sim", "analysis")]


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_no_import_runs_back_up(module, path):
    room = _room(module)  # sim.money → the ground floor "sim"; sim.scenario.types → "sim.scenario"
    upward = [name for name in _imports(path) if _room(name) not in ALLOWED[room]]
    assert not upward, f"{module} ({room}) imports {upward}"


def test_every_module_has_a_room():
    rooms = {_room(m) for m, _ in _modules()}
    assert rooms <= set(ALLOWED)
    assert {"sim.scenario", "sim.records", "sim.sharing", "sim.model", "analysis.outputs"} <= rooms


def test_the_sharing_core_is_pure():
    # importing every module of the core loads no I/O, plotting or simulation library
    code = (
        "import sys, pkgutil, importlib, sim.sharing as s\n"
        "[importlib.import_module('sim.sharing.' + m.name) for m in pkgutil.iter_modules(s.__path__)]\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""
