//! Demo data for the embedded default: catalogue categories, organizations and products.
//!
//! The data describes the online supermarket (网上超市) of the Jiangbei district
//! (重庆市江北区) government procurement mall. Category codes follow the
//! 政府采购品目分类目录; the catalogue groups `A` (货物) and `C` (服务) are the roots.
//! Products are generated deterministically from the base-item tables below
//! (base item × variant), so every start of the demo sees identical data.

/// A node of the procurement catalogue (品目).
#[derive(Debug, Clone)]
pub struct DemoCategory {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub parent: Option<&'static str>,
    /// direct-purchase limit for the mall, whole yuan
    pub direct_purchase_limit_yuan: i64,
}

/// A purchasing unit (采购人) with its budget lines.
#[derive(Debug, Clone)]
pub struct DemoPurchaser {
    pub username: &'static str,
    pub org_name: &'static str,
    pub budget_lines: &'static [DemoBudgetLine],
}

/// One budget line (预算指标) of a purchaser.
#[derive(Debug, Clone)]
pub struct DemoBudgetLine {
    pub code: &'static str,
    pub fund_source: &'static str,
    pub amount_yuan: i64,
}

/// Enterprise size class (大型/中型/小型/微型企业).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSize {
    Large,
    Medium,
    Small,
    Micro,
}

/// A supplier (供应商) registered in the mall.
#[derive(Debug, Clone)]
pub struct DemoSupplier {
    pub username: &'static str,
    pub name: &'static str,
    /// 18-character unified social credit code (统一社会信用代码, GB 32100-2015)
    pub credit_code: &'static str,
    pub size: DemoSize,
    pub region: &'static str,
}

/// A product listed in the online supermarket.
#[derive(Debug, Clone)]
pub struct DemoProduct {
    /// index into [`suppliers()`]
    pub supplier: usize,
    /// leaf category code
    pub category: &'static str,
    pub name: String,
    pub brand: &'static str,
    pub model: String,
    pub specification: String,
    pub unit: &'static str,
    pub price_fen: i64,
    pub reference_price_fen: i64,
    pub stock: i64,
    pub lead_days: i32,
    pub delivery_regions: &'static str,
}

/// Default direct-purchase limit: catalogue purchases of ¥500,000 or more go to
/// the central purchasing agency (集中采购机构).
const DEFAULT_LIMIT: i64 = 500_000;
/// Lower limit for furniture.
const FURNITURE_LIMIT: i64 = 200_000;
/// Lower limit for services.
const SERVICE_LIMIT: i64 = 100_000;

/// (code, name, English name, parent code, direct-purchase limit in yuan)
type CategoryRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
);

#[rustfmt::skip]
const CATEGORIES: &[CategoryRow] = &[
    ("A", "货物", "Goods", None, DEFAULT_LIMIT),
    ("A02", "设备", "Equipment", Some("A"), DEFAULT_LIMIT),
    ("A0201", "信息化设备", "Information technology equipment", Some("A02"), DEFAULT_LIMIT),
    ("A020101", "计算机", "Computers", Some("A0201"), DEFAULT_LIMIT),
    ("A02010105", "台式计算机", "Desktop computers", Some("A020101"), DEFAULT_LIMIT),
    ("A02010108", "便携式计算机", "Laptop computers", Some("A020101"), DEFAULT_LIMIT),
    ("A02010109", "平板式微型计算机", "Tablet computers", Some("A020101"), DEFAULT_LIMIT),
    ("A0202", "办公设备", "Office equipment", Some("A02"), DEFAULT_LIMIT),
    ("A020201", "复印机", "Copiers", Some("A0202"), DEFAULT_LIMIT),
    ("A020202", "投影仪", "Projectors", Some("A0202"), DEFAULT_LIMIT),
    ("A020204", "多功能一体机", "Multifunction printers", Some("A0202"), DEFAULT_LIMIT),
    ("A020210", "打印机", "Printers", Some("A0202"), DEFAULT_LIMIT),
    ("A02021003", "A4黑白打印机", "A4 monochrome printers", Some("A020210"), DEFAULT_LIMIT),
    ("A02021004", "A4彩色打印机", "A4 colour printers", Some("A020210"), DEFAULT_LIMIT),
    ("A0206", "电气设备", "Electrical equipment", Some("A02"), DEFAULT_LIMIT),
    ("A020618", "生活用电器", "Household electrical appliances", Some("A0206"), DEFAULT_LIMIT),
    ("A02061804", "空调机", "Air conditioners", Some("A020618"), DEFAULT_LIMIT),
    ("A05", "家具和用具", "Furniture and fixtures", Some("A"), DEFAULT_LIMIT),
    ("A0501", "家具", "Furniture", Some("A05"), FURNITURE_LIMIT),
    ("A05010201", "办公桌", "Office desks", Some("A0501"), FURNITURE_LIMIT),
    ("A05010202", "会议桌", "Conference tables", Some("A0501"), FURNITURE_LIMIT),
    ("A05010301", "办公椅", "Office chairs", Some("A0501"), FURNITURE_LIMIT),
    ("A05010502", "文件柜", "Filing cabinets", Some("A0501"), FURNITURE_LIMIT),
    ("A0504", "办公用品", "Office supplies", Some("A05"), DEFAULT_LIMIT),
    ("A05040101", "复印纸", "Copy paper", Some("A0504"), DEFAULT_LIMIT),
    ("A05040201", "鼓粉盒", "Toner and drum cartridges", Some("A0504"), DEFAULT_LIMIT),
    ("A05040401", "文具", "Stationery", Some("A0504"), DEFAULT_LIMIT),
    ("C", "服务", "Services", None, DEFAULT_LIMIT),
    ("C21", "物业管理服务", "Property management services", Some("C"), SERVICE_LIMIT),
    ("C21040000", "保洁服务", "Cleaning services", Some("C21"), SERVICE_LIMIT),
    ("C23", "商务服务", "Business services", Some("C"), SERVICE_LIMIT),
    ("C23090000", "印刷服务", "Printing services", Some("C23"), SERVICE_LIMIT),
    ("C23120300", "车辆维修和保养服务", "Vehicle repair and maintenance services", Some("C23"), SERVICE_LIMIT),
];

/// The demo catalogue: two roots (`A` goods, `C` services), group nodes and leaves.
pub fn categories() -> Vec<DemoCategory> {
    CATEGORIES
        .iter()
        .map(|&(code, name, name_en, parent, limit)| DemoCategory {
            code,
            name,
            name_en,
            parent,
            direct_purchase_limit_yuan: limit,
        })
        .collect()
}

/// Three purchasing units of Jiangbei district, `buyer1` to `buyer3`.
pub fn purchasers() -> Vec<DemoPurchaser> {
    vec![
        DemoPurchaser {
            username: "buyer1",
            org_name: "重庆市江北区第一实验小学",
            budget_lines: &[
                DemoBudgetLine {
                    code: "2026-JB-EDU-001",
                    fund_source: "一般公共预算",
                    amount_yuan: 1_200_000,
                },
                DemoBudgetLine {
                    code: "2026-JB-EDU-002",
                    fund_source: "政府性基金",
                    amount_yuan: 300_000,
                },
                DemoBudgetLine {
                    code: "2026-JB-EDU-003",
                    fund_source: "单位自有资金",
                    amount_yuan: 200_000,
                },
            ],
        },
        DemoPurchaser {
            username: "buyer2",
            org_name: "重庆市江北区人民医院",
            budget_lines: &[
                DemoBudgetLine {
                    code: "2026-JB-HLT-001",
                    fund_source: "一般公共预算",
                    amount_yuan: 2_000_000,
                },
                DemoBudgetLine {
                    code: "2026-JB-HLT-002",
                    fund_source: "单位自有资金",
                    amount_yuan: 1_500_000,
                },
            ],
        },
        DemoPurchaser {
            username: "buyer3",
            org_name: "重庆市江北区财政局机关服务中心",
            budget_lines: &[
                DemoBudgetLine {
                    code: "2026-JB-FIN-001",
                    fund_source: "一般公共预算",
                    amount_yuan: 800_000,
                },
                DemoBudgetLine {
                    code: "2026-JB-FIN-002",
                    fund_source: "一般公共预算",
                    amount_yuan: 350_000,
                },
                DemoBudgetLine {
                    code: "2026-JB-FIN-003",
                    fund_source: "单位自有资金",
                    amount_yuan: 200_000,
                },
            ],
        },
    ]
}

/// (name, credit code, size, region); the username is `supplier{index + 1}`.
type SupplierRow = (&'static str, &'static str, DemoSize, &'static str);

/// Credit codes were computed (and re-verified) with the GB 32100-2015 check
/// algorithm; the organization-code body (positions 9–17) also carries a valid
/// GB 11714 check character.
#[rustfmt::skip]
const SUPPLIERS: [SupplierRow; 10] = [
    ("重庆渝江数码科技有限公司", "91500105202821739P", DemoSize::Large, "重庆市江北区"),
    ("重庆两江信息技术有限公司", "91500112756224581Y", DemoSize::Large, "重庆市渝北区"),
    ("重庆嘉陵办公设备有限公司", "91500103202905617W", DemoSize::Medium, "重庆市渝中区"),
    ("重庆山城办公用品有限公司", "91500105MA5U4KX774", DemoSize::Medium, "重庆市江北区"),
    ("重庆北滨家具制造有限公司", "91500107MA5UB3QP15", DemoSize::Small, "重庆市九龙坡区"),
    ("重庆鸿运制冷设备有限公司", "91500108795872645X", DemoSize::Small, "重庆市南岸区"),
    ("重庆洁雅物业管理有限公司", "91500105MA5YR2L620", DemoSize::Medium, "重庆市江北区"),
    ("重庆鸿图印务有限公司", "91500106203158764P", DemoSize::Small, "重庆市沙坪坝区"),
    ("重庆顺达汽车维修服务有限公司", "91500105MA60J8E453", DemoSize::Micro, "重庆市江北区"),
    ("重庆观音桥文化用品有限公司", "91500105MA61D5N0XW", DemoSize::Micro, "重庆市江北区"),
];

/// Delivery (or service) area of each supplier, indexed like [`SUPPLIERS`].
const DELIVERY: [&str; 10] = [
    "重庆市全域",
    "重庆市全域",
    "重庆市江北区,渝中区,渝北区,南岸区,沙坪坝区,九龙坡区,大渡口区,巴南区,北碚区",
    "重庆市江北区,渝中区,渝北区,南岸区,沙坪坝区,九龙坡区",
    "重庆市全域",
    "重庆市江北区,渝中区,渝北区,南岸区",
    "重庆市江北区,渝北区",
    "重庆市江北区,渝中区,沙坪坝区",
    "重庆市江北区",
    "重庆市江北区,渝中区,渝北区",
];

/// Ten suppliers, `supplier1` to `supplier10`, of mixed enterprise sizes.
pub fn suppliers() -> Vec<DemoSupplier> {
    const USERNAMES: [&str; 10] = [
        "supplier1",
        "supplier2",
        "supplier3",
        "supplier4",
        "supplier5",
        "supplier6",
        "supplier7",
        "supplier8",
        "supplier9",
        "supplier10",
    ];
    SUPPLIERS
        .iter()
        .zip(USERNAMES)
        .map(
            |(&(name, credit_code, size, region), username)| DemoSupplier {
                username,
                name,
                credit_code,
                size,
                region,
            },
        )
        .collect()
}

/// (supplier index, brand, model, product noun, base specification, unit,
/// price of the base variant in fen, lead days)
type Base = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i32,
);

/// (name label, model suffix, specification addition, price percent of the
/// base, price surcharge in yuan)
type Variant = (&'static str, &'static str, &'static str, i64, i64);

/// A product family: every base item is offered in every variant.
struct Family {
    category: &'static str,
    /// inclusive stock range
    stock: (i64, i64),
    bases: &'static [Base],
    variants: &'static [Variant],
}

#[rustfmt::skip]
const DESKTOPS: &[Base] = &[
    (0, "联想", "启天 M437", "台式电脑", "商用台式机；Windows 11 专业版；三年有限上门保修", "台", 489_900, 3),
    (0, "联想", "ThinkCentre M90t", "台式电脑", "商用塔式主机；vPro 远程管理；三年上门保修", "台", 619_900, 3),
    (0, "华为", "擎云 B730E", "台式计算机", "商用台式机；Windows 11 专业版；三年上门保修", "台", 559_900, 5),
    (1, "惠普", "战99", "台式电脑", "商用台式机；Windows 11 专业版；三年上门保修", "台", 479_900, 3),
    (1, "戴尔", "OptiPlex 7010", "台式电脑", "商用塔式主机；Windows 11 专业版；三年上门保修", "台", 529_900, 4),
    (1, "惠普", "ProDesk 400 G9", "台式电脑", "商用小机箱；Windows 11 专业版；三年上门保修", "台", 459_900, 4),
];

#[rustfmt::skip]
const DESKTOP_CONFIGS: &[Variant] = &[
    ("i5/16G/512G 23.8英寸", " i5/16G/512G/23.8", "英特尔酷睿 i5 处理器/16GB 内存/512GB 固态硬盘/23.8英寸显示器", 100, 0),
    ("i5/16G/512G 27英寸", " i5/16G/512G/27", "英特尔酷睿 i5 处理器/16GB 内存/512GB 固态硬盘/27英寸显示器", 100, 500),
    ("i5/16G/1T 23.8英寸", " i5/16G/1T/23.8", "英特尔酷睿 i5 处理器/16GB 内存/1TB 固态硬盘/23.8英寸显示器", 100, 500),
    ("i5/16G/1T 27英寸", " i5/16G/1T/27", "英特尔酷睿 i5 处理器/16GB 内存/1TB 固态硬盘/27英寸显示器", 100, 1000),
    ("i7/32G/1T 23.8英寸", " i7/32G/1T/23.8", "英特尔酷睿 i7 处理器/32GB 内存/1TB 固态硬盘/23.8英寸显示器", 100, 1900),
    ("i7/32G/1T 27英寸", " i7/32G/1T/27", "英特尔酷睿 i7 处理器/32GB 内存/1TB 固态硬盘/27英寸显示器", 100, 2400),
];

#[rustfmt::skip]
const XINCHUANG_DESKTOPS: &[Base] = &[
    (0, "联想", "开天 M740Z", "台式计算机", "信创整机；兆芯 KX-U6780A 处理器；统信 UOS 操作系统", "台", 599_900, 7),
    (0, "华为", "擎云 W515x", "台式计算机", "信创整机；麒麟 9006C 处理器；统信 UOS 操作系统", "台", 679_900, 7),
    (1, "清华同方", "超翔 TL630-V3", "台式计算机", "信创整机；飞腾 D2000 处理器；银河麒麟操作系统", "台", 639_900, 7),
];

#[rustfmt::skip]
const XINCHUANG_CONFIGS: &[Variant] = &[
    ("8G/256G 23.8英寸", " 8G/256G/23.8", "8GB 内存/256GB 固态硬盘/23.8英寸显示器", 100, 0),
    ("16G/512G 23.8英寸", " 16G/512G/23.8", "16GB 内存/512GB 固态硬盘/23.8英寸显示器", 100, 700),
    ("16G/512G 27英寸", " 16G/512G/27", "16GB 内存/512GB 固态硬盘/27英寸显示器", 100, 1100),
    ("32G/1T 27英寸", " 32G/1T/27", "32GB 内存/1TB 固态硬盘/27英寸显示器", 100, 2000),
];

#[rustfmt::skip]
const LAPTOPS: &[Base] = &[
    (0, "ThinkPad", "X1 Carbon 2024", "笔记本电脑", "14英寸 2.8K OLED 屏；碳纤维机身约 1.09kg；Windows 11 专业版", "台", 1_099_900, 3),
    (0, "ThinkPad", "T14 Gen 5", "笔记本电脑", "14英寸 WUXGA 屏；指纹识别；三年上门保修", "台", 749_900, 3),
    (0, "ThinkPad", "E14 Gen 6", "笔记本电脑", "14英寸 2.2K 屏；铝合金 A 面；一年上门保修", "台", 519_900, 3),
    (0, "华为", "MateBook D 16 2024", "笔记本电脑", "16英寸 1920×1200 护眼屏；指纹电源键", "台", 519_900, 3),
    (0, "华为", "MateBook 14 2024", "笔记本电脑", "14.2英寸 2.8K 触控屏；多屏协同", "台", 649_900, 3),
    (1, "小米", "RedmiBook 16 2024", "笔记本电脑", "16英寸 1920×1200 屏；Windows 11", "台", 509_900, 3),
    (1, "惠普", "战66 六代", "笔记本电脑", "14英寸 2.2K 屏；商务轻薄本", "台", 529_900, 3),
    (1, "戴尔", "Latitude 5450", "笔记本电脑", "14英寸 FHD 屏；三年上门保修", "台", 759_900, 4),
];

#[rustfmt::skip]
const LAPTOP_CONFIGS: &[Variant] = &[
    ("i5/16G/512G", " i5/16G/512G", "英特尔酷睿 i5 处理器/16GB 内存/512GB 固态硬盘", 100, 0),
    ("i5/16G/1T", " i5/16G/1T", "英特尔酷睿 i5 处理器/16GB 内存/1TB 固态硬盘", 100, 500),
    ("i7/32G/1T", " i7/32G/1T", "英特尔酷睿 i7 处理器/32GB 内存/1TB 固态硬盘", 100, 1800),
    ("i7/32G/2T", " i7/32G/2T", "英特尔酷睿 i7 处理器/32GB 内存/2TB 固态硬盘", 100, 2800),
];

#[rustfmt::skip]
const TABLETS: &[Base] = &[
    (0, "华为", "MatePad 11.5S", "平板电脑", "11.5英寸 2.8K 144Hz 柔光屏；HarmonyOS", "台", 239_900, 2),
    (0, "华为", "MatePad Pro 13.2", "平板电脑", "13.2英寸 OLED 柔性屏；支持手写笔", "台", 519_900, 2),
    (0, "联想", "小新 Pad Pro 12.7", "平板电脑", "12.7英寸 2.9K 144Hz 屏", "台", 219_900, 2),
    (1, "小米", "Xiaomi Pad 6S Pro 12.4", "平板电脑", "12.4英寸 3K 144Hz 屏；澎湃 OS", "台", 329_900, 2),
    (1, "荣耀", "MagicPad 2 12.3", "平板电脑", "12.3英寸 OLED 屏", "台", 299_900, 2),
];

#[rustfmt::skip]
const TABLET_CONFIGS: &[Variant] = &[
    ("8G+128G WLAN", " 8+128 WLAN", "8GB+128GB；WLAN 版", 100, 0),
    ("8G+256G WLAN", " 8+256 WLAN", "8GB+256GB；WLAN 版", 100, 300),
    ("12G+256G 全网通", " 12+256 5G", "12GB+256GB；全网通版", 100, 900),
];

#[rustfmt::skip]
const MONO_PRINTERS: &[Base] = &[
    (2, "惠普", "LaserJet Pro M405d", "黑白激光打印机", "A4 幅面；38 页/分钟；自动双面打印；USB 连接", "台", 229_900, 2),
    (2, "兄弟", "HL-L2260D", "黑白激光打印机", "A4 幅面；30 页/分钟；自动双面打印", "台", 119_900, 2),
    (2, "奔图", "P3305DN", "黑白激光打印机", "国产品牌；A4 幅面；33 页/分钟；自动双面；有线网络", "台", 159_900, 2),
    (1, "惠普", "LaserJet Pro 4004dn", "黑白激光打印机", "A4 幅面；40 页/分钟；自动双面；有线网络", "台", 259_900, 3),
    (1, "联想", "LJ2405D", "黑白激光打印机", "A4 幅面；26 页/分钟；自动双面打印", "台", 109_900, 3),
    (2, "佳能", "LBP6230dn", "黑白激光打印机", "A4 幅面；25 页/分钟；自动双面；有线网络", "台", 149_900, 2),
];

#[rustfmt::skip]
const COLOUR_PRINTERS: &[Base] = &[
    (2, "惠普", "Color LaserJet Pro 4203dn", "彩色激光打印机", "A4 幅面；33 页/分钟；自动双面；有线网络", "台", 399_900, 3),
    (2, "兄弟", "HL-L3228CDW", "彩色激光打印机", "A4 幅面；18 页/分钟；自动双面；无线网络", "台", 269_900, 3),
    (1, "奔图", "CP2510DN", "彩色激光打印机", "国产品牌；A4 幅面；24 页/分钟；自动双面", "台", 289_900, 3),
    (2, "佳能", "LBP664Cx", "彩色激光打印机", "A4 幅面；27 页/分钟；自动双面；无线网络", "台", 379_900, 3),
    (2, "爱普生", "WF-C5290a", "彩色喷墨打印机", "A4 幅面；24 页/分钟；自动双面；大容量墨袋", "台", 359_900, 3),
];

#[rustfmt::skip]
const MULTIFUNCTION: &[Base] = &[
    (2, "惠普", "LaserJet Pro MFP 4104dw", "黑白激光多功能一体机", "A4 打印/复印/扫描；40 页/分钟；自动双面；无线网络", "台", 329_900, 3),
    (2, "理光", "M 320F", "黑白激光多功能一体机", "A4 打印/复印/扫描/传真；32 页/分钟", "台", 299_900, 3),
    (1, "兄弟", "MFC-L2750DW", "黑白激光多功能一体机", "A4 打印/复印/扫描/传真；34 页/分钟；自动双面", "台", 239_900, 3),
    (1, "奔图", "M7160DW", "黑白激光多功能一体机", "国产品牌；A4 打印/复印/扫描；33 页/分钟；无线网络", "台", 189_900, 3),
    (2, "佳能", "MF449dw", "黑白激光多功能一体机", "A4 打印/复印/扫描/传真；38 页/分钟；自动双面", "台", 319_900, 3),
];

#[rustfmt::skip]
const PRINTER_OPTIONS: &[Variant] = &[
    ("标配", "", "整机保修 1 年", 100, 0),
    ("三年保修", "-3Y", "原厂整机保修 3 年，上门服务", 100, 350),
    ("加配原装耗材", "-TN", "标配另加原装硒鼓/粉盒 1 支", 100, 450),
];

#[rustfmt::skip]
const COPIERS: &[Base] = &[
    (2, "佳能", "iR 2425", "黑白数码复印机", "A3 幅面；25 页/分钟；复印/打印/彩色扫描", "台", 989_900, 5),
    (2, "理光", "IM 2702", "黑白数码复印机", "A3 幅面；27 页/分钟；复印/打印/扫描", "台", 1_059_900, 5),
    (2, "京瓷", "TASKalfa 2020", "黑白数码复印机", "A3 幅面；20 页/分钟；复印/打印/扫描", "台", 829_900, 5),
    (2, "夏普", "BP-M2322R", "黑白数码复印机", "A3 幅面；23 页/分钟；复印/打印/扫描", "台", 899_900, 5),
    (2, "佳能", "iR-ADV DX C3926", "彩色数码复印机", "A3 幅面；26 页/分钟；彩色复印/打印/扫描", "台", 2_399_900, 7),
];

#[rustfmt::skip]
const COPIER_OPTIONS: &[Variant] = &[
    ("标配含输稿器", "", "标配双面自动输稿器", 100, 0),
    ("含工作台+双纸盒", "-T2", "加配原厂工作台及第二纸盒", 100, 1600),
    ("含工作台+双纸盒+三年保", "-T2-3Y", "加配原厂工作台及第二纸盒；原厂保修 3 年", 100, 2600),
];

#[rustfmt::skip]
const PROJECTORS: &[Base] = &[
    (2, "爱普生", "CB-X06", "商务投影仪", "3LCD；3600 流明；XGA 1024×768", "台", 329_900, 3),
    (2, "爱普生", "CB-FH52", "高清投影仪", "3LCD；4000 流明；1080P；无线投屏", "台", 599_900, 3),
    (2, "明基", "E580", "智能商务投影仪", "DLP；3600 流明；1080P；无线投屏", "台", 429_900, 3),
    (2, "明基", "MX560", "商务投影仪", "DLP；4000 流明；XGA 1024×768", "台", 299_900, 3),
    (2, "索尼", "VPL-EX435", "商务投影仪", "3LCD；3200 流明；XGA 1024×768", "台", 549_900, 4),
];

#[rustfmt::skip]
const PROJECTOR_OPTIONS: &[Variant] = &[
    ("单机", "", "标准配置", 100, 0),
    ("含100英寸电动幕布", "+S100", "含 100 英寸 16:9 电动幕布及安装", 100, 900),
    ("含120英寸电动幕布+吊架", "+S120H", "含 120 英寸电动幕布、吊架及安装布线", 100, 1600),
];

#[rustfmt::skip]
const AIR_CONDITIONERS: &[Base] = &[
    (5, "格力", "KFR-35GW/NhGd1B 云佳", "壁挂式空调", "1.5匹；新一级能效；变频冷暖", "台", 309_900, 5),
    (5, "格力", "KFR-72LW/NhAa1BAj", "立柜式空调", "3匹；新一级能效；变频冷暖", "台", 799_900, 7),
    (5, "格力", "KFR-120LW/NhBa1BAj", "立柜式空调", "5匹；新一级能效；380V 变频冷暖", "台", 1_399_900, 10),
    (5, "美的", "KFR-35GW/N8KS1-1 酷省电", "壁挂式空调", "1.5匹；新一级能效；变频冷暖", "台", 279_900, 5),
    (5, "美的", "KFR-72LW/N8MJC3 锐云", "立柜式空调", "3匹；新一级能效；变频冷暖", "台", 699_900, 7),
    (5, "海尔", "KFR-26GW/B5LAA81U1", "壁挂式空调", "大1匹；新一级能效；变频冷暖", "台", 239_900, 5),
    (5, "海尔", "KFR-72LW/28LBA81U1", "立柜式空调", "3匹；新一级能效；变频冷暖", "台", 689_900, 7),
];

#[rustfmt::skip]
const AIR_CONDITIONER_OPTIONS: &[Variant] = &[
    ("含标准安装", "", "含标准安装及 3 米铜管", 100, 0),
    ("含安装及旧机拆除", "-R", "含标准安装；旧机拆除回收", 100, 200),
    ("含加长铜管安装", "-L5", "含安装及加长至 5 米铜管、支架", 100, 350),
];

#[rustfmt::skip]
const DESKS: &[Base] = &[
    (4, "北滨", "BB-ZB01", "钢木办公桌", "E1 级三聚氰胺板台面；钢制桌架；含三抽活动柜", "张", 89_900, 7),
    (4, "圣奥", "LS-1407", "板式办公桌", "E0 级环保板材；含副台及活动柜", "张", 129_900, 10),
    (4, "震旦", "ADT-2018", "实木贴皮主管办公桌", "实木贴皮台面；含侧柜及三抽活动柜", "张", 259_900, 15),
];

#[rustfmt::skip]
const DESK_SIZES: &[Variant] = &[
    ("1.2m 胡桃木色", "-1260-HT", "1200×600×750mm；胡桃木色", 100, 0),
    ("1.2m 白橡木色", "-1260-BX", "1200×600×750mm；白橡木色", 100, 0),
    ("1.4m 胡桃木色", "-1470-HT", "1400×700×750mm；胡桃木色", 100, 200),
    ("1.4m 白橡木色", "-1470-BX", "1400×700×750mm；白橡木色", 100, 200),
    ("1.6m 胡桃木色", "-1680-HT", "1600×800×750mm；胡桃木色", 100, 450),
    ("1.6m 白橡木色", "-1680-BX", "1600×800×750mm；白橡木色", 100, 450),
];

#[rustfmt::skip]
const CONFERENCE_TABLES: &[Base] = &[
    (4, "北滨", "BB-HY02", "板式会议桌", "E1 级环保板材；含走线盒", "张", 239_900, 10),
    (4, "圣奥", "LS-HY30", "钢木会议桌", "实木贴皮台面；钢制桌架；含电源插座盒", "张", 389_900, 15),
    (4, "震旦", "ACT-1800", "实木贴皮会议桌", "胡桃木实木贴皮；含多媒体线盒", "张", 529_900, 15),
];

#[rustfmt::skip]
const CONFERENCE_SIZES: &[Variant] = &[
    ("2.4m（6-8人）", "-24", "2400×1200×750mm", 100, 0),
    ("3.0m（8-10人）", "-30", "3000×1400×750mm", 125, 0),
    ("3.6m（10-12人）", "-36", "3600×1500×750mm", 150, 0),
    ("4.2m（12-14人）", "-42", "4200×1600×750mm", 180, 0),
];

#[rustfmt::skip]
const CHAIRS: &[Base] = &[
    (4, "北滨", "BB-Y301", "网布办公椅", "网布靠背；PP 扶手；尼龙五星脚", "把", 59_900, 5),
    (4, "圣奥", "WONDER", "人体工学办公椅", "腰靠可调；头枕；铝合金五星脚", "把", 129_900, 7),
    (4, "西昊", "M57", "人体工学办公椅", "网布；自适应腰托；头枕", "把", 79_900, 5),
    (4, "永艺", "沃克 PRO", "人体工学办公椅", "网布；动态腰托；头枕", "把", 149_900, 7),
    (4, "震旦", "ACH-2200", "皮质班椅", "头层牛皮；钢制五星脚", "把", 179_900, 10),
];

#[rustfmt::skip]
const CHAIR_OPTIONS: &[Variant] = &[
    ("黑色 固定扶手", "-BK", "黑色；固定扶手", 100, 0),
    ("灰色 固定扶手", "-GY", "灰色；固定扶手", 100, 0),
    ("黑色 升降扶手", "-BK-3D", "黑色；3D 升降扶手", 100, 120),
    ("灰色 升降扶手", "-GY-3D", "灰色；3D 升降扶手", 100, 120),
];

#[rustfmt::skip]
const CABINETS: &[Base] = &[
    (4, "北滨", "BB-WJ04", "四门铁皮文件柜", "冷轧钢板；静电喷涂；内置活动隔板；1850×900×390mm", "组", 79_900, 7),
    (4, "北滨", "BB-WJ02", "对开门铁皮文件柜", "冷轧钢板；密码锁；1850×900×390mm", "组", 65_900, 7),
    (4, "圣奥", "GS-0918", "上玻下铁文件柜", "钢化玻璃门；冷轧钢板；1850×900×400mm", "组", 89_900, 10),
    (4, "震旦", "SF-5", "钢制五节文件柜", "冷轧钢板；五节拼装；2000×900×400mm", "组", 129_900, 10),
];

#[rustfmt::skip]
const CABINET_OPTIONS: &[Variant] = &[
    ("0.6mm 灰白色", "-06-GW", "板厚 0.6mm；灰白色", 100, 0),
    ("0.6mm 深灰色", "-06-DG", "板厚 0.6mm；深灰色", 100, 0),
    ("0.8mm 灰白色", "-08-GW", "板厚 0.8mm；灰白色", 100, 150),
    ("0.8mm 深灰色", "-08-DG", "板厚 0.8mm；深灰色", 100, 150),
];

#[rustfmt::skip]
const PAPER: &[Base] = &[
    (3, "得力", "莱茵河", "复印纸", "木浆；白度 ≥96%；双面打印不卡纸", "箱", 17_900, 1),
    (3, "晨光", "金晨光", "复印纸", "木浆；白度 ≥98%", "箱", 18_900, 1),
    (9, "得力", "佳宣", "复印纸", "木浆；白度 ≥92%", "箱", 15_900, 1),
    (9, "天章", "新绿天章", "复印纸", "木浆；白度 ≥95%", "箱", 16_900, 1),
    (7, "金光", "金旗舰", "复印纸", "木浆；白度 ≥100%；高挺度", "箱", 21_900, 2),
    (7, "晨光", "绿晨光", "复印纸", "木浆；白度 ≥94%", "箱", 16_500, 2),
];

#[rustfmt::skip]
const PAPER_SIZES: &[Variant] = &[
    ("A4 70g 500张/包 8包/箱", " A4-70g", "A4 70g/㎡；500张/包，8包/箱", 100, 0),
    ("A4 80g 500张/包 8包/箱", " A4-80g", "A4 80g/㎡；500张/包，8包/箱", 115, 0),
    ("A3 70g 500张/包 4包/箱", " A3-70g", "A3 70g/㎡；500张/包，4包/箱", 102, 0),
    ("A3 80g 500张/包 4包/箱", " A3-80g", "A3 80g/㎡；500张/包，4包/箱", 118, 0),
];

#[rustfmt::skip]
const TONER: &[Base] = &[
    (2, "惠普", "26A CF226A", "原装黑色硒鼓", "适用 LaserJet Pro M402/M426 系列；约 3100 页", "盒", 68_900, 2),
    (2, "惠普", "89A CF289A", "原装黑色硒鼓", "适用 LaserJet Enterprise M507/M528 系列；约 5000 页", "盒", 129_900, 2),
    (2, "兄弟", "TN-2425", "原装黑色粉盒", "适用 HL-L2375DW/MFC-L2750DW；约 3000 页", "盒", 44_900, 2),
    (3, "奔图", "TO-400", "原装黑色粉盒", "适用 P3305DN 等；约 1500 页", "盒", 25_900, 2),
    (3, "天威", "CF226A", "黑色硒鼓", "兼容 HP 26A；适用 M402/M426 系列；约 3100 页", "盒", 18_900, 1),
    (3, "得力", "DBH-226A", "黑色硒鼓", "兼容 HP 26A CF226A；约 3100 页", "盒", 15_900, 1),
    (9, "格之格", "CF226A", "黑色硒鼓", "兼容 HP 26A；约 3100 页", "盒", 16_900, 1),
    (9, "格之格", "TN-2425", "黑色粉盒", "兼容兄弟 TN-2425；约 3000 页", "盒", 12_900, 1),
];

#[rustfmt::skip]
const TONER_PACKS: &[Variant] = &[
    ("单支装", "", "单支装", 100, 0),
    ("双支装", "-2P", "两支装", 196, 0),
    ("四支装", "-4P", "四支装", 385, 0),
];

#[rustfmt::skip]
const PENS: &[Base] = &[
    (3, "晨光", "K35", "按动中性笔", "0.5mm 子弹头；签字笔", "支", 200, 1),
    (9, "得力", "S30", "签字笔", "0.5mm 速干中性笔", "支", 250, 1),
    (3, "晨光", "AGP13604 优品", "中性笔", "0.5mm 全针管", "支", 350, 1),
];

#[rustfmt::skip]
const PEN_COLOURS: &[Variant] = &[
    ("黑色", "-BK", "黑色", 100, 0),
    ("蓝色", "-BL", "蓝色", 100, 0),
    ("红色", "-RD", "红色", 100, 0),
];

#[rustfmt::skip]
const FILING: &[Base] = &[
    (3, "齐心", "AB151A", "A4 双强力夹文件夹", "PP 材质；容量约 150 页", "个", 800, 1),
    (9, "得力", "5622", "A4 塑料档案盒", "PP 材质；带标签", "个", 600, 1),
    (3, "齐心", "HC-55", "牛皮纸档案盒", "A4；无酸牛皮纸", "个", 450, 1),
];

#[rustfmt::skip]
const FILING_WIDTHS: &[Variant] = &[
    ("背宽 35mm", "-35", "背宽 35mm", 100, 0),
    ("背宽 55mm", "-55", "背宽 55mm", 115, 0),
    ("背宽 75mm", "-75", "背宽 75mm", 130, 0),
];

#[rustfmt::skip]
const DESK_SUPPLIES: &[Base] = &[
    (9, "得力", "0414", "订书机", "12号订书针；可订 20 页", "个", 1_800, 1),
    (3, "得力", "1548A", "计算器", "12 位大屏；语音播报", "个", 3_500, 1),
    (9, "晨光", "APYE7G31", "A5 皮面笔记本", "100 页；80g 道林纸", "本", 1_500, 1),
];

#[rustfmt::skip]
const BODY_COLOURS: &[Variant] = &[
    ("黑色", "-BK", "黑色", 100, 0),
    ("蓝色", "-BL", "蓝色", 100, 0),
    ("白色", "-WH", "白色", 100, 0),
];

#[rustfmt::skip]
const DAILY_CLEANING: &[Base] = &[
    (6, "洁雅物业", "JY-BJ-M", "日常保洁服务（月）", "办公区域日常保洁；工作日驻场 8 小时；含清洁耗材", "月", 800_000, 3),
];

#[rustfmt::skip]
const DAILY_CLEANING_SCALES: &[Variant] = &[
    ("3000㎡以内（2人驻场）", "-A", "服务面积 3000㎡以内；2 名保洁员", 100, 0),
    ("3000-6000㎡（4人驻场）", "-B", "服务面积 3000-6000㎡；4 名保洁员", 190, 0),
    ("6000-10000㎡（6人驻场）", "-C", "服务面积 6000-10000㎡；6 名保洁员", 320, 0),
];

#[rustfmt::skip]
const AREA_CLEANING: &[Base] = &[
    (6, "洁雅物业", "JY-BJ-S", "办公楼保洁服务（按平方米·月）", "含公共区域、卫生间及外围保洁", "平方米·月", 350, 3),
];

#[rustfmt::skip]
const AREA_CLEANING_LEVELS: &[Variant] = &[
    ("标准保洁", "-STD", "每日保洁 1 次；巡回保洁", 100, 0),
    ("精细保洁", "-PRO", "每日保洁 2 次；玻璃每季度清洗", 130, 0),
    ("精细保洁含外墙清洗", "-EXT", "精细保洁；外墙每半年清洗一次", 160, 0),
];

#[rustfmt::skip]
const SPECIAL_CLEANING: &[Base] = &[
    (6, "洁雅物业", "JY-KH", "开荒保洁服务", "装修后开荒保洁；含垃圾清运", "次", 280_000, 5),
    (6, "洁雅物业", "JY-DT", "地毯深度清洗服务", "地毯吸尘、高温抽洗、除螨", "次", 180_000, 5),
    (6, "洁雅物业", "JY-SC", "石材结晶养护服务", "大理石地面研磨、结晶养护", "次", 360_000, 7),
];

#[rustfmt::skip]
const SPECIAL_CLEANING_AREAS: &[Variant] = &[
    ("500㎡以内", "-500", "作业面积 500㎡以内", 100, 0),
    ("500-1000㎡", "-1000", "作业面积 500-1000㎡", 180, 0),
    ("1000-2000㎡", "-2000", "作业面积 1000-2000㎡", 330, 0),
];

#[rustfmt::skip]
const PRINTING: &[Base] = &[
    (7, "鸿图印务", "HT-WY", "会议文印服务（千页）", "A4 70g 复印纸；黑白激光输出；含装订", "千页", 15_000, 1),
    (7, "鸿图印务", "HT-HC", "宣传册印刷服务（千册）", "A4 157g 铜版纸四色印刷；16P 骑马钉装订", "千册", 480_000, 7),
    (7, "鸿图印务", "HT-XF", "公文信封印刷服务（千个）", "120g 牛皮纸；单色印刷", "千个", 38_000, 5),
    (7, "鸿图印务", "HT-MP", "名片印刷服务（盒）", "300g 铜版纸；100张/盒", "盒", 2_500, 3),
];

#[rustfmt::skip]
const PRINTING_OPTIONS: &[Variant] = &[
    ("标准交付", "", "常规交期", 100, 0),
    ("加急交付", "-EX", "24 小时内加急交付", 130, 0),
    ("含设计排版", "-DS", "含设计排版及打样确认", 100, 300),
];

#[rustfmt::skip]
const VEHICLE_SERVICES: &[Base] = &[
    (8, "顺达汽修", "SD-BY1", "公务车辆常规保养服务", "更换机油及机油滤清器；28 项安全检查", "次", 38_000, 1),
    (8, "顺达汽修", "SD-BY2", "公务车辆大保养服务", "更换机油、三滤、火花塞、刹车油；全车检测", "次", 128_000, 2),
    (8, "顺达汽修", "SD-KT", "公务车辆空调清洗保养服务", "空调管路杀菌清洗；更换空调滤芯", "次", 26_000, 1),
    (8, "顺达汽修", "SD-ZD", "公务车辆刹车系统维修服务", "更换前刹车片；制动系统检测", "次", 48_000, 1),
];

#[rustfmt::skip]
const VEHICLE_CLASSES: &[Variant] = &[
    ("1.6L及以下轿车", "-A", "排量 1.6L 及以下轿车", 100, 0),
    ("1.6-2.0L轿车", "-B", "排量 1.6-2.0L 轿车", 125, 0),
    ("SUV/越野车", "-C", "SUV 及越野车", 150, 0),
    ("商务车/中型客车", "-D", "商务车及中型客车", 175, 0),
];

/// Stock of services is a capacity figure.
const CAPACITY: (i64, i64) = (9_999, 9_999);

#[rustfmt::skip]
const FAMILIES: &[Family] = &[
    Family { category: "A02010105", stock: (20, 300), bases: DESKTOPS, variants: DESKTOP_CONFIGS },
    Family { category: "A02010105", stock: (20, 120), bases: XINCHUANG_DESKTOPS, variants: XINCHUANG_CONFIGS },
    Family { category: "A02010108", stock: (20, 300), bases: LAPTOPS, variants: LAPTOP_CONFIGS },
    Family { category: "A02010109", stock: (20, 300), bases: TABLETS, variants: TABLET_CONFIGS },
    Family { category: "A02021003", stock: (20, 300), bases: MONO_PRINTERS, variants: PRINTER_OPTIONS },
    Family { category: "A02021004", stock: (20, 200), bases: COLOUR_PRINTERS, variants: PRINTER_OPTIONS },
    Family { category: "A020204", stock: (20, 200), bases: MULTIFUNCTION, variants: PRINTER_OPTIONS },
    Family { category: "A020201", stock: (20, 80), bases: COPIERS, variants: COPIER_OPTIONS },
    Family { category: "A020202", stock: (20, 150), bases: PROJECTORS, variants: PROJECTOR_OPTIONS },
    Family { category: "A02061804", stock: (20, 200), bases: AIR_CONDITIONERS, variants: AIR_CONDITIONER_OPTIONS },
    Family { category: "A05010201", stock: (20, 200), bases: DESKS, variants: DESK_SIZES },
    Family { category: "A05010202", stock: (20, 60), bases: CONFERENCE_TABLES, variants: CONFERENCE_SIZES },
    Family { category: "A05010301", stock: (50, 500), bases: CHAIRS, variants: CHAIR_OPTIONS },
    Family { category: "A05010502", stock: (20, 300), bases: CABINETS, variants: CABINET_OPTIONS },
    Family { category: "A05040101", stock: (200, 2000), bases: PAPER, variants: PAPER_SIZES },
    Family { category: "A05040201", stock: (50, 800), bases: TONER, variants: TONER_PACKS },
    Family { category: "A05040401", stock: (500, 2000), bases: PENS, variants: PEN_COLOURS },
    Family { category: "A05040401", stock: (200, 2000), bases: FILING, variants: FILING_WIDTHS },
    Family { category: "A05040401", stock: (100, 1000), bases: DESK_SUPPLIES, variants: BODY_COLOURS },
    Family { category: "C21040000", stock: CAPACITY, bases: DAILY_CLEANING, variants: DAILY_CLEANING_SCALES },
    Family { category: "C21040000", stock: CAPACITY, bases: AREA_CLEANING, variants: AREA_CLEANING_LEVELS },
    Family { category: "C21040000", stock: CAPACITY, bases: SPECIAL_CLEANING, variants: SPECIAL_CLEANING_AREAS },
    Family { category: "C23090000", stock: CAPACITY, bases: PRINTING, variants: PRINTING_OPTIONS },
    Family { category: "C23120300", stock: CAPACITY, bases: VEHICLE_SERVICES, variants: VEHICLE_CLASSES },
];

/// Deterministic pseudo-random number for the `n`-th product (one LCG step).
fn mix(n: usize) -> i64 {
    let x = (n as u64 + 1)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    // The top 31 bits always fit an i64.
    (x >> 33) as i64
}

/// `a / b` rounded up, for non-negative `a` and positive `b`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

/// All demo products: every base item of every family in every variant.
pub fn products() -> Vec<DemoProduct> {
    let mut out = Vec::new();
    for family in FAMILIES {
        for &(supplier, brand, model, noun, spec, unit, base_fen, lead) in family.bases {
            for (j, &(label, suffix, extra, percent, surcharge)) in
                family.variants.iter().enumerate()
            {
                let n = out.len();
                let mut price_fen = base_fen * percent / 100 + surcharge * 100;
                if price_fen >= 10_000 {
                    // Whole yuan from ¥100 upwards.
                    price_fen = price_fen / 100 * 100;
                }
                // The reference (market) price is 3–15 % above the mall price.
                let mut reference_price_fen = ceil_div(price_fen * (103 + mix(n) % 13), 100);
                if reference_price_fen >= 10_000 {
                    reference_price_fen = ceil_div(reference_price_fen, 100) * 100;
                }
                let (lo, hi) = family.stock;
                let specification = if extra.is_empty() {
                    spec.to_string()
                } else {
                    format!("{spec}；{extra}")
                };
                out.push(DemoProduct {
                    supplier,
                    category: family.category,
                    name: format!("{brand} {model} {noun} {label}"),
                    brand,
                    model: format!("{model}{suffix}"),
                    specification,
                    unit,
                    price_fen,
                    reference_price_fen,
                    stock: lo + mix(n + 7_919) % (hi - lo + 1),
                    lead_days: (lead + (j % 2) as i32).min(15),
                    delivery_regions: DELIVERY[supplier],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];

    /// GB 32100-2015 check of a unified social credit code.
    fn credit_code_valid(code: &str) -> bool {
        let values: Option<Vec<usize>> = code.chars().map(|c| CHARSET.find(c)).collect();
        let Some(values) = values else {
            return false;
        };
        if values.len() != 18 {
            return false;
        }
        let sum: usize = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - sum % 31) % 31;
        values[17] == check
    }

    fn leaf_codes() -> HashSet<&'static str> {
        let cats = categories();
        let parents: HashSet<&str> = cats.iter().filter_map(|c| c.parent).collect();
        cats.iter()
            .map(|c| c.code)
            .filter(|code| !parents.contains(code))
            .collect()
    }

    #[test]
    fn categories_form_a_tree() {
        let cats = categories();
        let codes: HashSet<&str> = cats.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), cats.len(), "duplicate category code");
        for c in &cats {
            match c.parent {
                None => assert!(c.code == "A" || c.code == "C", "{} is not a root", c.code),
                Some(p) => {
                    assert!(codes.contains(p), "{}: unknown parent {p}", c.code);
                    assert!(c.code.starts_with(p), "{} is not under {p}", c.code);
                }
            }
            assert!(c.direct_purchase_limit_yuan > 0);
            assert!(c.direct_purchase_limit_yuan <= DEFAULT_LIMIT);
        }
        assert!(
            cats.iter()
                .any(|c| c.direct_purchase_limit_yuan < DEFAULT_LIMIT)
        );
    }

    #[test]
    fn purchasers_have_budget_lines() {
        let buyers = purchasers();
        assert_eq!(buyers.len(), 3);
        for (i, b) in buyers.iter().enumerate() {
            assert_eq!(b.username, format!("buyer{}", i + 1));
            assert!((2..=3).contains(&b.budget_lines.len()));
            for line in b.budget_lines {
                assert!((200_000..=2_000_000).contains(&line.amount_yuan));
            }
        }
    }

    #[test]
    fn example_credit_code_is_valid() {
        assert!(credit_code_valid("91350100M000100Y43"));
        assert!(!credit_code_valid("91350100M000100Y44"));
    }

    #[test]
    fn suppliers_are_valid() {
        let sups = suppliers();
        assert_eq!(sups.len(), 10);
        let names: HashSet<&str> = sups.iter().map(|s| s.username).collect();
        assert_eq!(names.len(), 10, "usernames must be unique");
        for (i, s) in sups.iter().enumerate() {
            assert_eq!(s.username, format!("supplier{}", i + 1));
            assert_eq!(s.credit_code.len(), 18, "{}", s.credit_code);
            assert!(
                credit_code_valid(s.credit_code),
                "bad code {}",
                s.credit_code
            );
            assert!(s.credit_code.starts_with("91500"));
        }
        let count = |size: DemoSize| sups.iter().filter(|s| s.size == size).count();
        assert!(count(DemoSize::Large) >= 2);
        assert!(count(DemoSize::Medium) >= 2);
        assert!(count(DemoSize::Small) >= 3);
        assert!(count(DemoSize::Micro) >= 2);
    }

    #[test]
    fn products_are_consistent() {
        let prods = products();
        assert!(prods.len() >= 330, "only {} products", prods.len());
        let leaves = leaf_codes();
        let mut per_leaf: HashMap<&str, usize> = HashMap::new();
        let mut per_supplier = [0usize; 10];
        let mut names = HashSet::new();
        for p in &prods {
            assert!(p.supplier < 10);
            per_supplier[p.supplier] += 1;
            assert!(leaves.contains(p.category), "{} is not a leaf", p.category);
            *per_leaf.entry(p.category).or_default() += 1;
            assert!(p.price_fen > 0);
            assert!(p.reference_price_fen >= p.price_fen, "{}", p.name);
            assert!((20..=9_999).contains(&p.stock), "{}", p.name);
            assert!((1..=15).contains(&p.lead_days), "{}", p.name);
            assert!(p.name.contains(p.brand));
            assert!(!p.delivery_regions.is_empty());
            assert!(names.insert(p.name.clone()), "duplicate name {}", p.name);
        }
        for leaf in &leaves {
            let n = per_leaf.get(leaf).copied().unwrap_or(0);
            assert!(n >= 3, "leaf {leaf} has only {n} products");
        }
        assert!(per_supplier.iter().all(|&n| n > 0));
    }

    #[test]
    fn search_terms_match() {
        let prods = products();
        assert!(prods.iter().any(|p| p.name.contains("电脑")));
        assert!(prods.iter().any(|p| p.name.contains("ThinkPad X1")));
        assert!(
            prods
                .iter()
                .any(|p| p.name.contains("ThinkPad") && p.name.contains("X1"))
        );
    }
}
