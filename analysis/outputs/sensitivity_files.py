"""What `ftzshare sensitivity` writes, the report page of a study, and a run's `parameters.csv`.

- `sensitivity.csv` (for scripts): `party,measure,input,index,value,confidence` — `input` the key path,
  `index` mu_star / sigma (Morris, in yuan: the change of the output per step across an input's range) or
  S1 / ST (Sobol, shares of the output's variance), `confidence` the half-width of the 95% interval (blank
  where the method gives none);
- `sensitivity.png`/`.svg`: per party, the inputs ranked with their intervals, named in Chinese and English;
- `sensitivity.pdf`: the pages a report attaches (`sensitivity_pages`);
- `samples.csv`: every sample point's parameter values and outputs, so any index can be recomputed;
- `summary.json`: scenario and its sha256, method, samples, seed, simulations, version.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure

from analysis.outputs.atomic import atomic_folder
from analysis.outputs.charts import _finish, _note, language, new_figure, save, saving
from analysis.outputs.presentation import Names, indicator_name
from analysis.outputs.tables import write_csv
from analysis.sensitivity import Study
from sim import __version__
from sim.messages import MESSAGES, render
from sim.parameters import parameter
from sim.scenario import Scenario

A4_LANDSCAPE = (11.69, 8.27)
COLUMNS = 2  # the inputs' names are long: two panels side by side at most
PER_PAGE = 6  # panels on a report page
TOP = 8  # inputs shown per party on the chart and the page; the CSV has all of them
CHART_MEASURE = "gain"  # what the chart ranks the inputs of; the CSV and the page have every measure
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?")


def input_label(scenario: Scenario, path: str, lang: str) -> str:
    """A key path for people: the industry, party or indicator it belongs to, then the parameter's label
    (from `sim/parameters/model.yaml`, else the message catalogue, else the key itself)."""
    names = Names(scenario, lang)
    parts = [_PART.fullmatch(p).groups() for p in path.split(".")]
    owner, fields = None, []
    for i, (name, selector) in enumerate(parts):
        if name == "industries" and selector is not None and scenario.population:
            industry = next((x for x in scenario.population.industries if x.id == selector), None)
            owner = (industry.name if lang == "zh" else industry.name_en or industry.name) if industry else selector
            fields = []
        elif name == "parties" and selector is not None:
            owner, fields = names.party(selector), []
        elif i > 0 and parts[i - 1][0] == "indicators":
            owner, fields = indicator_name(name, lang), []
        elif i > 0 and name != "indicators":
            fields.append(name)
    label = _parameter_label(path, fields, lang)
    return f"{owner}{'：' if lang == 'zh' else ': '}{label}" if owner else label


def _parameter_label(path: str, fields: list[str], lang: str) -> str:
    root = path.split(".")[0].split("[")[0]
    prefix = {"population": "industry" if "industries[" in path else "population"}.get(root, root)
    if root == "targets":
        prefix, fields = "region", fields[1:]  # targets.region.growth → model.region.growth
    try:
        p = parameter(f"model.{prefix}.{'.'.join(fields)}")
        return p.label if lang == "zh" else p.label_en
    except KeyError:
        key = f"param_{'_'.join(fields)}"
        return render(key, lang) if key in MESSAGES else ".".join(fields)


def _output(name: str) -> tuple[str, str]:
    party, measure = name.split(":")
    return party, measure


def sensitivity_table(study: Study) -> pd.DataFrame:
    rows = [(*_output(i.output), i.input, i.name, i.value, i.confidence) for i in study.indices]
    table = pd.DataFrame(rows, columns=["party", "measure", "input", "index", "value", "confidence"])
    table["confidence"] = table["confidence"].astype(float)
    return table


def samples_table(study: Study) -> pd.DataFrame:
    """One row per sample point: its parameter values, then each output (`party:measure`, yuan)."""
    columns = {"point": np.arange(1, len(study.points) + 1)}
    columns.update({name: study.points[:, j] for j, name in enumerate(study.inputs)})
    columns.update({name: study.results[:, j] for j, name in enumerate(study.outputs)})
    return pd.DataFrame(columns)


def _ranked(study: Study, output: str) -> list[tuple[str, dict[str, tuple[float, float | None]]]]:
    """The inputs of one output, most influential first (by ST, or by mu*), with their indices."""
    by_input: dict[str, dict[str, tuple[float, float | None]]] = {name: {} for name in study.inputs}
    for i in study.indices:
        if i.output == output:
            by_input[i.input][i.name] = (i.value, i.confidence)
    key = "ST" if study.method == "sobol" else "mu_star"
    return sorted(by_input.items(), key=lambda item: -item[1][key][0])


def sensitivity_chart(study: Study, scenario: Scenario, lang: str = "zh", measure: str = CHART_MEASURE) -> Figure:
    """Per party: the top inputs of its `measure` as horizontal bars with their 95% intervals — S1 and ST for
    Sobol, mu* (and sigma as a marker) for Morris — each input named in Chinese and English."""
    lang = language(lang)
    outputs = _charted(study, measure)
    rows = math.ceil(len(outputs) / COLUMNS)
    fig = new_figure((6.5 * min(COLUMNS, len(outputs)), 0.7 + (0.5 * min(TOP, len(study.inputs)) + 1.0) * rows))
    _draw(fig, study, scenario, lang, outputs)
    return _noted(fig, study, lang)


def sensitivity_pages(study: Study, scenario: Scenario, lang: str = "zh", measure: str = CHART_MEASURE) -> list[Figure]:
    """The report's pages (A4 landscape): first the drivers of each party's `measure` in words, then the
    ranked inputs of up to six parties a page, each page saying how the study was made."""
    lang = language(lang)
    names = Names(scenario, lang)
    key = "ST" if study.method == "sobol" else "mu_star"
    outputs = _charted(study, measure)
    lines = [render("sensitivity_page_intro", lang, measure=_measure(measure, lang))]
    for output in outputs:
        top = [input_label(scenario, name, lang) for name, v in _ranked(study, output)[:3] if v[key][0] > 0]
        party = names.party(_output(output)[0])
        lines.append(
            render("sensitivity_drivers", lang, what=party, inputs=render("chart_note_join", lang).join(top) or "—")
        )
    pages = []
    for start in range(0, len(outputs), PER_PAGE):
        fig = new_figure(A4_LANDSCAPE)
        if start == 0:
            words, chart = fig.subfigures(2, 1, height_ratios=(0.3 + 0.14 * len(lines), 8.0))
            words.text(0.01, 0.95, "\n".join(lines), va="top", fontsize=7.5)
        else:
            chart = fig
        _draw(chart, study, scenario, lang, outputs[start : start + PER_PAGE])
        pages.append(_noted(fig, study, lang))
    return pages


def _noted(fig: Figure, study: Study, lang: str) -> Figure:
    """How the study was made, at the foot; the layout keeps clear of it."""
    fig.get_layout_engine().set(rect=(0, 0.035, 1, 0.965))
    _note(fig, [render("sensitivity_note", lang, samples=study.samples, runs=len(study.points), seed=study.seed)], lang)
    return _finish(fig)


def _charted(study: Study, measure: str) -> list[str]:
    return [o for o in study.outputs if _output(o)[1] == measure]


def _measure(kind: str, lang: str) -> str:
    key = f"sensitivity_measure_{kind}"
    return render(key, lang) if key in MESSAGES else kind


def _draw(fig: Figure | SubFigure, study: Study, scenario: Scenario, lang: str, outputs: list[str]) -> None:
    names = Names(scenario, lang)
    rows, columns = math.ceil(len(outputs) / COLUMNS), min(COLUMNS, len(outputs))
    shown = min(TOP, len(study.inputs))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    sobol = study.method == "sobol"
    scale = 1.0 if sobol else 1e4  # Morris effects in 万元
    series = (
        (("S1", "#7fb3d5", 0.2, 0.38), ("ST", "#1f618d", -0.2, 0.38)) if sobol else (("mu_star", "#1f618d", 0, 0.6),)
    )
    for ax, output in zip(axes, outputs, strict=False):
        ranked = _ranked(study, output)[:shown]
        y = np.arange(len(ranked))[::-1]
        for index, colour, offset, height in series:
            values = np.array([v[index][0] for _, v in ranked]) / scale
            errors = np.array([v[index][1] or 0.0 for _, v in ranked]) / scale
            label = render(f"sensitivity_index_{index}", lang)
            ax.barh(y + offset, values, height, xerr=errors, color=colour, ecolor="#555555", capsize=2, label=label)
        if not sobol:
            sigma = np.array([v["sigma"][0] for _, v in ranked]) / scale
            ax.plot(sigma, y, "D", color="#c0392b", markersize=4, label=render("sensitivity_index_sigma", lang))
        if lang == "zh":  # named in both languages, Chinese first
            labels = [f"{input_label(scenario, n, 'zh')}\n{input_label(scenario, n, 'en')}" for n, _ in ranked]
        else:
            labels = [input_label(scenario, n, "en") for n, _ in ranked]
        ax.set_yticks(y, labels, fontsize=7)
        party, kind = _output(output)
        ax.set_title(
            render("sensitivity_panel", lang, party=names.party(party), measure=_measure(kind, lang)), fontsize=9
        )
        ax.set_xlabel(render("sensitivity_axis_sobol" if sobol else "sensitivity_axis_morris", lang), fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes[len(outputs) :]:
        ax.remove()
    fig.suptitle(render(f"sensitivity_title_{study.method}", lang, name=names.scenario()), fontsize=11)


def write_sensitivity(study: Study, scenario: Scenario, out: Path, inputs: dict[str, Path]) -> dict:
    summary = {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256(),
        "inputs": {
            role: {"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for role, p in inputs.items()
        },
        "method": study.method,
        "samples": study.samples,
        "seed": study.seed,
        "simulations": len(study.points),
        "parameters": study.inputs,
        "outputs": study.outputs,
        "version": __version__,
    }
    chart = sensitivity_chart(study, scenario)
    pages = sensitivity_pages(study, scenario)
    with atomic_folder(out) as folder:
        write_csv(sensitivity_table(study), folder / "sensitivity.csv")
        write_csv(samples_table(study), folder / "samples.csv")
        save(chart, folder / "sensitivity")
        with (
            saving("pdf"),
            PdfPages(
                folder / "sensitivity.pdf", metadata={"Creator": "ftzshare", "Producer": None, "CreationDate": None}
            ) as pdf,
        ):
            for page in pages:
                pdf.savefig(page)
        (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return summary
