"""What the synthetic model is made of: organisations, systems, roles, dates and preset sizes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

MODEL_FILE = "model.yaml"
POLICY_FILE = "policy.csv"
CONF_FILE = "accesssim.conf"

# The few dates the model uses (each start, and each day after an end, cuts an epoch).
D_CHANGE = dt.date(2016, 4, 1)  # a system change lost some masking; a workaround was set up
D_BEFORE_CHANGE = dt.date(2016, 3, 31)
D_UNBUNDLING = dt.date(2020, 4, 1)  # legal unbundling: transfers, reorganised roles
D_BEFORE_UNBUNDLING = dt.date(2020, 3, 31)
D_TEMP_FROM = dt.date(2022, 7, 1)  # a field shown temporarily
D_TEMP_UNTIL = dt.date(2022, 12, 31)

NW, RT, NEWCO = "nw", "rt", "newco"
NW_CONTRACTORS = ("nw_c1", "nw_c2", "nw_c3")
RT_CONTRACTORS = ("rt_c1", "rt_c2")

ORGANIZATIONS = (
    (NW, "東和電力ネットワーク", "grid", None, ()),
    ("nw_c1", "東和検針サービス", "contractor", None, (NW,)),
    ("nw_c2", "東和設備工事", "contractor", None, (NW,)),
    ("nw_c3", "東和情報システムズ", "contractor", None, (NW,)),
    (RT, "東和電力エナジー", "retail", NW, ()),
    ("rt_c1", "東和コールセンター", "contractor", None, (RT,)),
    ("rt_c2", "東和営業サポート", "contractor", None, (RT,)),
    (NEWCO, "みらい新電力", "retail", None, ()),
)


@dataclass(frozen=True)
class SystemSpec:
    id: str
    prefix: str
    name: str
    areas: tuple[tuple[str, str], ...]  # NW-only areas: (code, Japanese name)
    field_names: tuple[str, ...]
    public_names: tuple[str, ...]


SYSTEMS = (
    SystemSpec(
        "takuso", "tk", "託送業務システム",
        (("reception", "受付"), ("contract", "契約管理"), ("switching", "スイッチング"),
         ("metering", "検針"), ("billing", "託送料金"), ("works", "工事"),
         ("customer", "需要家情報"), ("generation", "発電契約"), ("settlement", "精算"),
         ("interconnect", "系統連系")),
        ("需要者名", "需要場所住所", "連絡先電話番号", "供給地点特定番号", "使用電力量",
         "小売電気事業者名", "契約電力", "契約容量", "スイッチング申込日", "託送契約種別",
         "計器番号", "検針日", "法人番号", "需要家区分", "廃止予定日", "再点日", "発電量",
         "メールアドレス", "料金メニュー", "需要場所区分"),
        ("託送料金表", "託送供給等約款", "公開統計"),
    ),
    SystemSpec(
        "meter", "mt", "スマートメーター運用管理システム",
        (("measure", "計量"), ("comms", "通信"), ("install", "設置"), ("data", "データ管理"),
         ("analysis", "分析")),
        ("30分電力量", "計器ID", "通信経路", "設置場所", "需要者名", "需要場所住所", "検針値",
         "ロードプロファイル", "逆潮流量", "開閉器状態"),
        ("計器仕様", "公開統計"),
    ),
    SystemSpec(
        "outage", "ot", "停電・災害情報システム",
        (("outage", "停電管理"), ("restore", "復旧"), ("equipment", "設備"),
         ("contact", "顧客連絡")),
        ("停電地点", "需要者名", "連絡先電話番号", "要配慮者情報", "需要場所住所", "設備ID",
         "作業班情報", "復旧作業記録"),
        ("停電エリア (公開)", "復旧見込 (公開)", "お知らせ"),
    ),
)
#: Outage-system fields that retail disaster responders may see in disaster mode.
CONTACT_NAMES = ("需要者名", "連絡先電話番号")
SCREEN_KINDS = ("一覧", "詳細", "照会", "検索", "登録", "更新", "履歴")
NW_DEPTS = ("託送業務", "お客さま窓口", "検針", "配電保守", "系統運用", "料金", "工事",
            "情報システム", "計量", "設備計画")
NWC_DEPTS = ("検針員", "工事班", "保守要員", "システム運用")
RT_DEPTS = ("営業", "お客さま窓口", "法人営業", "料金", "電化推進", "契約")
RTC_DEPTS = ("コールセンター", "営業支援")

# Retail roles: system -> (role, share of the retail zone it opens).
RETAIL_ROLES = {
    "takuso": (("rt_inquiry", 0.7), ("rt_inquiry_senior", 0.25), ("rt_sales", 0.5),
               ("rt_backoffice", 0.5), ("rt_contract", 0.4), ("rt_manager", 0.2),
               ("rt_callcenter", 0.6)),
    "meter": (("rt_meter_inquiry", 0.7), ("rt_meter_install", 0.4)),
    "outage": (("rt_public_info", 1.0), ("rt_disaster", 1.0), ("rt_disaster_lead", 0.0)),
}
RETAIL_INHERITS = {
    "rt_inquiry_senior": ("rt_inquiry",),
    "rt_manager": ("rt_inquiry_senior", "rt_sales"),
    "rt_disaster_lead": ("rt_disaster", "rt_public_info"),
}
DISASTER_ROLE = "rt_disaster"


@dataclass(frozen=True)
class Preset:
    """How big a model to make; the defects planted are the same kinds at every size."""

    name: str
    nw_groups: int
    nw_contractor_groups: int
    retail_groups: int
    retail_contractor_groups: int
    newco_groups: int
    headcount: tuple[int, int]
    nw_offices: int
    nw_contractor_sites: int
    retail_offices: int
    retail_contractor_sites: int
    newco_offices: int
    shared_sites: int
    nw_accounts: int
    retail_accounts: int
    nw_terminals: int
    nw_contractor_terminals: int
    retail_terminals: int
    retail_contractor_terminals: int
    screens: tuple[int, int, int]
    retail_screens: tuple[int, int, int]  # retail-openable (outage: public + disaster each)
    fields: tuple[int, int, int]
    transitions: tuple[int, int, int]
    nw_roles: tuple[int, int, int]
    rows_per_role: tuple[int, int, int]  # NW role opens: home area, other areas, retail zone
    shows: tuple[int, int]
    plants: int  # how many of each repeatable defect


PRESETS = {
    "small": Preset(
        name="small", nw_groups=6, nw_contractor_groups=3, retail_groups=6,
        retail_contractor_groups=2, newco_groups=2, headcount=(2, 18),
        nw_offices=4, nw_contractor_sites=1, retail_offices=3, retail_contractor_sites=1,
        newco_offices=1, shared_sites=1, nw_accounts=24, retail_accounts=12,
        nw_terminals=12, nw_contractor_terminals=2, retail_terminals=8,
        retail_contractor_terminals=2, screens=(12, 8, 8), retail_screens=(4, 2, 2),
        fields=(10, 6, 6), transitions=(24, 14, 12), nw_roles=(4, 3, 3),
        rows_per_role=(3, 1, 1), shows=(2, 4), plants=1,
    ),
    "utility": Preset(
        name="utility", nw_groups=1000, nw_contractor_groups=240, retail_groups=520,
        retail_contractor_groups=160, newco_groups=60, headcount=(2, 18),
        nw_offices=269, nw_contractor_sites=30, retail_offices=150,
        retail_contractor_sites=20, newco_offices=6, shared_sites=25,
        nw_accounts=18800, retail_accounts=3200, nw_terminals=10800,
        nw_contractor_terminals=1000, retail_terminals=2900, retail_contractor_terminals=300,
        screens=(700, 500, 300), retail_screens=(60, 15, 15), fields=(150, 90, 60),
        transitions=(2800, 2000, 1200), nw_roles=(90, 55, 43), rows_per_role=(10, 3, 2),
        shows=(3, 8), plants=5,
    ),
}


#: Largest ``--scale``: 64x utility is about 128,000 people entries, far past any benchmark.
MAX_SCALE = 64

#: Preset counts that grow with the organisation; screens, fields, roles and systems do not.
SCALED = ("nw_groups", "nw_contractor_groups", "retail_groups", "retail_contractor_groups",
          "newco_groups", "nw_offices", "nw_contractor_sites", "retail_offices",
          "retail_contractor_sites", "newco_offices", "shared_sites", "nw_accounts",
          "retail_accounts", "nw_terminals", "nw_contractor_terminals", "retail_terminals",
          "retail_contractor_terminals")


def scaled(preset: Preset, scale: int) -> Preset:
    """``preset`` with its people, places, accounts and terminals multiplied by ``scale``.

    Each person keeps the same few posts, accounts and terminals, so what one person reaches
    stays the same; only places open to a whole organisation (common floors, shared buildings)
    grow in number, as in a company with more floors.
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, not {scale}")
    if scale == 1:
        return preset
    return dataclasses.replace(preset, **{name: getattr(preset, name) * scale
                                          for name in SCALED})
