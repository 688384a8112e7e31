"""The sample scenario: the zones that report, how big they are, which ledger layout each sends.

Everything here is fixed data; randomness lives in :mod:`pipelines.sample.simulate` and is seeded from
these codes, so the scenario fully determines the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pipelines.measures import load_measures


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str  # the warehouse (canonical) unit
    kind: str  # flow = additive over months, stock = end-of-month value


# The canonical measures have one home, sources/measures.yaml; the generator writes exactly those.
MEASURES: tuple[Measure, ...] = tuple(
    Measure(m.measure, m.label, m.unit, m.kind) for m in load_measures().values()
)
MEASURE_BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}
FLOW_MEASURES: tuple[str, ...] = tuple(m.name for m in MEASURES if m.kind == "flow")
STOCK_MEASURES: tuple[str, ...] = tuple(m.name for m in MEASURES if m.kind == "stock")

LAYOUTS: tuple[str, ...] = ("A", "B", "C", "D")
B_SENDER = "淮安市"  # layout B arrives as one city-wide CSV, not per zone
B_SUBMIT_OFFSET_MIN = 75


@dataclass(frozen=True)
class Zone:
    code: str  # catalogue code (official 2018 catalogue)
    ledger_name: str  # the alias the ledger writes, not the catalogue name
    layout: str
    revenue_2023_yi: int  # rough 2023 annual industrial revenue, 亿元
    submit_offset_min: int  # minutes after 09:00 on the 8th at which this zone's file usually arrives
    area_code: str  # telephone area code for the 填报人 line
    has_fdi: bool = True
    land_yield: float | None = None  # 亩均营收 (万元/亩) override; else drawn in [350, 1400]
    growth: dict[int, float] = field(default_factory=dict)  # annual revenue growth overrides by year

    @property
    def sender_folder(self) -> str:
        return B_SENDER if self.layout == "B" else self.ledger_name


ZONES: tuple[Zone, ...] = (
    Zone("G321100", "淮安经开区", "A", 1100, 20, "0517"),
    Zone("G322077", "淮安高新区", "A", 420, 95, "0517"),
    Zone("G361149", "上饶经开区", "A", 2400, 150, "0793", land_yield=800.0, growth={2024: 0.11}),
    Zone("G341022", "合肥经开区", "A", 3200, 40, "0551"),
    Zone("S327065", "江苏淮安经济开发区", "B", 160, 0, "0517"),
    Zone("S327131", "清河经济开发区", "B", 90, 0, "0517"),
    Zone("S327069", "洪泽经济开发区", "B", 210, 0, "0517"),
    Zone("S327070", "涟水经开区", "B", 260, 0, "0517"),
    Zone("G321016", "南通经济技术开发区", "C", 2100, 60, "0513"),
    Zone("S327068", "盱眙经济开发区", "C", 230, 210, "0517"),
    Zone("S327067", "金湖经济开发区", "C", 190, 130, "0517"),
    Zone("G511193", "广元经开区", "D", 380, 270, "0839"),
    Zone("S329064", "淮安工业园区", "D", 150, 185, "0517", has_fdi=False),
)
ZONE_BY_CODE: dict[str, Zone] = {z.code: z for z in ZONES}

# Calibration: the one exact figure the warehouse tests can pin (2,400.00 亿元 written by layout A).
CALIBRATED_ZONE = "G361149"
CALIBRATION_YEAR = 2023
CALIBRATED_REVENUE = Decimal("24000000.00")  # 万元, 1-12月 YTD

# Comparable-basis (同口径) overrides: 上饶 2024 growth should read about +11% on the ledger too.
COMPARABLE_ADJ_OVERRIDES: dict[tuple[str, int], float] = {("G361149", 2024): 0.002}

# Zone-years that booked no investment in January, so the next January's FAI growth has no base ("—").
NO_JANUARY_FAI: frozenset[tuple[str, int]] = frozenset({("S329064", 2022)})


@dataclass(frozen=True)
class Correction:
    zone_code: str
    year: int
    month: int
    measures: tuple[str, ...]
    factor: Decimal  # corrected / superseded
    submitted: datetime  # the corrected file's arrival (before the zone offset)


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "G322077",
        2024,
        6,
        ("industrial_revenue", "tax_revenue"),
        Decimal("1.03"),
        datetime(2024, 7, 15, 9, 0),
    ),
)


# --- Enterprise (firm) ledgers: 工业企业亩均效益监测台账 -------------------------------------------------

FIRM_LAYOUTS: tuple[str, ...] = ("E1", "E2")
FIRM_SUBMIT_DELAY_MIN = 25  # a firm ledger arrives this many minutes (plus a per-zone habit) after the zone's

# GB/T 4754-2017 class codes: (label, words a company name uses for that trade)
INDUSTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "1431": ("米、面制品制造", ("食品", "粮油食品", "面业")),
    "1512": ("白酒制造", ("酒业", "酿酒")),
    "1529": ("茶饮料及其他饮料制造", ("饮品", "饮料")),
    "1711": ("棉纺纱加工", ("棉纺", "纺织")),
    "1713": ("棉印染精加工", ("印染", "纺织印染")),
    "1810": ("机织服装制造", ("服饰", "制衣", "服装")),
    "2612": ("无机碱制造", ("碱业", "化工")),
    "2613": ("无机盐制造", ("盐化", "盐化工")),
    "2651": ("初级形态塑料及合成树脂制造", ("新材料", "高分子材料", "树脂")),
    "2720": ("化学药品制剂制造", ("药业", "制药")),
    "2740": ("中成药生产", ("中药", "药业")),
    "2761": ("生物药品制造", ("生物制药", "生物医药")),
    "3099": ("其他非金属矿物制品制造", ("新材料", "材料科技")),
    "3216": ("铝冶炼", ("铝业",)),
    "3252": ("铝压延加工", ("铝材", "铝业科技")),
    "3421": ("金属切削机床制造", ("机床", "精密机械", "数控机床")),
    "3441": ("泵及真空设备制造", ("泵业", "流体设备")),
    "3451": ("滚动轴承制造", ("轴承", "精密轴承")),
    "3511": ("矿山机械制造", ("重工", "矿山机械")),
    "3581": ("医疗诊断、监护及治疗设备制造", ("医疗器械", "医疗科技")),
    "3591": ("环境保护专用设备制造", ("环保设备", "环保科技")),
    "3612": ("新能源车整车制造", ("新能源汽车",)),
    "3660": ("汽车车身、挂车制造", ("专用车", "汽车车身")),
    "3670": ("汽车零部件及配件制造", ("汽车零部件", "汽车部件", "汽配")),
    "3825": ("光伏设备及元器件制造", ("光伏科技", "光能", "新能源科技")),
    "3841": ("锂离子电池制造", ("锂电科技", "新能源电池")),
    "3851": ("家用制冷电器具制造", ("制冷设备", "电器")),
    "3852": ("家用空气调节器制造", ("空调设备", "环境电器")),
    "3856": ("家用厨房电器具制造", ("厨房电器", "厨电")),
    "3921": ("通信系统设备制造", ("通信设备", "通讯科技")),
    "3971": ("电子真空器件制造", ("电子科技", "电子器件")),
    "3973": ("集成电路制造", ("微电子", "半导体")),
    "3974": ("显示器件制造", ("显示科技", "光电显示")),
    "3976": ("光电子器件制造", ("光电科技", "光电子")),
    "3982": ("电子电路制造", ("电路科技", "线路板", "电子科技")),
    "3985": ("电子专用材料制造", ("电子材料",)),
    "4011": ("工业自动控制系统装置制造", ("自动化", "智能控制", "自控设备")),
    "4040": ("光学仪器制造", ("光学", "光学仪器")),
    "4411": ("火力发电", ("发电", "热电")),
    "4430": ("热力生产和供应", ("热力", "热电")),
    "4610": ("自来水生产和供应", ("水务", "自来水")),
}
UTILITY_CODES: tuple[str, ...] = ("4411", "4430", "4610")


@dataclass(frozen=True)
class FirmProfile:
    zone_code: str
    layout: str  # E1 / E2
    division: str  # 6-digit administrative division of the registering authority (USCC digits 3-8)
    population: int  # listed firms in the first simulated year
    industries: tuple[str, ...]  # class codes fitting the zone's leading industries (catalogue 主导产业)
    name_prefixes: tuple[str, ...]  # place names company names start with


FIRM_PROFILES: tuple[FirmProfile, ...] = (
    # 电子信息、盐化工、装备制造
    FirmProfile("G321100", "E1", "320891", 160, ("3971", "3982", "3973", "3921", "2612", "2613", "3421", "3441", "3511"), ("淮安", "江苏")),
    # 电子信息、新能源汽车及零部件、装备制造
    FirmProfile("G322077", "E1", "320891", 95, ("3982", "3974", "3971", "3612", "3670", "3660", "3841", "3421"), ("淮安", "江苏")),
    # 光伏、光学、汽车
    FirmProfile("G361149", "E1", "361102", 244, ("3825", "3976", "4040", "3612", "3670", "3660", "3841"), ("上饶", "江西")),
    # 家电、装备制造、电子信息
    FirmProfile("G341022", "E2", "340111", 245, ("3851", "3852", "3856", "3421", "3441", "3511", "3971", "3982", "3921"), ("合肥", "安徽")),
    # 机械、电子、纺织
    FirmProfile("S327065", "E1", "320803", 52, ("3421", "3441", "3451", "3971", "3982", "1711", "1713", "1810"), ("淮安", "江苏")),
    # 软件、光伏、光电、食品 (software is not industry: its firms are not on an industrial ledger)
    FirmProfile("S327131", "E1", "320812", 40, ("3825", "3976", "3974", "1431", "1529"), ("淮安", "江苏")),
    # 机械电子、纺织、新能源、新材料
    FirmProfile("S327069", "E1", "320813", 60, ("3421", "3971", "1713", "1810", "3825", "3841", "2651", "3099"), ("淮安", "洪泽", "江苏")),
    # 纺织服装、医药医疗、机械装备
    FirmProfile("S327070", "E1", "320826", 72, ("1711", "1713", "1810", "2720", "2740", "3581", "3421", "3511"), ("涟水", "淮安", "江苏")),
    # 医药健康、电子信息、精密机械
    FirmProfile("G321016", "E2", "320691", 210, ("2720", "2740", "2761", "3581", "3971", "3982", "3921", "3451", "3421"), ("南通", "江苏")),
    # 新能源、新材料、装备制造
    FirmProfile("S327068", "E1", "320830", 58, ("3825", "3841", "2651", "3099", "3421", "3441"), ("盱眙", "淮安", "江苏")),
    # 装备制造、自动控制系统、新能源
    FirmProfile("S327067", "E1", "320831", 55, ("3421", "3441", "3511", "4011", "3825", "3841"), ("金湖", "淮安", "江苏")),
    # 电子机械、食品饮料、有色金属
    FirmProfile("G511193", "E2", "510802", 88, ("3971", "3982", "3421", "1512", "1529", "1431", "3216", "3252"), ("广元", "四川")),
    # 新材料、节能环保、电子信息
    FirmProfile("S329064", "E1", "320804", 50, ("2651", "3099", "3591", "3971", "3982", "3985"), ("淮安", "江苏")),
)  # fmt: skip
FIRM_PROFILE_BY_CODE: dict[str, FirmProfile] = {p.zone_code: p for p in FIRM_PROFILES}
