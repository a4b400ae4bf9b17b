"""Variants: small scenario files that override a baseline (`extends:` + `overrides:`).

Like PolicyEngine's `Reform.from_dict`, the change is merged onto a copy of the baseline and the result is
validated whole before anything uses it — there is no partially applied variant. Mappings merge key by key,
lists are replaced, and `agreements` / `parties` / `upper_levels` may be addressed by id (`agreements:
{nanning: {ratio: ...}}`) to change one item of the list.
"""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from sim.errors import InputError, suggestion

VARIANT_KEYS = ("schema", "extends", "name", "name_en", "description", "overrides")
BY_ID = ("agreements", "parties", "upper_levels", "industries")
LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"  # the bundled scenarios any variant may extend


def resolve_variant(data: dict, path: Path, read, seen: tuple[Path, ...] = (), root: Path | None = None) -> dict:
    """The full scenario content of a variant file (`read` loads a YAML file, for chained variants).

    `extends:` names a file inside `root` (the folder of the first file, subfolders included) or inside the bundled
    library `scenarios/` (also tried as the base of the name, so an uploaded variant may extend `guangxi/nanning.yaml`).
    Absolute paths, `..` or symlinks leading elsewhere are refused with one error whether or not the file exists, so
    an uploaded scenario learns nothing about the server's files."""
    source = str(path)
    for key in data:
        if key not in VARIANT_KEYS:
            raise InputError(source, str(key), "unknown_key", name=key, **suggestion(key, VARIANT_KEYS))
    if root is None:
        root = path.absolute().parent.resolve()
    base_path = _confined(data["extends"], path.absolute().parent.resolve(), root, source)
    if base_path in seen:
        raise InputError(source, "extends", "variant_cycle", value=str(data["extends"]))
    baseline = read(base_path)
    if not isinstance(baseline, dict):
        raise InputError(str(base_path), None, "yaml_not_mapping")
    if "extends" in baseline:
        baseline = resolve_variant(baseline, base_path, read, (*seen, base_path), root)
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise InputError(source, "overrides", "expected_mapping")
    merged = merge(copy.deepcopy(baseline), overrides, source, "overrides")
    for key in ("name", "name_en", "description"):
        if key in data:
            merged[key] = data[key]
    return merged


def _confined(value: object, folder: Path, root: Path, source: str) -> Path:
    """The file `extends: value` names, if it lies inside `root` or the bundled library and exists."""
    if not isinstance(value, str):
        raise InputError(source, "extends", "expected_text")
    outside = InputError(source, "extends", "extends_outside", value=value)
    if not value or "\0" in value or PurePosixPath(value).anchor or PureWindowsPath(value).anchor:
        raise outside  # absolute (/etc/passwd, C:\\x, \\\\server\\share) or not a name at all
    allowed = (root, LIBRARY)
    lexical = Path(os.path.normpath(folder / value))  # `..` taken away by the name alone, without the disk
    try:
        candidate = lexical.resolve()  # then symlinks, which can only be inside an allowed folder
    except (OSError, RuntimeError, ValueError):
        raise outside from None  # a symlink loop, a name too long: as good as outside
    if not all(any(p.is_relative_to(a) for a in allowed) for p in (lexical, candidate)):
        raise outside
    if _is_file(candidate):
        return candidate
    library = Path(os.path.normpath(LIBRARY / value))  # not beside the file: a bundled scenario of that name
    if library.is_relative_to(LIBRARY):
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            candidate = library.resolve()
            if candidate.is_relative_to(LIBRARY) and _is_file(candidate):
                return candidate
    raise InputError(source, "extends", "file_missing")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def merge(base: Any, change: Any, source: str, where: str) -> Any:
    """`change` merged onto `base`: mappings key by key, id-addressed items of lists, anything else replaced."""
    if isinstance(base, dict) and isinstance(change, dict):
        for key, value in change.items():
            here = f"{where}.{key}"
            if key in BY_ID and isinstance(base.get(key), list) and isinstance(value, dict):
                base[key] = _merge_by_id(base[key], value, source, here)
            else:
                base[key] = merge(base.get(key), value, source, here) if key in base else value
        return base
    return change


def _merge_by_id(items: list, change: dict, source: str, where: str) -> list:
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    for ident, value in change.items():
        if ident not in ids:
            raise InputError(source, f"{where}.{ident}", "variant_unknown_id", value=ident, **suggestion(ident, ids))
        index = ids.index(ident)
        items[index] = merge(items[index], value, source, f"{where}.{ident}")
    return items
