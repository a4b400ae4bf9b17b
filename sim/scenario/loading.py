"""Reading a scenario file: safe, bounded YAML, variants merged, validated whole, errors named by key path.

Every error names the file and the key path (`agreements[0].ratio.schedule[1].origin`) and says why in
Chinese and English.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import InputError
from sim.messages import MESSAGES
from sim.scenario.schema import Scenario
from sim.scenario.variants import resolve_variant

MAX_SCENARIO_BYTES = 1 << 20  # a scenario is a page of YAML; a megabyte is plenty and bounds parsing


MAX_YAML_DEPTH = 20  # the reference format nests five deep; deeper is an attack on the parser's stack


# libyaml's parser where PyYAML has it (every wheel does): a tenth of the pure-Python parser's time
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """Safe YAML without aliases (no exponential expansion), bounded nesting, plain keys only, duplicate keys
    refused, and decimals read exactly (`0.1` is Decimal("0.1"), never the float 0.1000000000000000055…).
    Aliases and nesting are checked on the event stream (`_check_events`) before anything is composed."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _YamlRefused("yaml_complex_key", key_node.start_mark, {})
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _YamlRefused("yaml_duplicate_key", key_node.start_mark, {"name": key})
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_float(self, node):  # noqa: ANN001
        text = str(self.construct_scalar(node)).replace("_", "")
        try:
            return Decimal(text)  # .inf and .nan come out as Decimal infinities and NaN, refused by the schema
        except ArithmeticError:
            return Decimal(repr(super().construct_yaml_float(node)))  # sexagesimal 1:30.5 and other YAML 1.1 forms


_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)


class _YamlRefused(Exception):
    def __init__(self, key: str, mark: yaml.Mark, params: dict[str, object]) -> None:
        self.key, self.mark, self.params = key, mark, params


def _check_events(text: str) -> None:
    """Refuse aliases and nesting deeper than MAX_YAML_DEPTH, from the parser's events alone."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _YamlRefused("yaml_alias", event.start_mark, {})
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _YamlRefused("yaml_depth", event.start_mark, {"limit": MAX_YAML_DEPTH})
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file within the size limit with the safe loader; errors name the line."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(name, None, "file_missing")
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise InputError(name, None, "file_too_large", size=size, limit=MAX_SCENARIO_BYTES)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, None, "encoding") from None
    if not text.strip():
        raise InputError(name, None, "file_empty")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _YamlRefused as refused:
        raise InputError(name, f"line {refused.mark.line + 1}", refused.key, **refused.params) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise InputError(name, where, "yaml_syntax", detail=getattr(exc, "problem", None) or str(exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file, or a variant of one (`extends:`)."""
    return scenario_from_data(scenario_data(path), str(path))


def scenario_data(path: str | Path) -> Any:
    """A scenario file's content before validation, a variant merged onto its baseline."""
    data = read_yaml(path)
    if isinstance(data, dict) and "extends" in data:
        data = resolve_variant(data, Path(path), read_yaml)
    return data


def scenario_from_data(data: Any, source: str) -> Scenario:
    """Validate already-parsed content (a file, an app edit, a variant merged onto a baseline)."""
    if not isinstance(data, dict):
        raise InputError(source, None, "yaml_not_mapping")
    if data.get("schema") not in (None, "ftzshare/v1"):
        raise InputError(source, "schema", "scenario_schema")
    try:
        return Scenario.model_validate(data, context={"source": source})
    except ValidationError as exc:
        raise _first_error(exc, source) from None


_PYDANTIC_KEYS = {
    "missing": "missing_key",
    "literal_error": "expected_one_of",
    "int_type": "expected_integer",
    "int_parsing": "expected_integer",
    "int_from_float": "expected_integer",
    "float_type": "expected_number",
    "float_parsing": "expected_number",
    "finite_number": "expected_number",
    "string_type": "expected_text",
    "list_type": "expected_list",
    "dict_type": "expected_mapping",
    "model_type": "expected_mapping",
    "model_attributes_type": "expected_mapping",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "too_short": "too_small",
    "less_than_equal": "too_large",
    "less_than": "too_large",
    "too_long": "too_large",
}


def _first_error(exc: ValidationError, source: str) -> InputError:
    """Turn pydantic's first complaint into our error: file, key path, bilingual reason."""
    err = exc.errors(include_url=False)[0]
    loc = list(err["loc"])
    ctx = dict(err.get("ctx") or {})
    kind = err["type"]
    if kind == "unknown_key":
        loc.append(ctx["name"])
    if kind in MESSAGES:
        return InputError(source, key_path(loc), kind, **ctx)
    key = _PYDANTIC_KEYS.get(kind)
    if key == "expected_one_of":
        return InputError(source, key_path(loc), key, expected=ctx.get("expected", ""))
    if key in ("too_small", "too_large"):
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt", ctx.get("min_length", ctx.get("max_length"))))))
        return InputError(source, key_path(loc), key, limit=limit)
    if key:
        return InputError(source, key_path(loc), key)
    return InputError(source, key_path(loc), "invalid_value", detail=err["msg"])


def key_path(loc: list[object]) -> str:
    """('agreements', 0, 'ratio') → 'agreements[0].ratio'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter: the same text, 10× faster
    """Writes Decimals as plain numbers, which `_Loader` reads back exactly."""


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", str(value)))


def dump_scenario(scenario: Scenario, comment: str = "") -> str:
    """A validated scenario as YAML that loads back to the same scenario (same sha256)."""
    data = scenario.model_dump(mode="python", by_alias=True, exclude_none=True)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
