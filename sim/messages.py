"""The one catalogue of texts people read, in Chinese (default) and English.

Errors carry a key and parameters, not finished sentences, so the CLI can print both languages on one line
and the app can show the user's language.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # files
    "file_missing": ("文件不存在", "file not found"),
    "file_unreadable": ("无法读取文件：{detail}", "cannot read file: {detail}"),
    "file_too_large": ("文件过大（{size} 字节，上限 {limit} 字节）", "file too large ({size} bytes, limit {limit})"),
    "file_empty": ("文件为空", "file is empty"),
    "file_format": (
        "不支持的文件类型 {suffix}（应为 .csv 或 .xlsx）",
        "unsupported file type {suffix} (use .csv or .xlsx)",
    ),
    "encoding": ("无法识别文件编码（应为 UTF-8 或 GBK/GB18030）", "unknown encoding (use UTF-8 or GBK/GB18030)"),
    "csv_malformed": ("CSV 格式错误：{detail}", "malformed CSV: {detail}"),
    "csv_fields": ("字段数与表头（{expected} 列）不一致", "number of fields differs from the header ({expected})"),
    "xlsx_malformed": ("不是有效的 XLSX 工作簿：{detail}", "not a valid XLSX workbook: {detail}"),
    "sheet_missing": ("工作表 {sheet} 不存在（现有：{sheets}）", "no sheet {sheet} (sheets: {sheets})"),
    "no_rows": ("没有数据行", "no data rows"),
    # columns
    "column_missing": ("缺少列 {column}", "missing column {column}"),
    "column_duplicate": ("列 {column} 出现多次", "column {column} appears more than once"),
    "column_unknown": ("未知列 {column}{hint}", "unknown column {column}{hint_en}"),
    "blank_header": ("第 {index} 列没有列名", "column {index} has no header"),
    # cells
    "amount_format": ("金额 {value!r} 不是有效数字", "amount {value!r} is not a number"),
    "amount_decimals": (
        "金额 {value!r} 超过两位小数（不做舍入）",
        "amount {value!r} has more than two decimals (not rounded)",
    ),
    "amount_range": ("金额 {value!r} 超出范围", "amount {value!r} is out of range"),
    "integer_format": ("{field} {value!r} 不是整数", "{field} {value!r} is not a whole number"),
    "month_range": ("月份 {value} 应在 1 到 12 之间", "month {value} must be within 1..12"),
    "blank_cell": ("{field} 为空", "{field} is blank"),
    "tax_unknown": ("未知税种 {value!r}{hint}", "unknown tax type {value!r}{hint_en}"),
    "tax_central_only": (
        "{value!r} 为中央税，不参与分享，请勿列入台账",
        "{value!r} is 100% central and never shared; leave it out of the ledger",
    ),
    "indicator_unknown": ("未知统计指标 {value!r}{hint}", "unknown indicator {value!r}{hint_en}"),
    "central_range": (
        "中央级 {central} 应与税额 {amount} 同号且不超过税额",
        "central {central} must have the sign of amount {amount} and not exceed it",
    ),
    "origin_unknown": ("来源片区 {value!r} 不在情景的参与方中", "origin area {value!r} is not a party of the scenario"),
    "zone_unknown": ("协同区 {value!r} 不在情景的参与方中", "zone {value!r} is not a party of the scenario"),
    "agreement_unknown": (
        "{origin} 与 {zone} 之间没有分享协议",
        "no sharing agreement between {origin} and {zone}",
    ),
    "year_outside": (
        "年度 {year} 不在情景期间 {first}–{last} 内",
        "year {year} is outside the scenario's years {first}-{last}",
    ),
    "start_year_after": ("年度 {year} 早于投产年度 {start}", "year {year} is before start_year {start}"),
    "start_year_conflict": (
        "企业 {entity} 的投产年度不一致（{first} 与 {second}）",
        "entity {entity} has conflicting start_year values ({first} and {second})",
    ),
    "base_year_missing": (
        "协议 {agreement} 以 {year} 年为基期，但台账中没有该年度的记录",
        "agreement {agreement} uses base year {year} but the ledger has no rows for that year",
    ),
    "count_decimals": ("{field} {value!r} 应为整数", "{field} {value!r} must be a whole number"),
    # scenario
    "yaml_syntax": ("YAML 语法错误：{detail}", "YAML syntax error: {detail}"),
    "yaml_alias": ("不允许使用 YAML 锚点/别名", "YAML anchors and aliases are not allowed"),
    "yaml_depth": ("嵌套超过 {limit} 层", "nested more than {limit} levels deep"),
    "yaml_complex_key": ("键应为简单文字，不能是列表或映射", "a key must be plain text, not a list or a mapping"),
    "yaml_duplicate_key": ("键 {name!r} 重复", "duplicate key {name!r}"),
    "yaml_not_mapping": ("情景文件的顶层应为键值映射", "the scenario's top level must be a mapping"),
    "unknown_key": ("未知的键 {name!r}{hint}", "unknown key {name!r}{hint_en}"),
    "missing_key": ("缺少必填项", "required key is missing"),
    "retired_cit_exempt_share": (
        "键 {name!r} 已停用：北部湾经济区免征地方分享部分企业所得税改按桂政发〔2020〕42号的条件判定"
        "（新注册开办，自取得第一笔主营业务收入的纳税年度起 5 年），行业是否符合条件用 local_cit_exemption 指定",
        "key {name!r} is retired: the Beibu Gulf local CIT exemption follows the conditions of 桂政发〔2020〕42号 "
        "(newly registered, 5 tax years from the first main-business revenue); say whether an industry qualifies "
        "with local_cit_exemption",
    ),
    "retired_vat_refund": (
        "键 {name!r} 已停用：留抵退税按项目投资进项税额形成的增量留抵税额计算（公告2019年第39号、2022年第14号），"
        "退还比例用 vat_credit_refund_share 设置",
        "key {name!r} is retired: VAT credit refunds follow from the incremental excess credit of the project's "
        "investment (公告2019年第39号, 2022年第14号); set the refunded share with vat_credit_refund_share",
    ),
    "investment_shares_sum": (
        "设备与房屋建筑占投资比例之和 {total} 超过 1",
        "equipment and buildings together are {total} of the investment, more than 1",
    ),
    "share_range": ("比例 {value} 应在 0 到 1 之间", "share {value} must be within [0, 1]"),
    "share_decimals": ("比例 {value} 最多六位小数", "share {value} may have at most six decimals"),
    "money_decimals": ("金额 {value} 最多两位小数", "amount {value} may have at most two decimals"),
    "money_negative": ("金额 {value} 不能为负", "amount {value} must not be negative"),
    "money_range": ("金额 {value} 超过上限 {limit} 元", "amount {value} exceeds the limit of {limit} yuan"),
    "cost_sum_range": (
        "{year} 年成本分担合计超过上限 {limit} 元",
        "cost sharing in {year} adds up beyond the limit of {limit} yuan",
    ),
    "not_finite": ("{value} 不是有限数值", "{value} is not a finite number"),
    "control_character": ("含有控制字符", "contains a control character"),
    "shares_sum": (
        "税种 {tax} 各级留成比例之和 {total} 超过 1",
        "retention shares of {tax} sum to {total}, more than 1",
    ),
    "party_unknown": ("参与方 {value!r} 不存在", "party {value!r} does not exist"),
    "origin_is_host": ("来源方与承接方不能相同", "origin and host must differ"),
    "duplicate_id": ("标识 {value!r} 重复", "id {value!r} is used twice"),
    "duplicate_pair": (
        "{origin} 与 {host} 之间已有协议 {other}",
        "{origin} and {host} already have agreement {other}",
    ),
    "schedule_order": ("比例时段应按顺序排列且不重叠", "ratio phases must be in order and must not overlap"),
    "schedule_gap": ("比例时段在 {year} 处有空缺", "ratio phases leave {year} uncovered"),
    "schedule_cover": (
        "比例时段应覆盖 {first}–{last}",
        "ratio phases must cover {first}-{last}",
    ),
    "schedule_to_before_from": ("to {to} 早于 from {start}", "to {to} is before from {start}"),
    "schedule_open_end": ("只有最后一个时段可以省略 to", "only the last phase may omit 'to'"),
    "since_start_base": (
        "按投产年限（years_since_start）分段只能与 base.rule: zero 同用",
        "basis years_since_start works only with base.rule: zero",
    ),
    "base_year_required": ("base.rule: base_year 需要 base.year", "base.rule: base_year needs base.year"),
    "base_year_late": (
        "基期 {year} 不能晚于情景起始年 {start}",
        "base year {year} must not be after the first year {start}",
    ),
    "base_year_only": ("base.year 只用于 base.rule: base_year", "base.year is only used with base.rule: base_year"),
    "stat_origin_only_split": ("origin 只用于 rule: split", "origin is only used with rule: split"),
    "year_range": ("年度 {value} 不在 1900–2200 之间", "year {value} is not within 1900-2200"),
    "invalid_value": ("取值无效：{detail}", "invalid value: {detail}"),
    "scenario_schema": ("schema 应为 ftzshare/v1", "schema must be ftzshare/v1"),
    "taxes_empty": ("taxes 不能为空", "taxes must not be empty"),
    # command line
    "usage": ("命令行错误：{detail}", "command line: {detail}"),
    "app_missing": (
        "找不到浏览器应用：请在本仓库中以可编辑方式安装（pip install -e .）",
        "the browser app is not there: install from the repository (pip install -e .)",
    ),
    "output_not_dir": ("输出位置不是文件夹", "output path is not a folder"),
    "output_write": ("无法写入输出：{detail}", "cannot write output: {detail}"),
    "output_below_file": ("输出位置位于文件 {parent} 之下", "output path lies below the file {parent}"),
    "input_inside_out": (
        "输入文件位于输出文件夹 {out} 内，而输出文件夹将被整体替换；请换一个输出文件夹",
        "the input lies inside the output folder {out}, which is replaced whole; name another output folder",
    ),
    "output_mount": (
        "输出文件夹是挂载点，无法整体替换；请指定其中的一个文件夹",
        "output folder is a mount point and cannot be replaced whole; name a folder inside it",
    ),
    "output_locked": (
        "另一次运行正在写入此输出文件夹（已等待 {seconds} 秒）；请待其完成后重试",
        "another run is writing this output folder (waited {seconds} s); try again when it has finished",
    ),
    "output_foreign": (
        "输出文件夹中已有非本程序生成的文件（如 {example}），不予覆盖；请指定新的或空的文件夹",
        "output folder holds files ftzshare did not write (such as {example}); name a new or empty folder",
    ),
}


def render(key: str, lang: str = "zh", **params: object) -> str:
    """One message in one language; a missing key is a programming error, so it raises."""
    zh, en = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**params)


def bilingual(key: str, **params: object) -> str:
    """Chinese first, then English, for one-line CLI errors read by officials and engineers alike."""
    zh, en = render(key, "zh", **params), render(key, "en", **params)
    return zh if zh == en else f"{zh} / {en}"


# Parameter uncertainty (sim/scenario/uncertainty.py), sensitivity studies and cluster runs.
MESSAGES.update(
    {
        "uncertainty_needs": ("{dist} 分布需要给出 {name}", "a {dist} distribution needs {name}"),
        "uncertainty_not_for": ("{dist} 分布不使用 {name}", "a {dist} distribution takes no {name}"),
        "uncertainty_bounds": ("下限 {low} 应小于上限 {high}", "low {low} must be below high {high}"),
        "uncertainty_mode": ("众数 {mode} 应在上下限之间", "mode {mode} must lie within low..high"),
        "uncertainty_lognormal_low": (
            "对数正态分布的下限 {low} 不能为负",
            "a lognormal's low {low} must not be negative",
        ),
        "uncertainty_mass": (
            "上下限之间只含分布的 {mass}（至少应为 {least:.0%}），取值将由上下限而非分布决定",
            "the bounds keep only {mass} of the distribution (at least {least:.0%}): they, not it, would decide",
        ),
        "uncertainty_unknown_path": (
            "{path!r} 不是可设不确定性的数值模型参数（population、behavior、assessment、parties、targets 之下）{hint}",
            "{path!r} is not a numeric model parameter that can be uncertain (under population, behavior, "
            "assessment, parties, targets){hint_en}",
        ),
        "uncertainty_duplicate": ("参数 {path} 已由 {other!r} 给出", "parameter {path} is already given as {other!r}"),
        "uncertainty_bound_invalid": (
            "取值 {value} 不是该参数允许的值：{reason}",
            "value {value} is not one this parameter allows: {reason_en}",
        ),
        "uncertainty_set_invalid": (
            "参数组合 {values} 不成立：{reason}",
            "the parameter set {values} is not valid: {reason_en}",
        ),
        "sensitivity_no_uncertainty": (
            "情景没有 uncertainty 部分，无从分析敏感性",
            "the scenario has no uncertainty block to study",
        ),
        "sensitivity_too_many_runs": (
            "该研究需要模拟 {runs} 次，超过上限 {limit}；请减少 --samples",
            "the study needs {runs} simulations, more than the limit of {limit}: lower --samples",
        ),
        "scheduler_unreachable": (
            "无法连接 Dask 调度器 {address}：{detail}",
            "cannot reach the Dask scheduler at {address}: {detail}",
        ),
        "sensitivity_morris_samples": (
            "Morris 方法至少需要 2 条轨迹（--samples 2），σ 才有意义；当前为 {value}",
            "Morris needs at least 2 trajectories (--samples 2) for σ to mean anything, not {value}",
        ),
        "sensitivity_sobol_samples": (
            "Sobol 方法的 --samples 应为 2 的幂（如 256、512），当前为 {value}",
            "Sobol's --samples must be a power of two (such as 256 or 512), not {value}",
        ),
        # labels of model parameters that have no default in sim/parameters/model.yaml
        "param_ftz_entities": ("自贸片区现有市场主体数", "market entities registered in the FTZ"),
        "param_new_per_year": ("每年新设市场主体数", "new entities a year"),
        "param_reinvest_rate_per_year": ("赴协同区再投资的年概率", "yearly chance of reinvesting in the zone"),
        "param_revenue_yuan_median": ("主体营业收入中位数", "median revenue of an entity"),
        "param_revenue_yuan_sigma": ("主体营业收入对数标准差", "spread (log sd) of entities' revenue"),
        "param_vat_burden": ("增值税税负率", "VAT burden on revenue"),
        "param_profit_margin": ("利润率", "profit margin"),
        "param_cit_rate": ("一般企业所得税税率", "CIT rate of general entities"),
        "param_payroll_share": ("工资薪金占营业收入比例", "payroll as a share of revenue"),
        "param_land_ha_per_project": ("每个项目用地", "land per project"),
        "param_build_months": ("项目建设期（月）", "construction months of a project"),
        "param_rampup_months": ("达产期（月）", "ramp-up months to full production"),
        "param_land_ha": ("可供项目用地", "land available to projects"),
        "param_area_km2": ("面积", "area"),
        "param_region_growth": ("全区同口径增长率（考核基准）", "the region's growth (assessment benchmark)"),
        "param_weight": ("考核权重", "assessment weight"),
        "param_points_per_pp": ("每高出 1 个百分点得分", "points per percentage point above the region"),
        "param_innovation_bonus": ("制度创新成果加分", "points per innovation award"),
        "param_pass_score": ("考核合格分数线", "assessment pass mark"),
        "param_revoke_after_failed_years": ("连续不合格撤销年数", "failed years before revocation"),
        "param_min_base": ("计算增速的最小基数", "smallest base growth is measured against"),
        "param_window_years": ("增速按几年滚动合计计算", "years summed for the growth rate"),
        # the sensitivity chart and page
        "sensitivity_title_morris": ("{name}：Morris 筛选", "{name}: Morris screening"),
        "sensitivity_title_sobol": ("{name}：Sobol 敏感性指数", "{name}: Sobol sensitivity indices"),
        "sensitivity_panel": ("{party}：{measure}", "{party}: {measure}"),
        "sensitivity_measure_receipts": ("期内累计分成收入", "receipts over the horizon"),
        "sensitivity_measure_gain": ("期内累计增益（相对无协议）", "gain over the horizon (against no agreement)"),
        "sensitivity_index_mu_star": ("μ*（平均绝对效应，95% 区间）", "μ* (mean absolute effect, 95% interval)"),
        "sensitivity_index_sigma": ("σ（效应离散度：非线性或交互）", "σ (spread: non-linear or interacting)"),
        "sensitivity_index_S1": ("一阶指数 S1（95% 区间）", "first-order S1 (95% interval)"),
        "sensitivity_index_ST": ("总效应指数 ST（95% 区间）", "total-order ST (95% interval)"),
        "sensitivity_axis_morris": (
            "输入从下限移到上限时输出的变化（万元）",
            "change of the output across an input's range (10,000 yuan)",
        ),
        "sensitivity_axis_sobol": ("占输出方差的比例", "share of the output's variance"),
        "sensitivity_note": (
            "样本量 {samples}，共模拟 {runs} 次；各样本点使用同一随机种子 {seed}（公共随机数）",
            "{samples} samples, {runs} simulations; every sample point uses the same seed {seed} (common random "
            "numbers)",
        ),
        "sensitivity_drivers": ("{what} 的主要驱动因素：{inputs}", "what drives {what}: {inputs}"),
        "sensitivity_page_intro": (
            "哪些不确定参数决定各方的{measure}（按影响从大到小，前三项）：",
            "Which uncertain inputs drive each party's {measure} (the three largest first):",
        ),
    }
)


# Pydantic's own error types, in the same two languages.
MESSAGES.update(
    {
        "expected_one_of": ("应为以下之一：{expected}", "expected one of: {expected}"),
        "expected_integer": ("应为整数", "expected a whole number"),
        "expected_number": ("应为数字", "expected a number"),
        "expected_text": ("应为文本", "expected text"),
        "expected_list": ("应为列表", "expected a list"),
        "expected_mapping": ("应为键值映射", "expected a mapping"),
        "too_small": ("应不小于 {limit}", "must be at least {limit}"),
        "too_large": ("应不大于 {limit}", "must be at most {limit}"),
        "id_format": (
            "标识 {value!r} 只能包含小写字母、数字、下划线和连字符",
            "id {value!r} may hold only lowercase letters, digits, _ and -",
        ),
        "id_reserved": ("标识 {value!r} 为保留字", "id {value!r} is reserved"),
        "cost_year_outside": (
            "成本分担年度 {year} 不在情景期间 {first}–{last} 内",
            "cost-sharing year {year} is outside the scenario's years {first}-{last}",
        ),
        "age_uncovered": (
            "投产第 {age} 年不在协议 {agreement} 的比例时段内",
            "year {age} since start is not covered by the ratio phases of agreement {agreement}",
        ),
        "size_mix_sum": ("规模结构比例之和应为 1", "size mix shares must sum to 1"),
        "size_mix_partial": (
            "small_micro 与 general 须同时给出（都不给时按法定标准划分规模）",
            "give small_micro and general together, or neither (then the statutory thresholds decide the size)",
        ),
        "industry_area": (
            "有多个自贸片区时，产业须指明 area",
            "with several FTZ areas each industry must name its area",
        ),
        "area_unknown": ("area {value!r} 不是参与方", "area {value!r} is not a party"),
        "simulated_base_year": (
            "模拟从零开始，基期须为起始年 {start}（首年的分享池即存量）",
            "a simulation starts from nothing: the base year must be the first year {start} (its pool is the stock)",
        ),
        "land_missing": ("协同区 {value!r} 需要 land_ha 才能模拟", "zone {value!r} needs land_ha to be simulated"),
        "no_agreement_for_area": ("片区 {value!r} 没有协议", "area {value!r} has no agreement"),
        "population_missing": (
            "情景没有 population 部分，无法模拟",
            "the scenario has no population block to simulate",
        ),
        "too_many_entities": (
            "模拟期内将登记 {total} 个市场主体（ftz_entities + new_per_year × {years} 年），超过上限 {limit}",
            "{total} entities would register over the run (ftz_entities + new_per_year × {years} years), "
            "more than the limit of {limit}",
        ),
        "too_many_entity_years": (
            "市场主体数 × 模拟年数 = {total}，超过上限 {limit}；请减少 ftz_entities、new_per_year 或缩短 horizon.years",
            "entities × horizon years = {total}, more than the limit of {limit}: lower ftz_entities or new_per_year, "
            "or shorten horizon.years",
        ),
        "too_many_project_years": (
            "预计再投资项目数（协同区或自贸区内）× 模拟年数约为 {total}，超过上限 {limit}；请减少 ftz_entities、"
            "new_per_year 或降低 reinvest_rate_per_year",
            "expected reinvestment projects (in a zone or in the FTZ) × horizon years ≈ {total}, more than the limit "
            "of {limit}: lower ftz_entities, new_per_year or reinvest_rate_per_year",
        ),
        "variant_cycle": ("变体引用形成循环：{value}", "variants extend each other in a cycle: {value}"),
        "extends_outside": (
            "extends 只能引用本文件所在文件夹（含子文件夹）或内置情景库中的情景文件：{value!r}",
            "extends may name only a scenario in this file's folder (or below it) or in the bundled library: {value!r}",
        ),
        "variant_unknown_id": ("基准情景中没有 {value!r}{hint}", "the baseline has no {value!r}{hint_en}"),
        "explain_no_row": (
            "协议 {agreement} 在 {year} 年没有 {tax} 的分配结果",
            "agreement {agreement} has no {tax} allocation in {year}",
        ),
        "bad_link": (
            "分享链接无法识别，已打开默认页面",
            "the shared link could not be read; the default page is shown",
        ),
        "ledger_total_range": ("台账金额合计超出可计算范围", "ledger amounts add up beyond the supported range"),
        # bounded input files (sim/records/tabular.py) and cells
        "header_too_long": ("表头行超过 {limit} 个字符", "the header line is longer than {limit} characters"),
        "row_too_long": ("一行超过 {limit} 字节", "a row is longer than {limit} bytes"),
        "cell_too_long": ("单元格超过 {limit} 个字符", "a cell is longer than {limit} characters"),
        "xlsx_inflated": (
            "XLSX 解压后共 {size} 字节，超过上限 {limit} 字节",
            "the XLSX inflates to {size} bytes, more than the limit of {limit}",
        ),
        "xlsx_ratio": (
            "XLSX 部件 {part} 的压缩比为 {ratio}:1，超过 {limit}:1（疑为压缩炸弹）",
            "XLSX part {part} is compressed {ratio}:1, more than {limit}:1 (a zip bomb?)",
        ),
        "xlsx_parts": ("XLSX 部件过多（上限 {limit} 个）", "the XLSX has too many parts (limit {limit})"),
        "xlsx_xml_limit": (
            "XLSX 部件 {part} 的 XML 过大、嵌套过深或含 DTD",
            "XLSX part {part} has XML too large, too deeply nested or with a DTD",
        ),
        "xlsx_rows": ("工作表超过 {limit} 行", "the sheet has more than {limit} rows"),
        "xlsx_row_order": (
            "行号顺序错乱或超过 {limit}（上一行为第 {previous} 行）",
            "row number out of order or beyond {limit} (previous row {previous})",
        ),
        "xlsx_row_cells": ("该行超过 {limit} 个单元格", "the row has more than {limit} cells"),
        "xlsx_cells": ("工作表单元格超过 {limit} 个", "the sheet has more than {limit} cells"),
        "cell_control_character": ("{field} {value!r} 含有控制字符", "{field} {value!r} contains a control character"),
        "cell_range": ("{field} {value} 应在 {low} 到 {high} 之间", "{field} {value} must be within {low}..{high}"),
        # command line limits (analysis/cli.py)
        "seed_invalid": (
            "随机种子 {value!r} 应为 0 到 {limit} 之间的整数",
            "seed {value!r} must be a whole number 0..{limit}",
        ),
        "discount_rate_invalid": (
            "贴现率 {value!r} 应为 0 到 1 之间的小数（0.03 即 3%）",
            "discount rate {value!r} must be a fraction within 0..1 (0.03 is 3%)",
        ),
        "replications_limit": (
            "模拟次数 {value} 超过上限 {limit}",
            "{value} replications is more than the limit of {limit}",
        ),
        "simulated_years_limit": (
            "{replications} 次模拟 × {years} 年 = {total} 个模拟年，超过上限 {limit}",
            "{replications} replications × {years} years = {total} simulated years, more than the limit of {limit}",
        ),
        "workers_limit": ("进程数 {value} 超过上限 {limit}", "{value} workers is more than the limit of {limit}"),
        "compare_same_file": ("同一情景文件列出了两次", "the same scenario file is listed twice"),
        "compare_same_name": (
            "与 {other} 同名（{label}），比较结果会混在一起，请改名",
            "has the same name ({label}) as {other}: their results would collide; rename one",
        ),
        "summary_not_json": ("不是有效的 JSON：{detail}", "not valid JSON: {detail}"),
        "summary_not_object": ("运行摘要的顶层应为 JSON 对象", "the run summary's top level must be a JSON object"),
    }
)

# Chart and report texts.
MESSAGES.update(
    {
        "chart_receipts_title": (
            "{agreement}：各方年度分成（{unit}）",
            "{agreement}: yearly receipts by party ({unit})",
        ),
        "chart_year": ("年度", "year"),
        "chart_origin": ("来源方 {name}", "origin {name}"),
        "chart_host": ("承接方 {name}", "host {name}"),
        "chart_band": ("{low}–{high}% 区间（{n} 次模拟）", "{low}–{high}% range ({n} replications)"),
        "unit_wan": ("万元", "10k yuan"),
        "unit_yi": ("亿元", "100m yuan"),
        "no_cjk_font": (
            "未找到中文字体，图表改用英文；请安装 fonts-noto-cjk",
            "no CJK font found, charts fall back to English; install fonts-noto-cjk",
        ),
    }
)

MESSAGES.update(
    {
        "chart_compare_yearly": ("各方案{role}年度分成（{unit}）", "{role} yearly receipts by design ({unit})"),
        "chart_compare_npv": (
            "十年分成现值（贴现率 {rate}%，{unit}）",
            "present value of receipts (discount {rate}%, {unit})",
        ),
        "chart_compare_net": ("净财政收益合计（{unit}）", "net fiscal benefit over the horizon ({unit})"),
        "role_origin": ("来源方", "origin"),
        "role_host": ("承接方", "host"),
        "report_title": ("自贸试验区协同发展区税收分享方案比较", "Comparison of tax-sharing designs"),
        "report_scenarios": ("参与比较的方案", "Designs compared"),
        "report_assumptions": ("各方案假设", "Assumptions of each design"),
        "report_assessment": ("协同区年度考核", "Yearly assessment of the zones"),
        "report_targets": ("自贸试验区目标进度", "Progress towards the FTZ's targets"),
        "col_scenario": ("方案", "design"),
        "col_party": ("参与方", "party"),
        "col_role": ("角色", "role"),
        "col_receipts": ("分成合计", "receipts"),
        "col_npv": ("现值", "present value"),
        "col_net": ("净财政收益", "net benefit"),
        "col_vs_baseline": ("较基准", "vs baseline"),
        "col_passed": ("通过年数", "years passed"),
        "col_failed": ("未通过年数", "years failed"),
        "col_revoked": ("撤销年度", "revoked"),
        "col_target": ("目标", "target"),
        "col_goal": ("目标值", "goal"),
        "col_reached": ("达成年度", "reached in"),
        "col_met": ("目标年是否达成", "met by target year"),
        "yes": ("是", "yes"),
        "no": ("否", "no"),
        "not_reached": ("未达成", "not reached"),
        "target_tax_revenue_yuan": ("税收收入（元）", "tax revenue (yuan)"),
        "target_industrial_output_yuan": ("规上工业总产值（元）", "industrial output (yuan)"),
        "target_entities_multiple": ("市场主体数（倍）", "market entities (multiple)"),
        "target_fdi_share_of_region": ("实际使用外资占全区比重", "share of the region's FDI"),
        "target_trade_share_of_region": ("进出口占全区比重", "share of the region's trade"),
    }
)

# The browser app.
MESSAGES.update(
    {
        "app_title": ("自贸试验区协同发展区税收分享测算", "FTZ collaborative zones: tax-sharing simulator"),
        "app_language": ("语言 / Language", "Language / 语言"),
        "app_scenario": ("情景", "scenario"),
        "app_upload_scenario": ("或上传情景文件（YAML）", "or upload a scenario (YAML)"),
        "app_replications": ("模拟次数", "replications"),
        "app_tab_tune": ("调整比例", "tune ratios"),
        "app_tab_compare": ("方案比较", "compare designs"),
        "app_tab_explain": ("解释数字", "explain a figure"),
        "app_tab_settle": ("结算实际台账", "settle real records"),
        "app_agreement": ("协议 {id}：{origin} → {host}", "agreement {id}: {origin} → {host}"),
        "app_basis": ("比例依据", "ratio basis"),
        "app_basis_calendar_year": ("按年度", "by calendar year"),
        "app_basis_years_since_start": ("按投产年限", "by years since start"),
        "app_phases": ("比例时段（来源方比例）", "ratio phases (origin's share)"),
        "app_base": ("基数规则", "base rule"),
        "app_negative": ("负增量处理", "negative increment"),
        "app_cap": ("来源方累计封顶（万元，0 为不封顶）", "origin's cumulative cap (10k yuan, 0 = none)"),
        "app_floor": ("承接方年度保底（万元，0 为无）", "host's yearly floor (10k yuan, 0 = none)"),
        "app_sunset": ("分享截止年度（0 为不截止）", "sunset year (0 = none)"),
        "app_behavior": ("行为响应（改变后需重新模拟）", "behaviour (changing it simulates again)"),
        "app_referral": ("来源方推介弹性", "origin referral elasticity"),
        "app_service": ("承接方供地服务弹性", "host land and service elasticity"),
        "app_resplit": (
            "按当前条款重新分配已缓存的模拟，用时 {ms} 毫秒",
            "the cached simulation re-split by the current terms in {ms} ms",
        ),
        "app_simulated": (
            "已模拟，用时 {s} 秒（分享条款之外的设定——行为、模拟次数、情景——改变时才重新模拟）",
            "simulated in {s} s (simulated again only when something other than the sharing terms changes: "
            "behaviour, replications, scenario)",
        ),
        "app_total_origin": ("来源方合计", "origin in all"),
        "app_total_host": ("承接方合计", "host in all"),
        "app_total_central": ("中央级合计", "central in all"),
        "app_share_link": ("分享链接（复制后可恢复本页）", "share link (opening it restores this page)"),
        "app_compare_pick": ("选择最多四个方案", "pick up to four designs"),
        "app_compare_current": ("当前调整的方案", "the design being tuned"),
        "app_compare_too_many": ("最多比较四个方案", "compare at most four designs"),
        "app_explain_pick": ("选择要解释的数字", "pick the figure to explain"),
        "app_explain_step": ("步骤", "step"),
        "app_explain_amount": ("金额", "amount"),
        "app_explain_detail": ("说明", "note"),
        "app_explain_note": ("{cell}：{note}", "{cell}: {note}"),
        "app_ledger_upload": ("上传台账（CSV 或 XLSX）", "upload a ledger (CSV or XLSX)"),
        "app_settled": ("已结算 {rows} 行", "settled {rows} rows"),
        "app_assessment": ("协同区年度考核", "zone assessment"),
        "app_targets": ("目标进度", "target progress"),
        "app_statistics": ("统计数据归属", "statistics credited"),
        "app_net": ("净财政收益（万元）", "net fiscal benefit (10k yuan)"),
        "app_part": ("去向", "part"),
        "app_report": ("比较报告（PDF）", "comparison report (PDF)"),
        "app_error": ("输入有误：{reason}（{place}）", "input error: {reason} ({place})"),
        "app_error_at": ("{file}，位置 {where}", "{file}, at {where}"),
        "app_link_error": ("链接有误：{reason}", "link error: {reason}"),
        "app_error_page": ("输入有误：{reason}", "input error: {reason}"),
        "app_link_error_at": (
            "链接有误：{reason}（链接中的设置 {where}）",
            "link error: {reason} (the link's {where})",
        ),
        "app_progress": ("正在模拟……", "simulating…"),
        # the app's link, limits, settling and Streamlit's own texts (issue 12)
        "link_lang": (
            "链接中的语言 {value!r} 无法识别（应为 zh 或 en），已使用中文",
            "the link's language {value!r} is not zh or en; Chinese is shown",
        ),
        "link_replications": (
            "链接中的模拟次数 {value!r} 应为 1 到 {limit} 之间的整数，已改用 {default} 次",
            "the link's replications {value!r} must be a whole number 1..{limit}; {default} are used",
        ),
        "link_scenario": (
            "链接中的情景 {value!r} 不存在，已打开默认情景",
            "the link's scenario {value!r} does not exist; the default is shown",
        ),
        "link_too_long": (
            "分享链接过长（{size} 个字符，上限 {limit}），已打开默认页面",
            "the shared link is too long ({size} characters, limit {limit}); the default page is shown",
        ),
        "link_too_deep": (
            "分享链接嵌套超过 {limit} 层，已打开默认页面",
            "the shared link nests more than {limit} levels; the default page is shown",
        ),
        "link_tab": (
            "链接中的页面 {value!r} 不存在，已打开情景的首页",
            "the link's tab {value!r} does not exist; the scenario's first tab is shown",
        ),
        "link_key": (
            "分享链接含有本页不会写入的项 {name!r}，已打开默认页面",
            "the shared link holds {name!r}, which this page never writes; the default page is shown",
        ),
        "link_upload": (
            "上传的情景无法通过链接分享（链接只保存内置情景及其调整）",
            "an uploaded scenario cannot be shared by link (a link keeps bundled scenarios and their edits)",
        ),
        "link_replications_reduced": (
            "{years} 年的情景最多模拟 {limit} 次，已改为 {limit} 次",
            "a {years}-year scenario allows at most {limit} replications; {limit} are used",
        ),
        "app_amount": ("金额", "amount"),
        "list_separator": ("、", ", "),
        "app_tab_results": ("测算结果", "results"),
        "app_none": ("无", "none"),
        "app_phase_from": ("起始", "from"),
        "app_phase_to": ("截止（空为不截止）", "to (blank = open)"),
        "app_phase_origin": ("来源方比例", "origin's share"),
        "app_phase_add": ("添加时段", "add a phase"),
        "app_phase_drop": ("删除此时段", "remove this phase"),
        "app_cap_short": ("来源方累计封顶", "origin's cumulative cap"),
        "app_floor_short": ("承接方年度保底", "host's yearly floor"),
        "app_sunset_short": ("分享截止年度", "sunset year"),
        "app_unit_mixed": ("金额：{unit}；人数、户数：个", "amounts: {unit}; people and entities: count"),
        "app_upload_limit": ("单个文件不超过 {size} · {types}", "{size} per file · {types}"),
        "app_upload_button": ("选择文件", "Browse files"),
        "app_share_link_note": (
            "打开此链接即恢复本页：情景、各项调整、语言和模拟次数",
            "opening this link restores the page: scenario, edits, language and replications",
        ),
        "app_settlement_only": (
            "「{name}」只用于结算实际台账（没有模拟所需的市场主体模型）："
            "在“结算实际台账”页结算；这里调整的条款将用于结算。",
            "“{name}” is for settling real records only (it has no model of market entities to simulate): "
            "settle it on the "
            "“settle real records” tab; the terms edited here are the ones it applies.",
        ),
        "app_no_simulation": (
            "此情景没有模拟模型，请在“结算实际台账”页结算台账",
            "this scenario has no model to simulate: settle records on the “settle real records” tab",
        ),
        "app_records_source": ("台账来源", "records"),
        "app_records_bundled": (
            "随情景附带的示例台账（ledger.csv、statistics.csv）",
            "the records shipped with the scenario (ledger.csv, statistics.csv)",
        ),
        "app_records_upload": ("上传台账", "upload records"),
        "app_statistics_upload": ("上传统计数据（可选，CSV 或 XLSX）", "upload statistics (optional, CSV or XLSX)"),
        "app_settled_as": (
            "已结算 {rows} 行台账（{source}）：情景「{name}」，适用的分享条款见下表",
            "settled {rows} rows ({source}) under “{name}”, with the terms below",
        ),
        "app_settled_totals": ("结算结果（{unit}）", "settled ({unit})"),
        "app_split_chart": ("各协议税收去向（{unit}）", "where each agreement's tax went ({unit})"),
        "app_explain_settled": ("解释结算结果中的一个数字", "explain a settled figure"),
        "app_terms": ("适用的分享条款", "terms applied"),
        "app_export": ("下载", "download"),
        "app_export_pick": ("导出本页的图表或表格", "export a chart or table of this tab"),
        "app_export_chart": ("{title} · 图（{format}）", "{title} · chart ({format})"),
        "app_export_table": ("{title} · 表（{format}）", "{title} · table ({format})"),
        "app_export_plain": ("{title} · 表（CSV，英文标识、元）", "{title} · table (CSV with ids, yuan)"),
        "app_waterfall_title": ("税收去向", "where the tax goes"),
        "app_explain_title": ("数字的由来", "how the figure is made"),
        "app_figure_note": ("{note}", "{note}"),
        "app_total_upper": ("{name}合计", "{name} in all"),
    }
)

MESSAGES.update(
    {
        "chart_waterfall": (
            "税收去向：从税收合计到各方（{unit}）",
            "where the tax goes, from the total to each party ({unit})",
        ),
        "chart_waterfall_first": (  # beside figures that are means over replications: say it is one of them
            "税收去向（第 1 次模拟）：从税收合计到各方（{unit}）",
            "where the tax goes in replication 1, from the total to each party ({unit})",
        ),
        "chart_compare_cumulative": ("各方案{role}累计分成（{unit}）", "{role} cumulative receipts by design ({unit})"),
        "part_origin": ("来源方", "origin"),
        "part_host": ("承接方", "host"),
    }
)

# Chart axes, direct labels and the assessment chart (analysis/outputs/charts.py).
MESSAGES.update(
    {
        "chart_axis_receipts": ("分成", "receipts"),
        "chart_axis_npv": ("分成现值", "present value of receipts"),
        "chart_axis_net": ("净财政收益", "net fiscal benefit"),
        "chart_axis_amount": ("金额", "amount"),
        "chart_axis_part": ("去向", "part"),
        "chart_axis_points": ("考核得分（分）", "assessment points"),
        "chart_axis_points_symlog": (
            "考核得分（分；±{linear} 以外为对数刻度）",
            "assessment points (logarithmic beyond ±{linear})",
        ),
        "chart_axis_zone": ("协同区", "zone"),
        "chart_receipts_grid": ("各协议来源方与承接方年度分成", "yearly receipts of origin and host, by agreement"),
        "chart_one_run": ("金额为一次模拟的结果", "amounts are from one replication"),
        "chart_note_join": ("；", "; "),
        "note_without_upper": ("另有{names}的分成未列于本表", "the parts of {names} are not in this table"),
        "note_rounding": (
            "各行与合计分别四舍五入，各行相加可能与合计相差末位",
            "rows and totals are rounded separately: the rows may not add up to the total in the last digit",
        ),
        "chart_assessment_title": ("协同区年度考核得分与合格线", "zone assessment points against the pass line"),
        "chart_pass_line": ("合格线 {score} 分", "pass line {score} points"),
        "chart_passed": ("通过", "passed"),
        "chart_failed": ("未通过", "failed"),
        "chart_points_note": (
            "得分为第 1 次模拟的结果（共 {n} 次，随机种子 {seed}）",
            "points are from replication 1 of {n} (seed {seed})",
        ),
        "chart_revocation_title": (
            "截至当年已被撤销的概率（{n} 次模拟中的占比）",
            "probability a zone has been revoked by each year (share of {n} replications)",
        ),
        "chart_revocation_axis": ("撤销概率", "probability of revocation"),
    }
)

# The presentation layer (analysis/outputs/presentation.py): units, names of ids, totals, what a figure is.
MESSAGES.update(
    {
        "unit_yuan": ("元", "yuan"),
        "with_unit": ("{name}（{unit}）", "{name} ({unit})"),
        "total_row": ("合计", "Total"),
        "agreement_name": ("{origin} → {host}", "{origin} → {host}"),
        "figure_median": ("金额为 {n} 次模拟的中位数", "amounts are medians over {n} replications"),
        "figure_mean": ("金额为 {n} 次模拟的平均值", "amounts are means over {n} replications"),
        "figure_replication": (
            "金额为第 1 次模拟的结果（共 {n} 次，随机种子 {seed}）",
            "amounts are from replication 1 of {n} (seed {seed})",
        ),
        "figure_settled": ("金额为根据实际台账结算的结果", "amounts are settled from the records"),
        "stat_rule_split": ("按比例分计", "split by the ratio"),
        "stat_rule_double_count": ("双方均计", "counted in both"),
        "stat_rule_host": ("计入承接方", "counted to the host"),
        "stat_rule_origin": ("计入来源方", "counted to the origin"),
        "policy_floor_zero": ("负增量不分享", "no transfer in a year of negative increment"),
        "policy_carry_forward": ("负增量结转以后年度弥补", "shortfall carried forward and paid back"),
        "policy_share": ("负增量按比例分担", "negative increment shared by the ratio"),
        "base_rule_zero": ("零基数（全部为增量）", "zero base (all of it is increment)"),
        "base_rule_base_year": ("基期年分享池为基数", "the base year's pool is the base"),
        "indicator_output": ("产值", "gross output"),
        "indicator_value_added": ("增加值", "value added"),
        "indicator_investment": ("固定资产投资", "fixed-asset investment"),
        "indicator_trade": ("进出口", "imports and exports"),
        "indicator_fdi": ("实际使用外资", "foreign capital actually used"),
        "indicator_employment": ("从业人员", "persons employed"),
        "indicator_entities": ("市场主体数", "market entities"),
        "col_origin": ("来源方分成", "origin's receipts"),
        "col_host": ("承接方分成", "host's receipts"),
        "col_central": ("中央级", "central"),
        "col_total": ("税收合计", "total tax"),
        "col_agreement": ("协议", "agreement"),
        "col_year": ("年度", "year"),
        "col_tax_type": ("税种", "tax type"),
        "col_indicator": ("指标", "indicator"),
        "col_rule": ("统计规则", "statistics rule"),
        "col_yearly_receipts": ("当年分成", "receipts in the year"),
        "col_receipts_p5": ("分成5%分位数", "receipts, 5th percentile"),
        "col_receipts_p95": ("分成95%分位数", "receipts, 95th percentile"),
        "col_receipts_vs_baseline": ("分成较基准增减", "receipts vs baseline"),
        "col_npv_vs_baseline": ("现值较基准增减", "present value vs baseline"),
        "col_net_benefit": ("净财政收益", "net fiscal benefit"),
        "col_cumulative": ("累计分成", "cumulative receipts"),
        "col_discounted": ("当年分成现值", "discounted receipts"),
        "col_cumulative_discounted": ("累计现值", "cumulative present value"),
        "col_stat_total": ("合计", "total"),
        "col_stat_origin": ("计入来源方", "credited to the origin"),
        "col_stat_host": ("计入承接方", "credited to the host"),
        "col_zone": ("协同区", "zone"),
        "col_awards": ("制度创新成果数", "innovation awards"),
        "col_points": ("考核得分", "points"),
        "col_pass": ("是否达标", "passed"),
        "col_revoked_this_year": ("当年撤销", "revoked this year"),
        "col_growth": ("{indicator}增速（%）", "{indicator} growth (%)"),
        "col_value": ("实际值", "value"),
        "col_progress": ("完成进度（%）", "progress (%)"),
        "col_computed": ("计算方式", "computed by"),
        "col_seed": ("随机种子", "seed"),
        "col_replications": ("模拟次数", "replications"),
        "col_terms": ("协议条款", "terms"),
        "col_description": ("说明", "description"),
        "col_file": ("情景文件", "scenario file"),
        "col_sha256": ("校验值", "checksum (SHA-256)"),
        "unit_count_employment": ("人", "persons"),
        "unit_count_entities": ("户", "entities"),
        "unit_percent": ("%", "%"),
        "unit_multiple": ("倍", "times"),
        "target_label_tax_revenue_yuan": ("税收收入", "tax revenue"),
        "target_label_industrial_output_yuan": ("规上工业总产值", "industrial output above designated size"),
        "target_label_entities_multiple": ("市场主体数较期初存量", "market entities against the starting stock"),
        "target_label_fdi_share_of_region": ("实际使用外资占全区比重", "share of the region's FDI"),
        "target_label_trade_share_of_region": ("进出口占全区比重", "share of the region's trade"),
        "figure_range_note": ("；5%、95% 分位为各次模拟的分位数", "; the 5% and 95% figures are percentiles over them"),
        "figure_npv_note": ("；现值按年贴现率 {rate}% 折算", "; present values discounted at {rate}% a year"),
        "view_summary": ("分成汇总", "Summary of receipts"),
        "view_yearly": ("逐年分成", "Receipts year by year"),
        "view_statistics": ("统计数据归属", "Statistics credited"),
        "view_assessment": ("协同区年度考核", "Yearly assessment of the zones"),
        "view_targets": ("自贸试验区目标进度", "Progress towards the FTZ's targets"),
        "view_assumptions": ("各方案假设", "Assumptions of each design"),
        "computed_resplit": ("按已有模拟重新分配", "re-split from an earlier simulation"),
        "computed_simulated": ("模拟", "simulated"),
        "terms_ratio": ("来源方比例（{basis}）：{phases}", "origin's share ({basis}): {phases}"),
        "terms_phase": ("{start}–{end} 年 {share}%", "{start}–{end}: {share}%"),
        "terms_phase_open": ("{start} 年起 {share}%", "from {start}: {share}%"),
        "terms_phase_since": ("投产第 {start}–{end} 年 {share}%", "years {start}–{end} since start: {share}%"),
        "terms_phase_since_open": ("投产第 {start} 年起 {share}%", "from year {start} since start: {share}%"),
        "terms_phase_one": ("{start} 年 {share}%", "{start}: {share}%"),
        "terms_phase_since_one": ("投产第 {start} 年 {share}%", "year {start} since start: {share}%"),
        "terms_stock_to_origin": ("存量归来源方", "the stock goes to the origin"),
        "terms_cap": ("来源方累计封顶 {amount}", "origin's cumulative cap {amount}"),
        "terms_floor": ("承接方年度保底 {amount}", "host's yearly floor {amount}"),
        "terms_sunset": ("{year} 年后停止分享", "sharing ends after {year}"),
        "terms_revoked": ("{year} 年后撤销", "revoked after {year}"),
        "sheet_summary": ("汇总", "summary"),
        "sheet_yearly": ("逐年", "yearly"),
        "sheet_statistics": ("统计数据", "statistics"),
        "sheet_assessment": ("考核", "assessment"),
        "sheet_targets": ("目标进度", "targets"),
        "sheet_assumptions": ("假设", "assumptions"),
        "sheet_risk": ("风险", "risk"),
        "sheet_zone_risk": ("各协议风险", "risk by agreement"),
        "report_case": (
            "{name}（{computed}，随机种子 {seed}，{n} 次模拟，校验值 {sha}…）",
            "{name} ({computed}, seed {seed}, {n} replications, checksum {sha}…)",
        ),
        "report_illustrative": (
            "比例、参数凡未注明来源者均为示例假设。",
            "Ratios and parameters without a source are illustrative.",
        ),
        "report_assessment_summary": (
            "协同区考核结果（按方案与协同区）",
            "Assessment of the zones, by design and zone",
        ),
        "receipts_view": ("各方年度分成", "Yearly receipts by party"),
    }
)

# The workbooks (analysis/outputs/workbook.py): headers of the settlement sheets, sheet names, titles, notes.
MESSAGES.update(
    {
        "col_origin_party": ("来源方", "origin"),
        "col_host_party": ("承接方", "host"),
        "col_base_year": ("基数年度", "base year"),
        "col_reward": ("招商奖励", "attraction reward"),
        "col_compensation": ("生态补偿", "ecological compensation"),
        "col_cost": ("成本分担", "cost share"),
        "col_unit": ("单位", "unit"),
        "col_name": ("名称", "name"),
        "wb_sheet_allocation": ("分配结果（{unit}）", "Allocation ({unit})"),
        "view_settled": ("结算分配结果", "Settled allocation"),
        "wb_sheet_detail": ("计算明细（{unit}）", "Steps ({unit})"),
        "wb_sheet_statistics": ("统计数据", "Statistics"),
        "wb_sheet_balance": ("净财政收益（{unit}）", "Net benefit ({unit})"),
        "wb_sheet_notes": ("说明", "Notes"),
        "wb_title_settlement": ("{scenario}：税收分享分配结果", "{scenario}: tax-sharing allocation"),
        "wb_title_tables": ("{title}", "{title}"),
        "wb_period": ("{first}–{last} 年度", "years {first}–{last}"),
        "wb_period_base": (
            "{first}–{last} 年度（另列基数年 {base} 年）",
            "years {first}–{last} (and base year {base})",
        ),
        "wb_unit_note": ("金额单位：{unit}", "amounts in {unit}"),
        "wb_note_title": ("标题", "title"),
        "wb_note_scenario": ("情景", "scenario"),
        "wb_note_period": ("期间", "period"),
        "wb_note_figures": ("金额口径", "figures"),
        "wb_note_units": ("金额单位", "units"),
        "wb_note_sheet": ("{sheets}表", "sheets {sheets}"),
        "wb_note_sheet_unit": ("{sheet}：{unit}", "{sheet}: {unit}"),
        "wb_note_statistics_units": (
            "统计数据：货币指标 {unit}，人数、户数为个数",
            "statistics: money indicators in {unit}, headcounts and entities as counts",
        ),
        "wb_note_sha256": ("情景校验值（SHA-256）", "scenario checksum (SHA-256)"),
        "wb_note_version": ("软件版本", "ftzshare version"),
        "wb_note_input": ("输入文件（{role}）", "input ({role})"),
        "wb_input_scenario": ("情景", "scenario"),
        "wb_input_ledger": ("税收台账", "tax ledger"),
        "wb_input_statistics": ("统计数据", "statistics"),
        "wb_note_by_entity": ("逐企业分配", "by entity"),
        "wb_by_entity": (
            "各市场主体的分配结果见同一文件夹中的 allocation_by_entity.csv（元，两位小数），本工作簿不逐户列示",
            "each entity's allocation is in allocation_by_entity.csv beside this workbook (yuan, two decimals)",
        ),
        "wb_note_parties": ("来源方与承接方", "origin and host"),
        "wb_parties": (
            "来源方为自贸试验区片区，承接方为协同发展区；分成比例由设区市人民政府确定",
            "the origin is the FTZ area, the host the collaborative zone; the city government sets the ratio",
        ),
        "wb_note_detail": ("计算明细", "steps"),
        "wb_detail": (
            "每一格自税收合计起逐步计算，与 allocation_detail.csv 及“解释数字”一致；各格均为零的步骤不列示；"
            "来源方比例空白的格没有可分享的增量（如基数年或增量为零）",
            "each cell step by step from the total tax, as in allocation_detail.csv and 'explain a figure'; "
            "steps that are zero in every cell are left out; a blank origin's share: nothing to split in that cell "
            "(the base year, or no increment)",
        ),
    }
)

# The steps of an allocation (DOMAIN.md §3), one name each wherever they appear: explain, the workbooks, the
# app, allocation_detail.csv's readers.
MESSAGES.update(
    {
        "step_total": ("税收合计", "total tax"),
        "step_central": ("中央级", "central"),
        "step_local": ("地方级", "local part"),
        "step_pool": ("分享池（扣除上级留成后）", "pool (after upper levels)"),
        "step_base": ("基数", "base"),
        "step_base_zero": ("基数规则：零基数（全部为增量）", "base rule: zero (all of it is increment)"),
        "step_base_year": ("基数取自 {year} 年的分享池", "the base is the pool of {year}"),
        "step_base_year_grown": (
            "基数取自 {year} 年的分享池，每年增长 {growth}",
            "the base is the pool of {year}, grown {growth} a year",
        ),
        "step_increment": ("增量 = 分享池 − 基数", "increment = pool − base"),
        "step_repaid": ("弥补以前年度缺口（归存量方）", "deficit paid back (to stock_to)"),
        "step_deficit": ("结转缺口（尚待弥补）", "deficit carried forward"),
        "step_to_stock": ("归存量方合计", "to stock_to in all"),
        "step_split": ("按比例分享额", "amount split"),
        "step_ratio": ("来源方比例", "origin's ratio in force"),
        "step_origin_split": ("来源方按比例所得", "origin's part of the split"),
        "step_sunset_adj": ("到期或撤销后转归承接方", "moved to the host after sunset or revocation"),
        "step_cap_adj": ("超封顶转归承接方", "moved to the host by the cap"),
        "step_floor_adj": ("保底转归承接方", "moved to the host by the floor"),
        "step_origin": ("来源方分成", "origin's receipts"),
        "step_host": ("承接方分成", "host's receipts"),
        "stock_to_host": ("承接方", "host"),
        "stock_to_origin": ("来源方", "origin"),
    }
)

# Figures over every replication: gains against the no-agreement world, risk, land, what holds one replication.
MESSAGES.update(
    {
        "party_region": ("区域整体", "the region as a whole"),
        "col_with_agreement": ("有协议时收入", "receipts with the agreements"),
        "col_without_agreement": ("无协议时收入", "receipts without the agreements"),
        "col_gain": ("协议增益", "gain from the agreements"),
        "col_gain_mean": ("增益平均值", "gain, mean"),
        "col_gain_median": ("增益中位数", "gain, median"),
        "col_gain_p5": ("增益5%分位数", "gain, 5th percentile"),
        "col_gain_p95": ("增益95%分位数", "gain, 95th percentile"),
        "col_gain_positive": ("增益为正的概率（%）", "probability the gain is positive (%)"),
        "col_receipts_median": ("分成中位数", "receipts, median"),
        "col_value_at_risk": ("风险价值（分成5%分位数）", "value at risk (receipts, 5th percentile)"),
        "col_shortfall": ("较中位数少收", "shortfall from the median"),
        "col_net_benefit_median": ("净财政收益中位数", "net fiscal benefit, median"),
        "col_net_benefit_p5": ("净财政收益5%分位数", "net fiscal benefit, 5th percentile"),
        "col_net_benefit_p95": ("净财政收益95%分位数", "net fiscal benefit, 95th percentile"),
        "col_revocation_probability": ("被撤销的概率（%）", "probability of revocation (%)"),
        "col_pass_rate": ("考核达标率（%）", "assessment pass rate (%)"),
        "col_floor_binds": ("保底触发的概率（%）", "probability the host's floor binds (%)"),
        "col_cap_reached": ("达到封顶的概率（%）", "probability the origin's cap is reached (%)"),
        "col_revoked_by_year": ("截至当年已撤销的概率（%）", "probability revoked by that year (%)"),
        "col_pass_rate_year": ("当年考核达标率（%）", "pass rate that year (%)"),
        "col_floor_binds_year": ("当年保底触发的概率（%）", "probability the floor binds that year (%)"),
        "col_cap_reached_by_year": ("截至当年达到封顶的概率（%）", "probability the cap is reached by then (%)"),
        "col_outcome": ("结果", "outcome"),
        "col_median": ("中位数", "median"),
        "col_p5": ("5%分位数", "5th percentile"),
        "col_p95": ("95%分位数", "95th percentile"),
        "land_landed": ("落地项目数（个）", "projects landed (count)"),
        "land_gave_up_stayed": (
            "放弃等待、留在自贸试验区的项目数（个）",
            "projects that gave up and stayed in the FTZ (count)",
        ),
        "land_gave_up_lost": (
            "放弃等待、流失出区域的项目数（个）",
            "projects that gave up and left the region (count)",
        ),
        "land_waiting": ("期末仍在等待用地的项目数（个）", "projects still waiting for land at the end (count)"),
        "land_stayed_in_ftz": (
            "无开放协同区、留在自贸试验区的项目数（个）",
            "projects with no open zone that stayed in the FTZ (count)",
        ),
        "land_lost_to_region": (
            "无开放协同区、流失出区域的项目数（个）",
            "projects with no open zone lost to the region (count)",
        ),
        "land_zone_granted": ("协同区供地（公顷）", "zone land granted (hectares)"),
        "land_zone_released": ("协同区释放用地（公顷）", "zone land released (hectares)"),
        "land_ftz_used": ("自贸试验区内用地（公顷）", "FTZ land used (hectares)"),
        "land_ftz_used_without": (
            "无协议时自贸试验区内用地（公顷）",
            "FTZ land used without the agreements (hectares)",
        ),
        "view_gains": ("与无协议相比的收入增益", "Gains against no agreement"),
        "view_replications": ("全部模拟汇总（期内合计）", "All replications (totals over the horizon)"),
        "view_risk": ("各方风险指标（期内合计）", "Risk figures by party (totals over the horizon)"),
        "view_zone_risk": ("各协议风险指标", "Risk figures by agreement"),
        "view_risk_years": ("逐年风险指标", "Risk figures year by year"),
        "view_land": ("用地结果（全部模拟）", "Land outcomes (all replications)"),
        "figure_gains": (
            "有协议、无协议时收入为 {n} 次模拟的平均值（各先取整到分，增益 = 有协议 − 无协议）；"
            "5%、95% 分位为各次模拟增益的分位数；有协议时收入含各协议的分成及留在自贸试验区内的项目的税收，"
            "故与只列分成的 receipts_zh.csv 不同",
            "receipts with and without the agreements are means over {n} replications (each rounded to the fen "
            "first; gain = with − without); the 5% and 95% figures are percentiles of the gain over them; receipts "
            "with the agreements are the shares received plus the tax of projects that stayed in the FTZ, so they "
            "differ from receipts_zh.csv, which lists the shares only",
        ),
        "figure_over_replications": (
            "基于全部 {n} 次模拟：金额为中位数及5%、95%分位数，概率为出现该结果的模拟次数占比",
            "over all {n} replications: amounts are medians and 5th and 95th percentiles, probabilities the share "
            "of replications in which it happens",
        ),
        "figure_over_replications_risk": (
            "基于全部 {n} 次模拟：金额为中位数，在险值为第 5 百分位数，概率为出现该结果的模拟次数占比",
            "over all {n} replications: amounts are medians, the value at risk the 5th percentile, probabilities "
            "the share of replications in which it happens",
        ),
        "figure_over_replications_share": (
            "基于全部 {n} 次模拟：概率为出现该结果的模拟次数占比",
            "over all {n} replications: probabilities are the share of replications in which it happens",
        ),
        "figure_over_replications_values": (
            "基于全部 {n} 次模拟：各项为中位数及5%、95%分位数",
            "over all {n} replications: each figure's median and 5th and 95th percentiles",
        ),
        "wb_sheet_replications": ("全部模拟汇总（{unit}）", "All replications ({unit})"),
        "wb_sheet_risk": ("风险指标（{unit}）", "Risk ({unit})"),
        "wb_sheet_zone_risk": ("各协议风险", "Risk by agreement"),
        "wb_sheet_risk_years": ("逐年风险", "Risk by year"),
        "wb_sheet_land": ("用地结果", "Land"),
        "wb_note_replication_1": ("第 1 次模拟的明细", "replication 1's detail"),
        "wb_replication_1": (
            "分配结果、计算明细、统计数据、净财政收益各表，以及 allocation*.csv、net_benefit.csv、statistics*.csv、"
            "ledger.csv、events.csv、projects.csv、assessment.csv 为第 1 次模拟（随机种子 {seed}）的明细；"
            "{sheets}各表及 gains_zh.csv（协议增益）、gains.csv、replications.csv 覆盖全部 {n} 次模拟",
            "the allocation, steps, statistics and net benefit sheets, and allocation*.csv, net_benefit.csv, "
            "statistics*.csv, ledger.csv, events.csv, projects.csv, assessment.csv, are replication 1's detail "
            "(seed {seed}); the sheets {sheets}, gains_zh.csv (the gains from the agreements), gains.csv and "
            "replications.csv cover all {n} replications",
        ),
        "report_risk": ("{name}：风险指标", "{name}: risk figures"),
        "report_zone_risk": ("{name}：各协议风险指标", "{name}: risk figures by agreement"),
    }
)

# calibration and backtest (`ftzshare calibrate`, sim/scenario/schema.py Calibration, analysis/calibration.py)
MESSAGES.update(
    {
        "calibration_missing": ("情景没有 calibration 块，无从校准", "the scenario has no calibration block to fit"),
        "calibration_population": ("校准需要 population 块", "calibration needs a population block"),
        "calibration_bounds": (
            "下限 {lower} 应小于上限 {upper}",
            "lower bound {lower} must be below upper bound {upper}",
        ),
        "calibration_start": (
            "初始值 {value} 应在 [{lower}, {upper}] 之内",
            "start value {value} must be within [{lower}, {upper}]",
        ),
        "calibration_unit": ("{quantity} 的单位应为 {unit}", "{quantity} is measured in {unit}"),
        "calibration_mid_year": (
            "{quantity} 是年度流量，只能按全年比较（at: year_end）",
            "{quantity} is a flow of a year: compare it for the whole year (at: year_end)",
        ),
        "calibration_path_scope": (
            "只能校准 population 中的参数：{value!r}",
            "only parameters of the population can be fitted: {value!r}",
        ),
        "calibration_path_unknown": (
            "键路径 {value!r} 中没有 {part!r}{hint}",
            "key path {value!r} has no {part!r}{hint_en}",
        ),
        "calibration_path_number": ("键路径 {value!r} 不是一个数值参数", "key path {value!r} does not name a number"),
        "calibration_bound_field": (
            "边界 {value} 超出该参数的取值范围：{detail}",
            "bound {value} is outside what the parameter accepts: {detail}",
        ),
        "calibration_year": (
            "观测年度 {value} 不在情景期间 {start}–{end} 内",
            "observed year {value} is outside the horizon {start}–{end}",
        ),
        "calibration_title": ("回测：公开数据与校准后模拟", "Backtest: published figures and the calibrated model"),
        "calibration_published": ("公开数据", "published"),
        "calibration_median": ("模拟中位数", "simulated median"),
        "calibration_range": ("模拟 5%–95% 区间", "simulated 5–95% range"),
        "calibration_note": (
            "{replications} 次重复模拟；年中数据取前后两个年末的平均；空心点权重为 0，只作回测、不参与拟合。",
            "{replications} replications; mid-year figures are the mean of the year-ends around them; "
            "hollow points have weight 0: backtested, not fitted.",
        ),
        "calibration_not_fitted": ("（未参与拟合）", " (not fitted)"),
        "calibration_nothing_fitted": (
            "没有权重大于 0 的观测值，无从拟合",
            "no observation has a weight above 0: nothing to fit",
        ),
        "calibration_unit_entities": ("户数（家）", "entities"),
        "calibration_unit_100m": ("亿元", "100 million yuan"),
    }
)

# Ratio tuning (`ftzshare tune`, the app's 寻找比例 tab, `analysis.tuning`).
MESSAGES.update(
    {
        "tune_confidence_invalid": ("置信水平 {value!r} 应在 (0, 1] 内", "confidence {value!r} must be within (0, 1]"),
        "tune_capped_term_needs_terms": (
            "协议 {agreement} 没有封顶或到期年度，不能按 capped_term 形式寻找比例",
            "agreement {agreement} has no cap and no sunset: the capped_term shape needs one",
        ),
        "tune_title": ("寻找分成比例：{agreement}", "Finding a ratio: {agreement}"),
        "tune_x": ("来源方分成比例", "origin's share"),
        "tune_y": ("十年收益现值（较无协议）", "10-year gain, present value (vs no agreement)"),
        "tune_band": ("5%–95% 区间", "5–95% range"),
        "tune_feasible_band": ("可行区间", "feasible range"),
        "tune_feasible": (
            "双方都能接受的来源方分成比例：{low}–{high}（每方十年收益现值为正的概率不低于 {confidence}）",
            "origin shares both sides can sign: {low}–{high} (each side's 10-year gain positive in at least "
            "{confidence} of replications)",
        ),
        "tune_infeasible_origin": (
            "没有可行比例：即使来源方分得全部增量，其十年收益现值（{confidence} 置信）仍差 {shortfall} 元",
            "no ratio is feasible: even with the whole increment the origin's 10-year gain ({confidence} "
            "confidence) falls short by {shortfall} yuan",
        ),
        "tune_infeasible_host": (
            "没有可行比例：即使承接方分得全部增量，其十年收益现值（{confidence} 置信）仍差 {shortfall} 元",
            "no ratio is feasible: even with the whole increment the host's 10-year gain ({confidence} "
            "confidence) falls short by {shortfall} yuan",
        ),
        "tune_infeasible_both": (
            "没有可行比例：双方不能同时获益，在最接近的比例 {share} 下双方合计仍差 {shortfall} 元",
            "no ratio is feasible: the sides cannot both gain; at the closest share {share} they fall short by "
            "{shortfall} yuan together",
        ),
        "tune_behavior_needs_reference": (
            "各协议首期来源方分成比例不同（{shares}）：行为随比例变化时，请在 behavior.reference_origin_share "
            "中写明努力程度所对照的比例，再为协议 {agreement} 寻找比例",
            "the agreements' first-phase origin shares differ ({shares}): with behaviour responding to the shares, "
            "name the share effort is measured against in behavior.reference_origin_share to tune {agreement}",
        ),
        "tune_note_interpolated": (
            "行为随比例变化：21 个网格比例逐一模拟，可行区间端点、盈亏平衡点与各最优比例在网格的三次样条插值上求得，"
            "再逐一模拟；表中各比例的收益均为模拟结果",
            "behaviour responds to the shares: the 21 grid shares are simulated, the feasible ends, break-evens and "
            "optima are found on the grid's cubic-spline interpolant and then simulated; every gain tabled is "
            "simulated",
        ),
        "tune_note_joint_flat": (
            "努力程度不随分成比例变化（无行为弹性），双方合计收益与比例无关，故无“合计最大”比例",
            "effort does not respond to the shares (no behaviour elasticities): the joint gain does not depend on "
            "the split, so there is no joint-gain ratio",
        ),
        "tune_shapley_two_parties": (
            "只有两方、一个协议：沙普利值不适用（等于平分合计收益）",
            "two parties, one agreement: the Shapley value does not apply (it halves the joint gain)",
        ),
        "tune_shapley_too_many": (
            "共享同一来源方或承接方的协议超过 {limit} 个，联盟模拟过多，未计算沙普利值",
            "more than {limit} agreements share the origin or host: too many coalitions to simulate, no Shapley value",
        ),
        "tune_shapley_removed": (
            "联盟价值：联盟外的协议从情景中删除后以相同随机种子重新模拟",
            "coalition values: agreements outside a coalition are removed from the scenario and simulated again "
            "with the same seed",
        ),
        "tune_method_resplit": (
            "每个比例由同一批模拟重新分账（行为不随比例变化）",
            "each ratio re-splits the same simulations (behaviour does not respond to the ratio)",
        ),
        "tune_method_resimulate": (
            "每个比例以相同随机数重新模拟（行为随比例变化）",
            "each ratio is simulated again with common random numbers (behaviour responds to the ratio)",
        ),
        "tune_candidate_nash": ("纳什谈判解", "Nash bargaining"),
        "tune_candidate_shapley": ("沙普利值", "Shapley value"),
        "tune_candidate_joint": ("合计收益最大", "joint gain maximum"),
        "tune_candidate_host_share": ("可行范围内承接方收益最大", "host's best within the feasible range"),
        "tune_candidate_break_even_origin": ("来源方盈亏平衡", "origin breaks even"),
        "tune_candidate_break_even_host": ("承接方盈亏平衡", "host breaks even"),
        "tune_candidate_formula": ("三因素公式", "apportionment formula"),
        "tune_candidate_current": ("现行比例", "current ratio"),
        "tune_candidate_written": ("现行条款原样", "today's terms as written"),
        "tune_tuned": ("推荐比例（{objective}）", "tuned ratio ({objective})"),
        "tune_none": ("无", "none"),
        "tune_explain_at": ("比例 {share} 下", "at share {share}"),
        "share_invalid": ("分成比例 {value!r} 应为 0 到 1 之间的数", "share {value!r} must be a number within 0..1"),
        "tuning_other_scenario": (
            "该寻比结果不是情景 {value} 的（情景内容的 sha256 不同）",
            "this tuning was not made for scenario {value} (its content's sha256 differs)",
        ),
        "tuning_other_agreement": ("该寻比结果不是协议 {value} 的", "this tuning is not of agreement {value}"),
        "tuning_share_missing": (
            "寻比表中没有比例 {value}（只能解释表中已计算的比例）",
            "no share {value} in the tuning table (only shares it evaluated can be explained)",
        ),
        "tuning_row_malformed": (
            "寻比表该行缺少收益列或数值无效",
            "this row of the tuning table lacks a gain or is not a number",
        ),
        "tune_explain_gain": ("{party}十年收益现值", "{party}'s 10-year gain"),
        "tune_explain_positive": ("{party}收益为正的概率", "probability {party} gains"),
        "tune_explain_break_even": ("{party}盈亏平衡比例", "{party} breaks even at"),
        "sheet_tuning": ("比例测算", "ratios"),
        "sheet_candidates": ("候选比例", "candidates"),
        "col_origin_share": ("来源方分成比例", "origin's share"),
        "col_candidate": ("候选", "candidate"),
        "col_candidate_note": ("说明", "note"),
        "tune_why_written": (
            "按现行条款原样测算：{terms}",
            "today's terms exactly as written: {terms}",
        ),
        "tune_why_current_flat": (
            "单一比例，不含现行条款的封顶与停止分享",
            "one share, without today's cap and sunset",
        ),
        "tune_why_current_mean": (
            "现行各期比例在前 {years} 年内的平均（{phases}）",
            "today's phases averaged over the first {years} years ({phases})",
        ),
        "tune_why_infeasible": ("没有双方都能接受的比例，故无此解", "no ratio both sides accept, so none"),
        "tune_why_none": ("本情景下无此解", "none for this scenario"),
        "col_origin_gain": ("来源方收益现值", "origin's gain (PV)"),
        "col_host_gain": ("承接方收益现值", "host's gain (PV)"),
        "col_origin_gain_p5": ("来源方收益 5%", "origin's gain 5%"),
        "col_origin_gain_p95": ("来源方收益 95%", "origin's gain 95%"),
        "col_host_gain_p5": ("承接方收益 5%", "host's gain 5%"),
        "col_host_gain_p95": ("承接方收益 95%", "host's gain 95%"),
        "col_origin_positive": ("来源方获益概率", "P(origin gains)"),
        "col_host_positive": ("承接方获益概率", "P(host gains)"),
        "tune_figure_note": (
            "收益为较无协议情形的十年净财政收益现值（贴现率 {rate}），{n} 次模拟，随机种子 {seed}",
            "gains are 10-year net fiscal gains against no agreement, present value at {rate}, {n} replications, "
            "seed {seed}",
        ),
    }
)

# The app's "find a ratio" tab (app.py, analysis/app_support.py) and the uploader's rejection line.
MESSAGES.update(
    {
        "app_tab_find": ("寻找比例", "find a ratio"),
        "app_find_agreement": ("协议", "agreement"),
        "app_find_shape": ("比例形式", "ratio shape"),
        "app_find_shape_flat": ("单一比例（不设到期、封顶）", "one share (no sunset, no cap)"),
        "app_find_shape_phased": ("分阶段比例（各阶段同步平移）", "phased (all phases shifted together)"),
        "app_find_shape_capped_term": ("单一比例，保留封顶与到期", "one share, cap and sunset kept"),
        "app_find_confidence": ("置信水平（每方获益的模拟占比）", "confidence (replications each side gains in)"),
        "app_find_needs_simulation": (
            "寻找比例需要可模拟的情景（含市场主体模型）：「{name}」只能结算实际台账",
            "finding a ratio needs a simulated scenario (with a model of market entities): "
            "“{name}” can only settle records",
        ),
        "app_find_progress": ("正在寻找比例（{n} 次模拟）…", "finding ratios ({n} replications)…"),
        "app_find_expected": (
            "图表与表格为 {n} 次模拟的期望值（均值），阴影为 5%–95% 区间，金额单位：{unit}",
            "expected values (means) over {n} replications, bands 5–95%, amounts in {unit}",
        ),
        "app_find_pick": ("候选比例", "candidate ratio"),
        "app_find_option": ("{candidate}：{share}", "{candidate}: {share}"),
        "app_find_apply": ("应用到分成比例", "apply to the ratio table"),
        "app_find_applied": (
            "已将「{candidate}」{share} 应用于「{agreement}」的分成比例（见上方比例表与分享链接）",
            "applied “{candidate}” {share} to the ratio of “{agreement}” (see the ratio table above and the share "
            "link)",
        ),
        "app_find_none": ("没有可应用的候选比例", "no candidate ratio to apply"),
        "app_upload_rejected": (
            "未接受此文件：应不超过 {size}，类型为 {types}",
            "file not accepted: at most {size}, of type {types}",
        ),
    }
)
