"""Names of laws: the short names staff use, foreign laws named by acronym, and words that end
like a Chinese law's name but are not one."""

from __future__ import annotations

# Short names staff use for the laws they ask about most, keyed by a distinctive title part.
KNOWN_SHORT_NAMES = {
    "个人信息保护法": "PIPL",
    "Personal Information Protection Law": "PIPL",
    "数据安全法": "DSL",
    "Data Security Law": "DSL",
    "网络安全法": "CSL",
    "Cybersecurity Law": "CSL",
    "反垄断法": "AML",
    "Anti-Monopoly Law": "AML",
    "电子商务法": "E-Commerce Law",
    "E-Commerce Law": "E-Commerce Law",
    "民法典": "Civil Code",
    "网络数据安全管理条例": "Network Data Regulations",
    "Network Data Security": "Network Data Regulations",
    "生成式人工智能服务管理暂行办法": "GenAI Measures",
    "Generative AI": "GenAI Measures",
    "Generative Artificial Intelligence": "GenAI Measures",
    "算法推荐管理规定": "Algorithm Provisions",
    "生成式人工智能": "GenAI Measures",
    "人脸识别": "SPC Facial Recognition Provisions",
    # Five-year plans go by their number: 十四五规划 is the 14th plan's outline. (Not "十四五"
    # alone, which the titles of the plans made under it hold: “十四五”数字经济发展规划.)
    "第十四个五年规划": "14th FYP",
    "十四五规划": "14th FYP",
    "第十五个五年规划": "15th FYP",
    "十五五": "15th FYP",
}

# Foreign laws people name by acronym: a question about one alone is not about Chinese law.
FOREIGN_LAW_ACRONYMS = (
    "GDPR",
    "CCPA",
    "CPRA",
    "HIPAA",
    "COPPA",
    "GLBA",
    "FCPA",
    "FERPA",
    "LGPD",
    "PIPEDA",
    "APPI",
    "PDPA",
    "DMA",
    "DSA",
)

# Words ending in 法 that are not law names (合法 "lawful", 算法 "algorithm", 办法 "way").
NOT_A_LAW = (
    "合法",
    "违法",
    "非法",
    "方法",
    "算法",
    "办法",
    "依法",
    "执法",
    "立法",
    "做法",
    "说法",
    "无法",
    "守法",
    "想法",
    "用法",
    "看法",
)

# Words of a law's English title that do not tell laws apart.
GENERIC_TITLE_WORDS = frozenset(
    "a an the of on and for in law laws act code regulation regulations prc china chinese people "
    "republic national state under".split()
)

# Chinese names of the bodies that issue the texts staff ask about, for answers in Chinese.
ISSUERS_ZH = {
    "National People's Congress": "全国人民代表大会",
    "Standing Committee of the National People's Congress": "全国人民代表大会常务委员会",
    "State Council": "国务院",
    "CPC Central Committee and State Council": "中共中央、国务院",
    "Central Committee of the Communist Party of China": "中国共产党中央委员会",
    "Cyberspace Administration of China": "国家互联网信息办公室",
    "Central Cyberspace Affairs Commission": "中央网络安全和信息化委员会",
    "State Administration for Market Regulation": "国家市场监督管理总局",
    "Anti-Monopoly Commission of the State Council": "国务院反垄断委员会",
    "Supreme People's Court": "最高人民法院",
    "Ministry of Industry and Information Technology": "工业和信息化部",
    "Ministry of Public Security": "公安部",
    "National Development and Reform Commission": "国家发展和改革委员会",
    "Ministry of Commerce": "商务部",
}
