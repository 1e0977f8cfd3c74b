"""The demo report's headline names the lowest category, or says every category scored the same."""
from evaluation.reports.demo import lowest_category


def _cats(*pairs):
    return [{"category": c, "accuracy": a} for c, a in pairs]


def test_the_lowest_category_is_named():
    cats = _cats(("arithmetic", 0.98), ("mean", 1.0), ("sqrt", 0.99))
    assert lowest_category(cats) == "lowest category arithmetic 98.00%"


def test_a_tie_at_the_top_names_no_category():
    cats = _cats(("arithmetic", 1.0), ("mean", 1.0))
    assert lowest_category(cats) == "every category 100.00%"
