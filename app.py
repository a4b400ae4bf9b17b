"""ftzshare in the browser: tune an agreement's ratios, compare designs, explain a figure, settle a ledger.

    streamlit run app.py

Chinese by default (English switch), amounts in 万元/亿元. A ratio change re-splits the cached simulation in
milliseconds; a change that alters behaviour simulates again — the page says which happened. The URL carries
the scenario and the edits, so a copied link restores the page.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import app_support as support
from analysis.comparison import (
    Case,
    Comparison,
    assessment_table,
    statistics_table,
    summary_table,
    targets_table,
    yearly_table,
)
from analysis.explain import explain, label
from analysis.outputs.charts import comparison_charts, receipts_chart, waterfall_chart
from analysis.outputs.tables import allocation_table
from analysis.projection import CENTRAL, HOST, ORIGIN
from analysis.settlement import settle
from sim.errors import InputError
from sim.messages import render
from sim.model.simulation import check_simulatable
from sim.records.ledger import read_ledger
from sim.scenario.loading import MAX_SCENARIO_BYTES, load_scenario, scenario_data, scenario_from_data
from sim.taxes import TAX_IDS

st.set_page_config(page_title="ftzshare", layout="wide")
params = st.query_params
lang = (
    "en"
    if st.sidebar.radio(
        render("app_language"), ["中文", "English"], index=1 if params.get("lang") == "en" else 0, key="lang"
    )
    == "English"
    else "zh"
)


def t(key: str, **values: object) -> str:
    return render(key, lang, **values)


def show_error(error: InputError) -> None:
    reason = f"{error.file}{':' + error.where if error.where else ''}: {error.reason(lang)}"
    st.error(t("app_error", reason=reason).replace("[", "\\[").replace("*", "\\*"))  # shown as text, not Markdown


@st.cache_resource
def projections() -> support.Projections:
    return support.Projections()


def choice(where, label: str, options: list[str], current: str, key: str, shown=str) -> str:
    return where.selectbox(t(label), options, index=options.index(current), format_func=shown, key=key)


def downloads(name: str, table: pd.DataFrame | None = None, fig=None) -> None:
    """Download buttons beside a chart (PNG, SVG, PDF) and its data (CSV with BOM, XLSX)."""
    buttons = []
    if fig is not None:
        buttons += [(fmt.upper(), lambda fmt=fmt: support.figure_bytes(fig, fmt), fmt) for fmt in ("png", "svg", "pdf")]
    if table is not None:
        buttons += [
            ("CSV", lambda: support.csv_bytes(table), "csv"),
            ("XLSX", lambda: support.xlsx_bytes(name, table), "xlsx"),
        ]
    for column, (text, data, suffix) in zip(st.columns(5), buttons, strict=False):
        # the bytes are made only when the button is pressed, and pressing it does not rerun the page
        column.download_button(text, data, f"{name}.{suffix}", key=f"{name}-{suffix}", on_click="ignore")


# ---------------------------------------------------------------- which scenario, restored from the link
catalogue = support.bundled()
link_error = None
linked_id, linked_overrides = "guangxi/nanning", {}
if "state" in params:
    try:
        linked_id, linked_overrides = support.decode_link(params["state"])
    except InputError as error:
        link_error = error
if linked_id not in catalogue:
    linked_id = "guangxi/nanning"
st.title(t("app_title"))
if link_error:
    show_error(link_error)
ids = list(catalogue)
scenario_id = st.sidebar.selectbox(t("app_scenario"), ids, index=ids.index(linked_id), key="scenario")
upload = st.sidebar.file_uploader(t("app_upload_scenario"), type=["yaml", "yml"], key="scenario_upload")
replications = st.sidebar.number_input(t("app_replications"), 1, 50, int(params.get("r", 3)), key="replications")
try:
    if upload is not None:
        with support.uploaded(upload.name, upload.getvalue(), MAX_SCENARIO_BYTES) as path:
            base = scenario_data(path)
        scenario_id = "upload"
    else:
        base = scenario_data(catalogue[scenario_id])
    source = support.upload_name(upload.name) if upload is not None else scenario_id
    baseline = scenario_from_data(base, source)
    check_simulatable(baseline, source)
except InputError as error:
    show_error(error)
    st.stop()
overrides_from_link = linked_overrides if scenario_id == linked_id else {}

tune, compare_tab, explain_tab, settle_tab = st.tabs(
    [t("app_tab_tune"), t("app_tab_compare"), t("app_tab_explain"), t("app_tab_settle")]
)

# ---------------------------------------------------------------- tune the agreements
with tune:
    names = {p.id: (p.name if lang == "zh" else p.name_en or p.name) for p in baseline.parties}
    start_from = baseline  # the link's edits, validated whole; a bad link falls back to the baseline
    if overrides_from_link:
        try:
            start_from = support.edited(base, overrides_from_link, "link")
        except InputError as error:
            show_error(error)
    overrides: dict = {"agreements": {}}
    for a, linked in zip(baseline.agreements, start_from.agreements, strict=True):
        current = linked.model_dump(mode="json", by_alias=True)
        with st.expander(t("app_agreement", id=a.id, origin=names[a.origin], host=names[a.host]), expanded=True):
            left, right = st.columns(2)
            basis = choice(
                left,
                "app_basis",
                ["calendar_year", "years_since_start"],
                current["ratio"]["basis"],
                f"{a.id}-basis",
                lambda b: t(f"app_basis_{b}"),
            )
            phases = pd.DataFrame(current["ratio"]["schedule"], columns=["from", "to", "origin"])
            edited_phases = left.data_editor(
                phases,
                num_rows="dynamic",
                key=f"{a.id}-phases",
                column_config={"origin": st.column_config.NumberColumn(step=0.01)},
            )
            rule = choice(right, "app_base", ["zero", "base_year"], current["base"]["rule"], f"{a.id}-base")
            policy = choice(
                right,
                "app_negative",
                ["floor_zero", "carry_forward", "share"],
                current["negative_increment"],
                f"{a.id}-negative",
            )
            cap = right.number_input(
                t("app_cap"),
                0.0,
                value=float(current["cap"]["origin_cumulative_yuan"] or 0),
                step=1e6,
                key=f"{a.id}-cap",
            )
            floor = right.number_input(
                t("app_floor"),
                0.0,
                value=float(current["floor"]["host_yearly_yuan"] or 0),
                step=1e5,
                key=f"{a.id}-floor",
            )
            sunset = right.number_input(
                t("app_sunset"), 0, 2200, int(current["sunset_year"] or 0), key=f"{a.id}-sunset"
            )
        schedule = [
            {k: (None if pd.isna(v) else (float(v) if k == "origin" else int(v))) for k, v in row.items()}
            for row in edited_phases.to_dict("records")
            if not all(pd.isna(v) for v in row.values())
        ]
        schedule = [{k: v for k, v in phase.items() if not (k == "to" and v is None)} for phase in schedule]
        change = {
            "ratio": {"basis": basis, "schedule": schedule},
            "base": {"rule": rule},
            "negative_increment": policy,
            "cap": {"origin_cumulative_yuan": cap or None},
            "floor": {"host_yearly_yuan": floor or None},
            "sunset_year": sunset or None,
        }
        if rule == "base_year":
            change["base"]["year"] = current["base"].get("year") or baseline.horizon.start_year
        overrides["agreements"][a.id] = change
    with st.expander(t("app_behavior"), expanded=False):
        behavior = start_from.behavior.model_dump() if start_from.behavior else {}
        left, right = st.columns(2)
        referral = left.number_input(
            t("app_referral"), 0.0, 10.0, float(behavior.get("origin_referral_elasticity", 0)), step=0.1, key="referral"
        )
        service = right.number_input(
            t("app_service"), 0.0, 10.0, float(behavior.get("host_service_elasticity", 0)), step=0.1, key="service"
        )
    if referral or service or baseline.behavior is not None:
        overrides["behavior"] = {"origin_referral_elasticity": referral, "host_service_elasticity": service}
    try:
        scenario = support.edited(base, overrides, scenario_id)
    except InputError as error:
        show_error(error)
        st.stop()
    bar = st.progress(0.0, text=t("app_progress"))
    steps = [0]

    def advance(n: int) -> None:
        steps[0] += n
        bar.progress(min(1.0, steps[0] / (baseline.horizon.years * replications)), text=t("app_progress"))

    started = time.perf_counter()
    computed = projections().get(scenario, int(replications), advance)
    bar.empty()
    message = (
        t("app_resplit", ms=f"{computed.seconds * 1000:.1f}")
        if computed.how == "resplit"
        else t("app_simulated", s=f"{computed.seconds:.2f}")
    )
    st.info(message)
    st.session_state["computed"] = computed
    receipts = computed.projection.receipts
    m1, m2, m3 = st.columns(3)
    m1.metric(t("app_total_origin"), f"{receipts[..., ORIGIN].sum(axis=(1, 2)).mean() / 1e10:,.2f} 亿元")
    m2.metric(t("app_total_host"), f"{receipts[..., HOST].sum(axis=(1, 2)).mean() / 1e10:,.2f} 亿元")
    m3.metric(t("app_total_central"), f"{receipts[..., CENTRAL].sum(axis=(1, 2)).mean() / 1e10:,.2f} 亿元")
    fig = receipts_chart(scenario, receipts, lang)
    st.pyplot(fig)
    table = support.receipts_table(computed.projection, lang)
    downloads("receipts", table, fig)
    st.dataframe(table, hide_index=True)
    parts = support.waterfall(computed.projection, lang)
    flow_fig = waterfall_chart(parts, lang)
    st.pyplot(flow_fig)
    flow = pd.DataFrame([(label, fen / 100) for _, label, fen in parts], columns=[t("app_part"), t("app_amount_yuan")])
    downloads("waterfall", flow, flow_fig)
    link = support.encode_link(scenario_id, overrides) if scenario_id != "upload" else None
    if link:
        st.query_params["state"] = link
        st.query_params["lang"] = lang
        st.query_params["r"] = str(int(replications))
        st.text_input(t("app_share_link"), f"?state={link}&lang={lang}&r={int(replications)}", key="share")
    st.session_state["timing"] = {
        "how": computed.how,
        "seconds": computed.seconds,
        "page_seconds": time.perf_counter() - started,
    }

# ---------------------------------------------------------------- compare designs
with compare_tab:
    choices = [t("app_compare_current"), *ids]
    picked = st.multiselect(t("app_compare_pick"), choices, default=[], key="compare")
    if len(picked) > 4:
        st.warning(t("app_compare_too_many"))
    elif picked:
        cases = []
        for choice in picked:
            s = scenario if choice == t("app_compare_current") else load_scenario(catalogue[choice])
            cases.append(
                Case(choice.replace("/", "_"), Path(choice), projections().get(s, int(replications)).projection)
            )
        comparison = Comparison(cases, 0, 0.03)
        yearly, summary = yearly_table(comparison), summary_table(comparison)
        labels = {c.label: (c.scenario.name if lang == "zh" else c.scenario.name_en or c.scenario.name) for c in cases}
        charts = comparison_charts(yearly, summary, labels, 0.03, lang)
        for name, chart in charts.items():
            st.pyplot(chart)
            downloads(name, yearly if name == "comparison_yearly" else summary, chart)
        st.dataframe(summary, hide_index=True)
        downloads("comparison_summary", summary)
        st.download_button(
            t("app_report"),
            lambda: support.report_bytes(comparison, lang),
            "report.pdf",
            key="report",
            on_click="ignore",
        )
        for title, table in (
            (t("app_statistics"), statistics_table(comparison)),
            (t("app_assessment"), assessment_table(comparison)),
            (t("app_targets"), targets_table(comparison)),
        ):
            if len(table):
                st.markdown(f"**{title}**")
                st.dataframe(table, hide_index=True)
                downloads(title, table)

# ---------------------------------------------------------------- explain a figure
with explain_tab:
    allocation = st.session_state["computed"].projection.first.settlement.allocation
    cells = [
        (scenario.agreements[a].id, int(allocation.years[y]), TAX_IDS[k])
        for a, y, k in zip(*allocation.rows.nonzero(), strict=True)
    ]
    if cells:
        cell = st.selectbox(
            t("app_explain_pick"), cells, format_func=lambda c: f"{c[0]} · {c[1]} · {c[2]}", key="explain"
        )
        steps = explain(allocation, st.session_state["computed"].projection.first.effective, *cell, "app", lang)
        chain = pd.DataFrame(
            [
                {
                    t("app_explain_step"): label(s, lang),
                    t("app_explain_amount"): s.detail if s.fen is None else f"{s.fen / 100:,.2f}",
                }
                for s in steps
            ]
        )
        st.dataframe(chain, hide_index=True)
        downloads("explain", chain)

# ---------------------------------------------------------------- settle a real ledger
with settle_tab:
    ledger_file = st.file_uploader(t("app_ledger_upload"), type=["csv", "xlsx"], key="ledger_upload")
    if ledger_file is not None:
        try:
            with support.uploaded(ledger_file.name, ledger_file.getvalue(), support.MAX_LEDGER_UPLOAD) as ledger_path:
                ledger = read_ledger(ledger_path, scenario)
            result = settle(scenario, ledger)
        except InputError as error:
            show_error(error)
        else:
            st.success(t("app_settled", rows=len(ledger)))
            settled = allocation_table(result.allocation, scenario)
            st.dataframe(settled, hide_index=True)
            downloads("allocation", settled)
