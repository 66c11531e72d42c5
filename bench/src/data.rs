//! Word lists for the seeded catalogue: categories of the centralized procurement catalogue and
//! product families (brand × model × product noun × specification) with realistic Chinese names.

/// (code, name, English name, parent)
pub type CategoryRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

#[rustfmt::skip]
pub const CATEGORIES: &[CategoryRow] = &[
    ("A", "货物", "Goods", None),
    ("A02", "设备", "Equipment", Some("A")),
    ("A0201", "信息化设备", "Information technology equipment", Some("A02")),
    ("A020101", "计算机", "Computers", Some("A0201")),
    ("A02010105", "台式计算机", "Desktop computers", Some("A020101")),
    ("A02010108", "便携式计算机", "Laptop computers", Some("A020101")),
    ("A02010109", "平板式微型计算机", "Tablet computers", Some("A020101")),
    ("A0202", "办公设备", "Office equipment", Some("A02")),
    ("A020201", "复印机", "Copiers", Some("A0202")),
    ("A020202", "投影仪", "Projectors", Some("A0202")),
    ("A020204", "多功能一体机", "Multifunction printers", Some("A0202")),
    ("A020210", "打印机", "Printers", Some("A0202")),
    ("A02021003", "A4黑白打印机", "A4 monochrome printers", Some("A020210")),
    ("A02021004", "A4彩色打印机", "A4 colour printers", Some("A020210")),
    ("A0206", "电气设备", "Electrical equipment", Some("A02")),
    ("A020618", "生活用电器", "Household electrical appliances", Some("A0206")),
    ("A02061804", "空调机", "Air conditioners", Some("A020618")),
    ("A05", "家具和用具", "Furniture and fixtures", Some("A")),
    ("A0501", "家具", "Furniture", Some("A05")),
    ("A05010201", "办公桌", "Office desks", Some("A0501")),
    ("A05010301", "办公椅", "Office chairs", Some("A0501")),
    ("A05010502", "文件柜", "Filing cabinets", Some("A0501")),
    ("A0504", "办公用品", "Office supplies", Some("A05")),
    ("A05040101", "复印纸", "Copy paper", Some("A0504")),
    ("A05040201", "鼓粉盒", "Toner and drum cartridges", Some("A0504")),
    ("A05040401", "文具", "Stationery", Some("A0504")),
];

/// A product family: every product picks a brand and one of its models, a noun, a specification
/// variant and an extra, then a supplier and a price in the range.
pub struct Family {
    pub category: &'static str,
    /// Relative share of the catalogue (the weights add up to 100).
    pub weight: u32,
    pub unit: &'static str,
    pub nouns: &'static [&'static str],
    /// (brand, its models)
    pub brands: &'static [(&'static str, &'static [&'static str])],
    /// Short variants that go into the name and the specification.
    pub variants: &'static [&'static str],
    /// Longer specification text.
    pub extras: &'static [&'static str],
    /// Price range in yuan.
    pub price_yuan: (i64, i64),
}

#[rustfmt::skip]
pub const FAMILIES: &[Family] = &[
    Family {
        category: "A02010105", weight: 12, unit: "台",
        nouns: &["台式电脑", "台式计算机", "商用台式机"],
        brands: &[
            ("联想", &["启天 M437", "启天 M455", "ThinkCentre M90t", "开天 M740Z"]),
            ("华为", &["擎云 B730E", "擎云 W515x"]),
            ("惠普", &["HP 战99", "HP ProDesk 400 G9"]),
            ("戴尔", &["OptiPlex 7010", "OptiPlex 3000"]),
            ("清华同方", &["超翔 TL630-V3"]),
        ],
        variants: &["i5-12500/16G/512G/23.8英寸", "i5-13400/16G/1T/27英寸", "i7-13700/32G/1T/27英寸", "兆芯KX-U6780A/8G/256G/23.8英寸"],
        extras: &["Windows 11 专业版；三年有限上门保修", "统信 UOS 操作系统；信创整机", "vPro 远程管理；三年上门保修", "银河麒麟操作系统；五年上门保修"],
        price_yuan: (3500, 9000),
    },
    Family {
        category: "A02010108", weight: 12, unit: "台",
        nouns: &["笔记本电脑", "轻薄笔记本电脑", "商务笔记本电脑"],
        brands: &[
            ("ThinkPad", &["X1 Carbon 2024", "T14 Gen 5", "E14 Gen 6"]),
            ("华为", &["MateBook D 16", "MateBook 14"]),
            ("小米", &["RedmiBook 16"]),
            ("惠普", &["HP 战66 六代", "HP EliteBook 840 G11"]),
            ("戴尔", &["Latitude 5450", "Vostro 5640"]),
        ],
        variants: &["i5/16G/512G", "i5/16G/1T", "i7/32G/1T", "Ultra 5/16G/1T", "Ultra 7/32G/2T"],
        extras: &["14英寸 2.8K 屏；指纹识别；三年上门保修", "16英寸 1920×1200 护眼屏", "碳纤维机身；Windows 11 专业版", "铝合金机身；一年上门保修"],
        price_yuan: (4500, 13000),
    },
    Family {
        category: "A02010109", weight: 4, unit: "台",
        nouns: &["平板电脑", "平板"],
        brands: &[
            ("华为", &["MatePad 11.5S", "MatePad Pro 13.2"]),
            ("联想", &["小新 Pad Pro 12.7"]),
            ("小米", &["Xiaomi Pad 6S Pro"]),
            ("荣耀", &["MagicPad 2"]),
        ],
        variants: &["8G+128G WLAN", "8G+256G WLAN", "12G+256G 全网通"],
        extras: &["2.8K 144Hz 柔光屏；支持手写笔", "OLED 屏；澎湃 OS", "HarmonyOS；多屏协同"],
        price_yuan: (1500, 5500),
    },
    Family {
        category: "A02021003", weight: 8, unit: "台",
        nouns: &["黑白激光打印机", "激光打印机"],
        brands: &[
            ("惠普", &["HP LaserJet 1020 Plus", "HP LaserJet Pro M405d", "HP LaserJet Pro 4004dn"]),
            ("兄弟", &["HL-L2260D", "HL-L5100DN"]),
            ("奔图", &["P3305DN", "P2206NW"]),
            ("佳能", &["LBP6230dn", "LBP2900+"]),
            ("联想", &["LJ2405D", "LJ2605D"]),
        ],
        variants: &["A4 USB", "A4 自动双面", "A4 有线网络", "A4 无线网络"],
        extras: &["30 页/分钟；自动双面打印", "国产品牌；33 页/分钟；有线网络", "38 页/分钟；月负荷 8 万页", "整机保修 1 年"],
        price_yuan: (800, 3500),
    },
    Family {
        category: "A02021004", weight: 4, unit: "台",
        nouns: &["彩色激光打印机", "彩色喷墨打印机"],
        brands: &[
            ("惠普", &["HP Color LaserJet Pro 4203dn"]),
            ("爱普生", &["WF-C5290a", "L8058"]),
            ("佳能", &["LBP664Cx"]),
            ("奔图", &["CP2510DN"]),
        ],
        variants: &["A4 自动双面", "A4 无线网络"],
        extras: &["24 页/分钟；大容量墨袋", "33 页/分钟；有线网络", "原厂保修 3 年"],
        price_yuan: (2000, 5000),
    },
    Family {
        category: "A020204", weight: 5, unit: "台",
        nouns: &["多功能一体机", "打印复印扫描一体机"],
        brands: &[
            ("惠普", &["HP LaserJet MFP M232dw", "HP LaserJet Pro MFP 4104dw"]),
            ("兄弟", &["MFC-L2750DW"]),
            ("奔图", &["M7160DW"]),
            ("理光", &["M 320F"]),
        ],
        variants: &["A4 黑白", "A4 自动双面", "A4 无线网络"],
        extras: &["打印/复印/扫描/传真；34 页/分钟", "国产品牌；打印/复印/扫描", "自动输稿器；原厂保修 3 年"],
        price_yuan: (1200, 4000),
    },
    Family {
        category: "A020201", weight: 3, unit: "台",
        nouns: &["数码复印机", "黑白数码复印机"],
        brands: &[
            ("佳能", &["iR 2425", "iR-ADV DX C3926"]),
            ("理光", &["IM 2702"]),
            ("京瓷", &["TASKalfa 2020"]),
            ("夏普", &["BP-M2322R"]),
        ],
        variants: &["A3 标配", "A3 含工作台+双纸盒"],
        extras: &["25 页/分钟；复印/打印/彩色扫描", "双面自动输稿器；原厂保修 3 年"],
        price_yuan: (8000, 25000),
    },
    Family {
        category: "A020202", weight: 4, unit: "台",
        nouns: &["商务投影仪", "激光投影仪", "投影机"],
        brands: &[
            ("爱普生", &["CB-X06", "CB-FH52"]),
            ("明基", &["MW560", "E580"]),
            ("索尼", &["VPL-EX435"]),
            ("极米", &["RS 10"]),
        ],
        variants: &["3600流明 XGA", "4000流明 1080P", "4200流明 WXGA"],
        extras: &["3LCD；会议室投影", "激光光源；2 万小时寿命", "无线投屏；梯形校正"],
        price_yuan: (3000, 12000),
    },
    Family {
        category: "A02061804", weight: 6, unit: "台",
        nouns: &["壁挂式空调", "立柜式空调", "变频空调"],
        brands: &[
            ("格力", &["KFR-35GW 云佳", "KFR-72LW 云逸"]),
            ("美的", &["KFR-35GW 酷省电", "KFR-51LW 锐云"]),
            ("海尔", &["KFR-50LW 静悦", "KFR-26GW 雷神者"]),
        ],
        variants: &["1.5匹 一级能效", "2匹 二级能效", "3匹 一级能效 冷暖"],
        extras: &["变频冷暖；含基础安装", "新一级能效；自清洁", "含 3 米铜管及安装"],
        price_yuan: (2500, 12000),
    },
    Family {
        category: "A05010301", weight: 8, unit: "把",
        nouns: &["办公椅子", "职员椅", "人体工学椅", "会议椅子", "网布办公椅"],
        brands: &[
            ("永艺", &["XY-A2", "撑腰椅 Pro"]),
            ("西昊", &["M57", "M18"]),
            ("黑白调", &["P2"]),
            ("震旦", &["CHG-500"]),
        ],
        variants: &["网布靠背 尼龙脚", "真皮 钢制脚 可升降", "固定扶手 弓形脚"],
        extras: &["椅子高度可调；承重 150kg", "腰托可调；五星脚", "可堆叠；会议室用"],
        price_yuan: (300, 2500),
    },
    Family {
        category: "A05010201", weight: 5, unit: "张",
        nouns: &["办公桌", "职员办公桌", "班台", "会议桌"],
        brands: &[
            ("震旦", &["ET-1400", "OD-1600"]),
            ("圣奥", &["SA-Desk 1600", "凯尚 K16"]),
            ("美时", &["MS-120"]),
        ],
        variants: &["1400×700×750mm", "1600×800×760mm", "1800×900×760mm"],
        extras: &["钢木结构；E1级板材", "含活动柜；走线槽", "实木贴皮；含安装"],
        price_yuan: (800, 6000),
    },
    Family {
        category: "A05010502", weight: 4, unit: "组",
        nouns: &["钢制文件柜", "文件柜", "密集柜"],
        brands: &[
            ("圣奥", &["WJG-1850"]),
            ("震旦", &["AS-900"]),
            ("得力", &["DL-9301"]),
        ],
        variants: &["双开门 1850mm", "上玻下铁 1800mm", "五层 1200mm"],
        extras: &["0.8mm 冷轧钢板；静电喷涂", "带锁；含层板 4 块"],
        price_yuan: (600, 3000),
    },
    Family {
        category: "A05040101", weight: 10, unit: "箱",
        nouns: &["复印纸", "打印纸", "A4纸张"],
        brands: &[
            ("得力", &["莱茵河 A4 70g", "珊瑚海 A4 80g"]),
            ("晨光", &["蓝晨光 A4 70g"]),
            ("亚太森博", &["Double A A4 80g", "百旺 A4 70g"]),
            ("太阳纸业", &["金太阳 A4 70g"]),
        ],
        variants: &["500张/包 8包/箱", "500张/包 5包/箱", "500张/包 10包/箱"],
        extras: &["纸张白度≥104%；双面打印不卡纸", "全木浆；纸张厚度均匀", "静电少；适用激光与喷墨"],
        price_yuan: (120, 350),
    },
    Family {
        category: "A05040201", weight: 7, unit: "支",
        nouns: &["硒鼓", "粉盒", "墨粉盒"],
        brands: &[
            ("惠普", &["HP 12A Q2612A 适用 HP 1020", "HP 58A CF258A"]),
            ("格之格", &["NT-PH12A 适用 HP 1020"]),
            ("天威", &["TW-12A"]),
            ("奔图", &["PD-213"]),
        ],
        variants: &["标准容量", "大容量 2500页"],
        extras: &["原装耗材；打印清晰", "兼容耗材；易加粉", "国产品牌；适用奔图打印机"],
        price_yuan: (80, 900),
    },
    Family {
        category: "A05040401", weight: 8, unit: "盒",
        nouns: &["中性笔", "签字笔", "文件夹", "订书机", "笔记本"],
        brands: &[
            ("得力", &["S01", "A5 硬面"]),
            ("晨光", &["K35", "AGP"]),
            ("齐心", &["A4 双强力夹", "B3061"]),
        ],
        variants: &["0.5mm 黑色 12支/盒", "A4 蓝色 10个/盒", "A5 100页 10本/盒"],
        extras: &["办公文具；顺滑书写", "加厚材质；耐用", "学校机关通用"],
        price_yuan: (5, 200),
    },
];
