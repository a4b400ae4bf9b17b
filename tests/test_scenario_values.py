"""Scenario values are exact and bounded: decimals read as written, no infinities, no sums past int64, no
control characters, no parser attacks — each refused with the one-line error, exit 2, nothing written."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml
from builders import BASE

from analysis.cli import main
from sim.errors import InputError
from sim.scenario.loading import dump_scenario, load_scenario


def _write(tmp_path, data=None, text=None):
    path = tmp_path / "s.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _agreement(**keys):
    data = copy.deepcopy(BASE)
    data["agreements"][0].update(keys)
    return data


def _refused(tmp_path, capsys, path, where, words):
    out = tmp_path / "out"
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"error: {path}:{where}:"), err
    assert words in err, err
    assert not out.exists()


def test_decimals_are_read_exactly_as_written(tmp_path):
    # 0.1 and 0.333333 are the decimals written, not the nearest floats; 12345678901234.56 yuan keeps its fen
    data = _agreement(ratio={"schedule": [{"from": 2023, "origin": 0.333333}]}, floor={"host_yearly_yuan": 1})
    path = _write(tmp_path, data)
    text = path.read_text().replace("host_yearly_yuan: 1", "host_yearly_yuan: 9876543210.99")
    s = load_scenario(_write(tmp_path, text=text))
    assert s.agreements[0].ratio.schedule[0].origin == Decimal("0.333333")
    assert s.agreements[0].floor.host_yearly_yuan == Decimal("9876543210.99")
    # what a run writes back loads to the same scenario
    again = _write(tmp_path, text=dump_scenario(s))
    assert load_scenario(again).sha256() == s.sha256()


@pytest.mark.parametrize(
    "value,words",
    [(".inf", "not a finite number"), (".nan", "not a finite number"), ("-.inf", "not a finite number")],
)
def test_infinities_and_nan_are_refused(tmp_path, capsys, value, words):
    text = yaml.safe_dump(_agreement(cap={"origin_cumulative_yuan": 1}), allow_unicode=True)
    path = _write(tmp_path, text=text.replace("origin_cumulative_yuan: 1", f"origin_cumulative_yuan: {value}"))
    _refused(tmp_path, capsys, path, "agreements[0].cap.origin_cumulative_yuan", words)


def test_amounts_that_would_overflow_int64_when_summed_are_refused(tmp_path, capsys):
    # two 9·10¹⁶-yuan cost items in one year wrapped around int64 fen and exited 0 with wrong money
    items = [{"year": 2023, "amount_yuan": 9 * 10**16, "origin": 0.5} for _ in range(2)]
    _refused(
        tmp_path,
        capsys,
        _write(tmp_path, _agreement(cost_sharing=items)),
        "agreements[0].cost_sharing[0].amount_yuan",
        "limit",
    )
    # each within the bound of one amount, but their sum in a year is not
    items = [{"year": 2023, "amount_yuan": 6 * 10**12, "origin": 0.5} for _ in range(2)]
    path = _write(tmp_path, _agreement(cost_sharing=items))
    _refused(tmp_path, capsys, path, "agreements[0].cost_sharing[1].amount_yuan", "adds up beyond")


def test_a_control_character_in_a_name_is_refused(tmp_path, capsys):
    data = copy.deepcopy(BASE)
    data["parties"][0]["name"] = "片区\x00"
    _refused(tmp_path, capsys, _write(tmp_path, data), "parties[0].name", "control character")


def test_deep_nesting_and_unhashable_keys_are_refused(tmp_path, capsys):
    deep = "schema: ftzshare/v1\nname: " + "[" * 50 + "]" * 50 + "\n"
    _refused(tmp_path, capsys, _write(tmp_path, text=deep), "line 2", "nested")
    complex_key = "schema: ftzshare/v1\n? [a, b]\n: 1\n"
    _refused(tmp_path, capsys, _write(tmp_path, text=complex_key), "line 2", "plain text")


def test_a_scenario_built_by_model_copy_cannot_skip_the_checks_across_fields(tmp_path):
    s = load_scenario(_write(tmp_path, _agreement()))
    with pytest.raises(InputError, match="duplicate|重复"):
        s.model_copy(update={"agreements": [s.agreements[0], s.agreements[0]]})
