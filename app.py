"""ftzshare in the browser: tune an agreement's terms, compare designs, explain a figure, settle records.

    ftzshare app        (or: streamlit run app.py — see analysis/serving.py for why not)

Chinese by default (English switch), one unit per view (万元 or 亿元), names rather than ids. A ratio change
re-splits the cached simulation in milliseconds; a change that alters behaviour simulates again — the page says
which happened. A scenario without a population (the bundled example) is settled from its records instead.

The widgets hold the page's state within a session: a link seeds them once, when the session starts, and the
page writes the link from them on every run — never the other way round, so no edit is lost however fast they
come. The share box holds the full link (address, scenario and edits, language, replications).
"""

from __future__ import annotations

import copy
import time
from contextlib import contextmanager

import streamlit as st

from analysis import app_support as support
from analysis.outputs.presentation import (
    WAN,
    YUAN,
    Names,
    View,
    base_rule_name,
    basis_name,
    figure_note,
    policy_name,
    unit_for,
)
from sim.errors import InputError
from sim.messages import render
from sim.model.simulation import check_simulatable
from sim.scenario import Scenario
from sim.scenario.loading import MAX_SCENARIO_BYTES, scenario_data, scenario_from_data

st.set_page_config(page_title="ftzshare", layout="wide")
state = st.session_state
catalogue = support.catalogue()
LANGUAGES = {"中文": "zh", "English": "en"}

# ---------------------------------------------------------------- once a session: what the link asks for
if "link" not in state:
    link = support.read_link(st.query_params.to_dict(), catalogue)
    state.link = link
    state.link_pending = True  # its edits seed the editors of its scenario, once
    state.link_tab_pending = True
    state.link_errors = list(link.errors)
    state.lang = "English" if link.lang == "en" else "中文"
    state.scenario = link.scenario
    state.replications = link.replications
    state.projections = support.Projections(support.shared_cache())
    state.settled = support.BoundedCache(2, 32 << 20)
    state.tunings = support.tuning_cache()

# The sidebar's widgets, like the editors, are drawn at the end of a run (`draw_sidebar`, into this box) and read
# from their state here: the figures reach the browser first.
sidebar = st.sidebar.container()
lang = LANGUAGES[state.lang]


def t(key: str, **values: object) -> str:
    return render(key, lang, **values)


STYLES: list[str] = []  # CSS the page's elements ask for, written once at the end of a run (`write_styles`)


def write_styles() -> None:
    """One style block for the run: each st.html is an element the browser lays out again and again."""
    if STYLES:
        st.html(f"<style>{' '.join(STYLES)}</style>")


def show_error(error: InputError) -> None:
    st.error(support.error_text(error, lang))  # shown as text, not Markdown


RIGHT = st.column_config.TextColumn(alignment="right")


def show_view(view: View, titled: bool = False) -> None:
    """A people's table: amounts as "1,234.56" in the view's unit, right-aligned, the totals row last; its title
    above (`titled`), its note beneath. A small table is one element with them, drawn at once, every row in
    sight, printed as it looks; a longer one a grid."""
    if len(view.table) <= 25:
        st.html(support.table_html(view, titled))
        if support.TABLE_CSS not in STYLES:
            STYLES.append(support.TABLE_CSS)
        return
    if titled:
        st.markdown(f"**{support.plain(view.title)}**")
    st.dataframe(view.text(), hide_index=True, column_config={c: RIGHT for c in view.money})
    if view.note:
        st.caption(view.note)


EXPORTS: list[tuple[str, str, object]] = []  # (label, file name, bytes or a function making them) of a tab


def downloads(name: str, title: str, view: View | None = None, chart=None, plain=None) -> None:
    """Offer in the tab's export menu a chart (PNG, SVG, PDF), a table for people (CSV with BOM, XLSX) and, for
    scripts, the table with English ids (`plain`, a function making it); bytes are made only when downloaded."""
    if chart is not None:
        for f in ("png", "svg", "pdf"):
            label = t("app_export_chart", title=title, format=f.upper())
            EXPORTS.append((label, f"{name}.{f}", lambda f=f: support.figure_bytes(chart, f)))
    if view is not None:
        EXPORTS.append((t("app_export_table", title=title, format="CSV"), f"{name}.csv", view.csv_bytes))
        xlsx = t("app_export_table", title=title, format="XLSX")
        EXPORTS.append((xlsx, f"{name}.xlsx", lambda: support.xlsx_bytes(view.title or title, view, lang)))
    if plain is not None:
        EXPORTS.append((t("app_export_plain", title=title), f"{name}.plain.csv", lambda: support.csv_bytes(plain())))


@contextmanager
def export_menu(tab: str):
    """A tab's export menu, at the top of what the block draws: a picker of every chart and table the block
    offered (`downloads`) and one download button. Two elements, where a button per file made some twenty for the
    browser to draw again on every run; picking a file reruns only the menu (a fragment)."""
    menu = st.container()
    yield
    items = {file: (label, data) for label, file, data in EXPORTS}
    EXPORTS.clear()
    if items:
        with menu:
            _export(tab, items)


@st.fragment
def _export(tab: str, items: dict[str, tuple[str, object]]) -> None:
    key = f"export-{tab}"
    if state.get(key) not in items:
        state[key] = next(iter(items))
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    file = left.selectbox(t("app_export_pick"), list(items), key=key, format_func=lambda f: items[f][0])
    # one button per file picked (keyed by it): until the menu has run again the button shown is the previous pick's,
    # never one whose file is gone; pressing it does not rerun the page
    right.download_button(
        t("app_export"), items[file][1], file, key=f"{key}-{file}", icon=":material/download:", on_click="ignore"
    )


def uploader_texts(key: str, limit: int, types: list[str]) -> None:
    css = support.uploader_css(key, lang, limit, types)
    if css:
        STYLES.append(css)


# ---------------------------------------------------------------- which scenario
def draw_sidebar(limit: int, simulatable: bool) -> None:
    """The language, the scenario (bundled or uploaded) and the replications, showing what their state holds."""
    with sidebar:
        st.radio(render("app_language"), list(LANGUAGES), key="lang", horizontal=True)
        st.selectbox(t("app_scenario"), list(catalogue), key="scenario", format_func=lambda i: catalogue[i].title(lang))
        uploader_texts("scenario_upload", MAX_SCENARIO_BYTES, ["yaml", "yml"])
        megabytes = max(1, MAX_SCENARIO_BYTES >> 20)
        st.file_uploader(t("app_upload_scenario"), ["yaml", "yml"], key="scenario_upload", max_upload_size=megabytes)
        st.number_input(t("app_replications"), 1, limit, key="replications", step=1, disabled=not simulatable)


scenario_id, upload = state.scenario, state.get("scenario_upload")
st.title(t("app_title"))


def upload_data(upload) -> tuple[str, dict]:
    """The uploaded scenario's content, read once per content (from memory; its temporary copy is removed)."""
    content = upload.getvalue()
    key = support.digest(content)
    cached = state.get("upload")
    if cached is None or cached[0] != key:
        try:
            with support.uploaded(upload.name, content, MAX_SCENARIO_BYTES) as path:
                cached = (key, scenario_data(path), None)
        except InputError as error:
            cached = (key, None, error)
        state.upload = cached
    if cached[2] is not None:
        raise cached[2]
    return key, copy.deepcopy(cached[1])


try:
    if upload is not None:
        digest, base = upload_data(upload)
        source, scope = support.upload_name(upload.name), f"upload:{digest}"
    else:
        state.pop("upload", None)
        base, source, scope = support.bundled_data(scenario_id), scenario_id, scenario_id
    if state.get("baseline_scope") != scope:  # validated once per scenario (a bundled one once per process)
        validated = catalogue[scope].scenario if upload is None else scenario_from_data(base, source)
        state.baseline, state.baseline_scope = validated, scope
    baseline = state.baseline
except InputError as error:
    for link_error in state.link_errors:
        show_error(link_error)
    show_error(error)
    draw_sidebar(max(1, state.replications), False)
    write_styles()
    st.stop()

simulation_error = None
if baseline.population is not None:
    try:
        check_simulatable(baseline, source)
    except InputError as error:
        simulation_error = error
simulatable = baseline.population is not None and simulation_error is None
names = Names(baseline, lang)

limit = support.max_replications(baseline.horizon.years)
if state.replications > limit:
    state.link_errors.append(
        InputError(
            support.LINK if state.link_pending else support.PAGE,
            None,
            "link_replications_reduced",
            years=baseline.horizon.years,
            limit=limit,
        )
    )
    state.replications = limit
replications = int(state.replications)

# ---------------------------------------------------------------- the editors' state: seeded once per scenario
PHASE_FIELDS = ("from", "to", "origin")
YUAN_PER_WAN = WAN.fen_per // YUAN.fen_per  # the cap and floor editors take 万元


def phase_key(ident: str, row: int, field: str) -> str:
    return f"{ident}-phase{row}-{field}"


def seed_phases(ident: str, schedule: list[dict]) -> None:
    """Agreement `ident`'s ratio table set to `schedule`: a row of inputs per phase, numbered afresh so that no
    input keeps a value from before."""
    for row in state.get(f"{ident}-rows", []):
        for field in PHASE_FIELDS:
            state.pop(phase_key(ident, row, field), None)
    first = state.get("next_row", 0)
    state.next_row = first + len(schedule)
    state[f"{ident}-rows"] = list(range(first, state.next_row))
    for row, phase in zip(state[f"{ident}-rows"], schedule, strict=True):
        origin = phase.get("origin")
        state[phase_key(ident, row, "from")] = phase.get("from")
        state[phase_key(ident, row, "to")] = phase.get("to")
        state[phase_key(ident, row, "origin")] = None if origin is None else float(origin)


def add_phase(ident: str) -> None:
    state[f"{ident}-rows"] = [*state[f"{ident}-rows"], state.next_row]
    state.next_row += 1


def drop_phase(ident: str, row: int) -> None:
    state[f"{ident}-rows"] = [r for r in state[f"{ident}-rows"] if r != row]
    for field in PHASE_FIELDS:
        state.pop(phase_key(ident, row, field), None)


def schedule_of(rows: list[dict]) -> list[dict]:
    """The table's rows as schedule phases (blank rows dropped; a blank `to` is an open phase; a blank `from` or
    share is kept as missing, for the scenario's checks to name)."""
    phases = []
    for values in rows:
        if all(v is None for v in values.values()):
            continue
        phase = {}
        for field, v in values.items():
            if v is None:
                if field != "to":
                    phase[field] = None
            else:
                phase[field] = float(v) if field == "origin" else int(v)
        phases.append(phase)
    return phases


def seed_terms(ident: str, terms: dict) -> None:
    """One agreement's editors set to `terms` (as the scenario file writes them)."""
    state[f"{ident}-basis"] = terms["ratio"]["basis"]
    state[f"{ident}-base"] = terms["base"]["rule"]
    state[f"{ident}-negative"] = terms["negative_increment"]
    state[f"{ident}-cap"] = float(terms["cap"]["origin_cumulative_yuan"] or 0) / YUAN_PER_WAN  # edited in 万元
    state[f"{ident}-floor"] = float(terms["floor"]["host_yearly_yuan"] or 0) / YUAN_PER_WAN
    state[f"{ident}-sunset"] = int(terms["sunset_year"] or 0)
    seed_phases(ident, terms["ratio"]["schedule"])


def seed(s: Scenario) -> None:
    """Every editor of the scenario set to `s`'s terms (the baseline, or the link's edits)."""
    for a in s.agreements:
        seed_terms(a.id, a.model_dump(mode="json", by_alias=True))
    behavior = s.behavior
    state.referral = float(behavior.origin_referral_elasticity) if behavior else 0.0
    state.service = float(behavior.host_service_elasticity) if behavior else 0.0


if state.get("scope") != scope:
    start_from = baseline
    if state.link_pending and scope == state.link.scenario and state.link.overrides:
        try:
            start_from = support.edited(base, state.link.overrides, support.LINK)
        except InputError as error:
            state.link_errors.append(error)
    state.link_pending = False
    seed(start_from)
    state.scope = scope
    shipped = upload is None and catalogue[scenario_id].ledger is not None
    state.records_source = "bundled" if shipped else "upload"  # a scenario shipped with records settles them


def apply_candidate(ident: str, terms: dict, applied: tuple[str, str, str]) -> None:
    """A candidate ratio of "find a ratio" written into agreement `ident`'s editors (so into the figures and the
    link)."""
    seed_terms(ident, terms)
    state.applied = applied


for link_error in state.link_errors:
    show_error(link_error)


def choice(where, label: str, options: list[str], key: str, shown=None) -> str:
    return where.selectbox(t(label), options, format_func=shown or str, key=key)


# ---------------------------------------------------------------- the agreements' terms (always on the page)
# The editors are drawn last in a run, into this box at the top of the page, so that an edit's new figures are the
# first thing the browser gets; the terms are read from the editors' state, which holds every edit when a run starts.
if baseline.population is None:
    st.info(support.plain(t("app_settlement_only", name=names.scenario())))
elif simulation_error is not None:
    show_error(simulation_error)
terms_box, problems = st.container(), st.container()


def terms_of(a) -> dict:
    """Agreement `a`'s terms as its editors hold them (as a scenario file writes them)."""
    ident = a.id
    rows = [{f: state.get(phase_key(ident, row, f)) for f in PHASE_FIELDS} for row in state[f"{ident}-rows"]]
    rule = state[f"{ident}-base"]
    terms = {
        "ratio": {"basis": state[f"{ident}-basis"], "schedule": schedule_of(rows)},
        "base": {"rule": rule},
        "negative_increment": state[f"{ident}-negative"],
        "cap": {"origin_cumulative_yuan": round(state[f"{ident}-cap"] * YUAN_PER_WAN, 2) or None},
        "floor": {"host_yearly_yuan": round(state[f"{ident}-floor"] * YUAN_PER_WAN, 2) or None},
        "sunset_year": state[f"{ident}-sunset"] or None,
    }
    if rule == "base_year":
        terms["base"]["year"] = a.base.year or baseline.horizon.start_year
    return terms


def phase_table(where, ident: str) -> None:
    """The ratio table: a row of inputs per phase (first year, last year — blank when open —, the origin's share),
    each sent the moment it is changed (Enter, or leaving the cell); a button removes a row, one adds a row. Drawn
    column by column (rows line up: every cell is one input high): no container per row for the browser to draw."""
    rows = state[f"{ident}-rows"]
    year_from, year_to, origin, drop = where.columns([1, 1, 1, 0.3])
    years = {"min_value": 1, "max_value": 2200, "step": 1}
    shares = {"min_value": 0.0, "max_value": 1.0, "step": 0.05, "format": "%.4f"}
    for column, field, options in ((year_from, "from", years), (year_to, "to", years), (origin, "origin", shares)):
        label = t(f"app_phase_{field}")
        column.caption(label)
        for row in rows:
            column.number_input(
                label, key=phase_key(ident, row, field), value=None, label_visibility="collapsed", **options
            )
    drop.caption("&nbsp;")
    for row in rows:
        drop.button(
            "",
            icon=":material/close:",
            key=f"{ident}-phase{row}-drop",
            help=t("app_phase_drop"),
            on_click=drop_phase,
            args=(ident, row),
        )
    where.button(t("app_phase_add"), icon=":material/add:", key=f"{ident}-phase-add", on_click=add_phase, args=(ident,))


def draw_terms() -> None:
    """Every agreement's editors, and the behaviour's, showing what their state holds."""
    STYLES.append(support.plain_inputs_css("phases-"))
    single = len(baseline.agreements) == 1  # several agreements: each opens when wanted, the figures stay in sight
    for a in baseline.agreements:
        with st.expander(names.agreement(a.id), expanded=single):
            left, right = st.columns(2)
            bases = ["calendar_year", "years_since_start"]
            choice(left, "app_basis", bases, f"{a.id}-basis", lambda b: basis_name(b, lang))
            left.caption(t("app_phases"))
            phase_table(left.container(key=f"phases-{a.id}"), a.id)
            choice(right, "app_base", ["zero", "base_year"], f"{a.id}-base", lambda r: base_rule_name(r, lang))
            policies = ["floor_zero", "carry_forward", "share"]
            choice(right, "app_negative", policies, f"{a.id}-negative", lambda p: policy_name(p, lang))
            # in 万元, as the page's figures are; to the yuan (the terms themselves are kept in yuan, to the fen)
            right.number_input(t("app_cap"), 0.0, step=100.0, format="%.4f", key=f"{a.id}-cap")
            right.number_input(t("app_floor"), 0.0, step=10.0, format="%.4f", key=f"{a.id}-floor")
            right.number_input(t("app_sunset"), 0, 2200, key=f"{a.id}-sunset")
    if baseline.population is not None:
        with st.expander(t("app_behavior"), expanded=False):
            left, right = st.columns(2)
            left.number_input(t("app_referral"), 0.0, 10.0, step=0.1, key="referral")
            right.number_input(t("app_service"), 0.0, 10.0, step=0.1, key="service")


overrides: dict = {"agreements": {a.id: terms_of(a) for a in baseline.agreements}}
if baseline.population is not None and (state.referral or state.service or baseline.behavior is not None):
    overrides["behavior"] = {"origin_referral_elasticity": state.referral, "host_service_elasticity": state.service}
try:
    scenario = support.edited(base, overrides, source)
    state.valid = (scope, scenario, overrides)
except InputError as error:
    with problems:
        show_error(error)  # the figures stay those of the last valid terms
    scope_valid, scenario, overrides = state.get("valid") or (scope, baseline, {})
    if scope_valid != scope:
        scenario, overrides = baseline, {}


# ---------------------------------------------------------------- the tabs
# The open tab is part of the page's state (and of its link): kept by its id, shown by its label. Only the open
# tab runs (the figures, the comparison and explain cost nothing while closed), except settling, whose uploads
# would be lost if their widgets stopped being drawn.
TABS = support.TABS
tab_labels = {name: t(f"app_tab_{name}") for name in TABS}
if state.get("tab_id") not in TABS:
    state.tab_id = "results"
if "tab" in state:
    by_label = {render(f"app_tab_{name}", other): name for name in TABS for other in support.LANGS}
    state.tab_id = by_label.get(state.tab, state.tab_id)
if state.get("tab_scope") != scope:  # a scenario opens on its tab: settling, when it has nothing to simulate
    asked = state.link.tab if state.link_tab_pending else None
    state.tab_id = asked or ("results" if simulatable else "settle")
    state.link_tab_pending, state.tab_scope = False, scope
state.tab = tab_labels[state.tab_id]
results_tab, find_tab, compare_tab, explain_tab, settle_tab = st.tabs(
    list(tab_labels.values()), key="tab", on_change="rerun"
)


computed = None
if simulatable and (results_tab.open or explain_tab.open):
    with results_tab if results_tab.open else st.container():
        said = st.empty()  # the progress while simulating (a re-split has none), then what was done
        steps = [0]

        def advance(n: int) -> None:
            steps[0] += n
            said.progress(min(1.0, steps[0] / (baseline.horizon.years * replications)), text=t("app_progress"))

        started = time.perf_counter()
        try:
            support.check_workload(replications, baseline.horizon.years)
            computed = state.projections.get(scenario, replications, advance)
            state.computed = computed
        except InputError as error:
            show_error(error)
        if steps[0]:
            said.empty()

# ---------------------------------------------------------------- the figures
if results_tab.open and not simulatable:
    with results_tab:
        st.info(t("app_no_simulation"))
if computed is not None and results_tab.open:
    with results_tab, export_menu("results"):
        projection = computed.projection
        message = (
            t("app_resplit", ms=f"{computed.seconds * 1000:.1f}")
            if computed.how == "resplit"
            else t("app_simulated", s=f"{computed.seconds:.2f}")
        )
        said.info(message)
        totals = support.mean_totals(projection)
        table, amounts = support.receipts_fen(projection, lang)
        parts = support.waterfall(projection, lang)
        unit = unit_for([table[amounts], list(totals.values()), [fen for *_, fen in parts]])
        for column, role in zip(st.columns(3), ("origin", "host", "central"), strict=True):
            column.metric(t(f"app_total_{role}"), f"{totals[role] / unit.fen_per:,.2f} {unit.label(lang)}")
        n, seed_of_first = len(projection.outcomes), projection.seed
        st.caption(figure_note("mean", lang, n=n))
        st.image(support.receipts_svg(projection, lang, unit))
        st.caption(
            figure_note("median", lang, n=n) if n > 1 else figure_note("replication", lang, n=1, seed=seed_of_first)
        )
        view = support.view_of(
            table, amounts, unit, lang, figure_note("mean", lang, n=n), render("receipts_view", lang)
        )

        def receipts_figure(scenario=scenario, receipts=projection.receipts, seed=seed_of_first):
            from analysis.outputs.charts import receipts_chart

            return receipts_chart(scenario, receipts, lang, seed=seed)

        downloads("receipts", view.title, view, receipts_figure)
        show_view(view)
        st.image(support.waterfall_svg(parts, lang, unit, first=n > 1))
        flow = support.waterfall_view(parts, unit, lang, figure_note("replication", lang, n=n, seed=seed_of_first))

        def waterfall_figure(parts=parts, first=n > 1):
            from analysis.outputs.charts import waterfall_chart

            return waterfall_chart(parts, lang, first=first)

        downloads("waterfall", t("app_waterfall_title"), flow, waterfall_figure)
        show_view(flow)
        from analysis.risk import risk_views

        for name, risk in risk_views(projection, lang).items():
            if len(risk.table):
                show_view(risk, titled=True)
                downloads(name, risk.title, risk)
        state.timing = {"how": computed.how, "seconds": computed.seconds, "page_seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- find a ratio both sides can sign
def show_tuning(found, ident: str) -> None:
    """What `ftzshare tune` writes, for the page: the statement, the chart, the candidates and the grid in one
    unit, and a button that writes a candidate into the agreement's ratio table."""
    from analysis.outputs import tuning_files as files

    grid = files.people_view(found, lang)
    candidates = support.in_view_unit(files.candidates_view(found, lang), grid.unit, lang)
    say = st.success if found.feasible is not None else st.warning
    say(support.plain(files.statement(found, lang)))
    st.caption(t("app_find_expected", n=found.replications, unit=grid.unit.label(lang)))
    st.caption(t(f"tune_method_{found.method}"))
    st.image(support.tuning_png(state.tunings, found, lang))
    options = support.candidate_options(found)
    if options:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        picked = left.selectbox(
            t("app_find_pick"),
            options,
            key="find_candidate",
            format_func=lambda c: t(
                "app_find_option", candidate=files.candidate_name(c, lang), share=f"{found.candidates[c]:.4f}"
            ),
        )
        share = found.candidates[picked]
        applied = (ident, picked, f"{share:.4f}")
        right.button(
            t("app_find_apply"),
            key="find_apply",
            type="primary",
            on_click=apply_candidate,
            args=(ident, support.applied_terms(scenario, ident, found.shape, share), applied),
        )
    else:
        st.info(t("app_find_none"))
    show_view(candidates, titled=True)
    downloads("tuning_candidates", candidates.title, candidates)
    show_view(grid, titled=True)
    downloads("tuning", grid.title, grid, lambda: files.chart(found, lang), lambda: files.machine_table(found))


if find_tab.open:
    with find_tab, export_menu("find"):
        if not simulatable:
            st.info(support.plain(t("app_find_needs_simulation", name=names.scenario())))
        else:
            if "applied" in state:
                from analysis.outputs.tuning_files import candidate_name

                applied_to, picked, share = state.pop("applied")
                said = t(
                    "app_find_applied",
                    candidate=candidate_name(picked, lang),
                    share=share,
                    agreement=names.agreement(applied_to),
                )
                st.success(support.plain(said))
            agreement_ids = [a.id for a in scenario.agreements]
            if state.get("find_agreement") not in agreement_ids:
                state.find_agreement = agreement_ids[0]
            left, middle, right = st.columns(3)
            ident = left.selectbox(
                t("app_find_agreement"), agreement_ids, key="find_agreement", format_func=names.agreement
            )
            from analysis.tuning import SHAPES

            shape = middle.selectbox(
                t("app_find_shape"), SHAPES, key="find_shape", format_func=lambda s: t(f"app_find_shape_{s}")
            )
            confidence = right.select_slider(
                t("app_find_confidence"),
                [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0],
                value=0.9,
                key="find_confidence",
                format_func=lambda c: f"{c:.0%}",
            )
            try:
                support.check_workload(replications, baseline.horizon.years)
                with st.spinner(t("app_find_progress", n=replications)):
                    projection = state.projections.get(scenario, replications).projection  # cached: a re-split
                    found = support.tuned(
                        state.tunings, scenario, ident, shape, confidence, replications, source, projection
                    )
            except InputError as error:
                show_error(error)
            else:
                show_tuning(found, ident)


# ---------------------------------------------------------------- the link, written from the widgets
query = {"lang": lang, "r": str(replications)}
if state.tab_id != "results":
    query["tab"] = state.tab_id
if upload is None:
    query = {"state": support.encode_link(scenario_id, overrides), **query}
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)
if "first_query" not in state:
    state.first_query = query
elif query != state.first_query:
    state.link_errors = []  # the page has moved on from the link it was opened with
if upload is None:
    address = st.context.url  # what the browser shows; else the request's Host header
    headers = {} if address else st.context.headers
    share = support.full_url(address, headers.get("Host"), query, headers.get("X-Forwarded-Proto"))
    # the box shows what the state says, set before it is drawn on every run (a text box keeps its first value
    # otherwise); whatever is typed into it is replaced by the current link on the next run
    state.share = share
    st.sidebar.text_input(t("app_share_link"), key="share", help=t("app_share_link_note"))
else:
    st.sidebar.caption(t("app_share_link"))
    st.sidebar.info(t("link_upload"))

# ---------------------------------------------------------------- compare designs
if compare_tab.open:
    with compare_tab, export_menu("compare"):
        if not simulatable:
            st.info(t("app_no_simulation"))
        else:
            CURRENT = "current"
            options = [CURRENT, *(ident for ident, entry in catalogue.items() if entry.simulatable)]
            picked = st.multiselect(
                t("app_compare_pick"),
                options,
                default=[],
                select_all=False,  # Streamlit's own "Select all" is English and would pick past the four allowed
                key="compare",
                persist_state="page",  # kept while another tab is open
                format_func=lambda o: t("app_compare_current") if o == CURRENT else catalogue[o].title(lang),
            )
            if len(picked) > 4:
                st.warning(t("app_compare_too_many"))
            elif picked:
                from pathlib import Path

                from analysis import comparison as cmp

                cases = []
                for option in picked:
                    if option == CURRENT:
                        named = {
                            "name": render("app_compare_current", "zh"),
                            "name_en": render("app_compare_current", "en"),
                        }
                        s = scenario.model_copy(update=named)
                    else:
                        s = scenario_from_data(support.bundled_data(option), option)
                    projection = state.projections.get(s, replications).projection
                    cases.append(cmp.Case(option.replace("/", "_"), Path(option), projection))
                comparison = cmp.Comparison(cases, 0, 0.03)
                summary = cmp.summary_view(comparison, lang)
                yearly = cmp.yearly_view(comparison, lang, summary.unit)
                cases_named = cmp.case_names(comparison, lang)
                st.image(support.compare_svg(cmp.yearly_table(comparison), cases_named, lang, summary.unit))

                def comparison_figures(comparison=comparison):
                    from analysis.outputs.charts import comparison_charts

                    return comparison_charts(
                        cmp.yearly_table(comparison),
                        cmp.summary_table(comparison),
                        cmp.case_names(comparison, lang),
                        0.03,
                        lang,
                        replications=replications,
                    )

                show_view(summary, titled=True)
                downloads("comparison_summary", summary.title, summary, lambda: comparison_figures()["comparison_npv"])
                show_view(yearly, titled=True)
                downloads("comparison_yearly", yearly.title, yearly, lambda: comparison_figures()["comparison_yearly"])
                EXPORTS.append((t("app_report"), "report.pdf", lambda: support.report_bytes(comparison, lang)))
                for name, make in (
                    ("statistics", cmp.statistics_view),
                    ("assessment", cmp.assessment_view),
                    ("targets", cmp.targets_view),
                ):
                    table = make(comparison, lang)
                    if len(table.table):
                        show_view(table, titled=True)
                        downloads(f"comparison_{name}", table.title, table)


# ---------------------------------------------------------------- explain a figure
def explain_cell(allocation, scenario: Scenario, key: str, label: str, note: str) -> None:
    """A picker of every allocated cell and the chain of the one picked (kept under `key` for the session)."""
    options = support.cells(allocation, scenario)
    if not options:
        return
    if state.get(key) not in options:
        state[key] = options[0]
    cell_names = Names(scenario, lang)
    cell = st.selectbox(
        t(label), options, key=key, persist_state="page", format_func=lambda c: support.cell_label(c, cell_names, lang)
    )
    chain = support.explain_view(allocation, scenario, cell, lang, note)
    show_view(chain)
    downloads(key, t("app_explain_title"), chain)


if explain_tab.open:
    with explain_tab, export_menu("explain"):
        if computed is None:
            st.info(t("app_no_simulation"))
        else:
            first = computed.projection.first
            note = figure_note("replication", lang, n=len(computed.projection.outcomes), seed=computed.projection.seed)
            explain_cell(first.settlement.allocation, first.effective, "explain", "app_explain_pick", note)


# ---------------------------------------------------------------- settle records
def settle_records(scenario: Scenario, key: tuple, read) -> dict:
    """The settled allocation (and statistics) of the records under `scenario`'s terms, kept for the session."""
    from analysis.settlement import settle

    cache_key = (scenario.sha256(), *key)
    found = state.settled.get(cache_key)
    if found is None:
        ledger, records = read(scenario)
        result = settle(scenario, ledger, records)
        found = {"rows": len(ledger), "allocation": result.allocation, "statistics": result.statistics}
        state.settled.put(cache_key, found)
    return found


def show_settlement(scenario: Scenario, settled: dict, records: str) -> None:
    allocation = settled["allocation"]
    s_names = Names(scenario, lang)
    st.success(support.plain(t("app_settled_as", rows=settled["rows"], source=records, name=s_names.scenario())))
    show_view(View(support.terms_table(scenario, lang), None, (), ""))
    view = support.settled_view(allocation, scenario, lang)
    unit = view.unit
    parts = support.waterfall(allocation, lang, scenario)
    for column, (_, label, fen) in zip(st.columns(len(parts)), parts, strict=True):
        column.metric(render("with_unit", lang, name=label, unit=unit.label(lang)), f"{fen / unit.fen_per:,.2f}")
    st.caption(figure_note("settled", lang))
    st.markdown(f"**{support.plain(t('app_split_chart', unit=unit.label(lang)))}**")
    st.image(support.split_svg(allocation, scenario, lang, unit))
    show_view(view)

    def split_figure(parts=parts):
        from analysis.outputs.charts import waterfall_chart

        return waterfall_chart(parts, lang)

    downloads("allocation", view.title, view, split_figure, lambda: support.plain_allocation(allocation, scenario))
    statistics = support.statistics_view(settled["statistics"], scenario, lang)
    if statistics is not None:
        show_view(statistics, titled=True)
        downloads("statistics", statistics.title, statistics)
    explain_cell(allocation, scenario, "settle_explain", "app_explain_settled", figure_note("settled", lang))


# drawn while closed only to keep files a user has uploaded (an uploader that is not drawn forgets its file)
holding = any(state.get(key) is not None for key in ("ledger_upload", "statistics_upload"))
if settle_tab.open or holding:
    with settle_tab, export_menu("settle"):
        from sim.records.ledger import read_ledger, read_statistics

        entry = catalogue.get(scenario_id) if upload is None else None
        sources = (["bundled"] if entry is not None and entry.ledger is not None else []) + ["upload"]
        picked_source = st.radio(
            t("app_records_source"),
            sources,
            key="records_source",
            persist_state="page",
            horizontal=True,
            format_func=lambda o: t("app_records_bundled") if o == "bundled" else t("app_records_upload"),
        )
        if picked_source == "bundled":
            assert entry is not None and entry.ledger is not None

            def read_bundled(s: Scenario, entry=entry):
                records = read_statistics(entry.statistics, s) if entry.statistics else None
                return read_ledger(entry.ledger, s), records

            shipped = t("list_separator").join(p.name for p in (entry.ledger, entry.statistics) if p is not None)
            try:
                settled = settle_records(scenario, ("bundled", entry.id), read_bundled)
            except InputError as error:
                show_error(error)
            else:
                show_settlement(scenario, settled, shipped)
        else:
            uploader_texts("ledger_upload", support.MAX_LEDGER_UPLOAD, ["csv", "xlsx"])
            uploader_texts("statistics_upload", support.MAX_LEDGER_UPLOAD, ["csv", "xlsx"])
            megabytes = support.MAX_LEDGER_UPLOAD >> 20
            ledger_file = st.file_uploader(
                t("app_ledger_upload"), type=["csv", "xlsx"], key="ledger_upload", max_upload_size=megabytes
            )
            statistics_file = st.file_uploader(
                t("app_statistics_upload"), type=["csv", "xlsx"], key="statistics_upload", max_upload_size=megabytes
            )
            if ledger_file is not None:
                ledger_bytes = ledger_file.getvalue()
                statistics_bytes = statistics_file.getvalue() if statistics_file is not None else None

                def read_uploads(s: Scenario, ledger_file=ledger_file, statistics_file=statistics_file):
                    with support.uploaded(ledger_file.name, ledger_bytes, support.MAX_LEDGER_UPLOAD) as path:
                        ledger = read_ledger(path, s)
                    records = None
                    if statistics_file is not None:
                        with support.uploaded(
                            statistics_file.name, statistics_bytes, support.MAX_LEDGER_UPLOAD
                        ) as path:
                            records = read_statistics(path, s)
                    return ledger, records

                # an upload's id is unique within the session: no need to hash megabytes on every run
                key = ("upload", ledger_file.file_id, statistics_file.file_id if statistics_file else None)
                uploaded_names = t("list_separator").join(
                    support.upload_name(f.name) for f in (ledger_file, statistics_file) if f is not None
                )
                try:
                    settled = settle_records(scenario, key, read_uploads)
                except InputError as error:
                    show_error(error)
                else:
                    show_settlement(scenario, settled, uploaded_names)

with terms_box:
    draw_terms()
draw_sidebar(limit, simulatable)
write_styles()
