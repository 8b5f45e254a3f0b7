import pandas as pd
import pytest

from tracker.model import Claim, claim_id
from tracker.schemas import split_valid


def claim(**fields) -> dict:
    base = dict(metric="area_gained_km2", value=701.0, actor="Russia", territory="Ukraine",
                period_start="2025-11-01", period_end="2025-11-30", url="https://example.org/a")
    base.update(fields)
    record = Claim(**base).to_dict()
    record["claim_id"] = claim_id(record)
    return record


def reasons(*records: dict) -> list[str]:
    good, bad = split_valid(pd.DataFrame(list(records)))
    assert len(good) + len(bad) == len(records)
    return list(bad["reason"])


def test_valid_flow_and_stock_pass():
    good, bad = split_valid(pd.DataFrame([
        claim(),
        claim(metric="share_controlled_pct", value=19.3, period_start=None, period_end=None,
              as_of="2025-11-30"),
        claim(metric="net_area_gained_km2", value=-37.0),  # a net figure may be negative
    ]))
    assert len(good) == 3 and bad.empty


@pytest.mark.parametrize("fields, expected", [
    (dict(value=-5.0), "cannot be negative"),
    (dict(metric="share_controlled_pct", value=140.0, period_start=None, period_end=None,
          as_of="2025-11-30"), "between 0 and 100"),
    (dict(metric="area_seized"), "unknown metric"),
    (dict(qualifier="roughly"), "unknown qualifier"),
    (dict(period_start="2025-12-01"), "period_start is after period_end"),
    (dict(url="", source_id=""), "needs a url or a source_id"),
    (dict(as_of="2025-11-30"), "a flow"),
    (dict(metric="area_controlled_km2", value=5.0), "a stock"),
    (dict(period_end="2025-02-30"), "not a real date"),
    (dict(qualifier="range", value=None, value_min=60.0, value_max=50.0), "value_min <= value_max"),
    (dict(value=None), "a value is required"),
    (dict(metric="settlements_captured", value=2.5), "whole number"),
])
def test_each_bad_row_is_rejected_with_its_reason(fields, expected):
    (reason,) = reasons(claim(**fields))
    assert expected in reason


def test_every_failed_check_of_a_row_is_reported():
    (reason,) = reasons(claim(value=-5.0, url="", source_id=""))
    assert "cannot be negative" in reason and "url or a source_id" in reason


def test_good_rows_survive_beside_bad_ones():
    good, bad = split_valid(pd.DataFrame([claim(), claim(value=-1.0), claim(value=5.0)]))
    assert sorted(good["value"]) == [5.0, 701.0]
    assert list(bad["value"]) == [-1.0]


def test_claim_id_is_stable_and_depends_on_the_figure():
    assert claim()["claim_id"] == claim()["claim_id"]
    assert claim()["claim_id"] != claim(value=702.0)["claim_id"]
    assert claim()["claim_id"] != claim(url="https://example.org/b")["claim_id"]
    # 701 and 701.0 are the same figure whatever type they arrive as
    assert claim(value=701)["claim_id"] == claim(value=701.0)["claim_id"]


def test_a_share_retaken_may_be_dated_as_of_a_day_but_other_flows_may_not():
    retaken = claim(metric="share_regained_pct", value=50.0, period_start=None, period_end=None, as_of="2023-07-23")
    good, bad = split_valid(pd.DataFrame([retaken]))
    assert len(good) == 1 and bad.empty
    (reason,) = reasons(claim(metric="share_gained_pct", value=1.0, period_start=None, period_end=None,
                              as_of="2025-10-07"))
    assert "a flow" in reason
    (reason,) = reasons(claim(metric="share_regained_pct", value=50.0, as_of="2023-07-23"))  # both datings
    assert "a flow" in reason
