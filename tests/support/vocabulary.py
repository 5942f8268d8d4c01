"""Corpus words for the term-neighbour tests: law terms and a few that are not (天气)."""

VOCABULARY = [
    "举证责任",
    "节约能源",
    "电话号码",
    "境外",
    "天气",
    "罚款",
    "删除",
    "营业执照",
    "合同",
]
