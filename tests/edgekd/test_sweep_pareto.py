"""The Pareto front on hand-computed cases, and the grid's expansion and input checks."""
from __future__ import annotations

import pytest

from edgekd.sweep.grid import FP32, GridSpec, TrainPoint, parse_ints, parse_quants
from edgekd.sweep.pareto import dominates, key, pareto_front

ACC_LAT = ((key("acc"), "max"), (key("ms"), "min"))


def rows(*pairs):
    return [{"acc": a, "ms": m} for a, m in pairs]


def test_front_keeps_the_trade_offs_and_drops_the_dominated():
    # (87, 1.0) beats (86, 1.2) on both; (85, 0.5) is fastest; (88, 2.0) is most accurate; (84, 0.6) loses to (85, 0.5)
    r = rows((87, 1.0), (86, 1.2), (85, 0.5), (88, 2.0), (84, 0.6))
    assert pareto_front(r, ACC_LAT) == [0, 2, 3]


def test_ties_are_all_kept_and_a_tie_on_one_axis_still_dominates():
    assert pareto_front(rows((87, 1.0), (87, 1.0)), ACC_LAT) == [0, 1]        # identical: neither dominates
    assert pareto_front(rows((87, 1.0), (87, 0.9)), ACC_LAT) == [1]           # same accuracy, faster wins
    assert pareto_front(rows((86, 1.0), (87, 1.0)), ACC_LAT) == [1]           # same latency, more accurate wins


def test_a_third_objective_can_bring_a_point_back():
    r = [{"acc": 87, "ms": 1.0, "b": 3}, {"acc": 86, "ms": 1.2, "b": 1}]
    assert pareto_front(r, ACC_LAT) == [0]
    assert pareto_front(r, (*ACC_LAT, (key("b"), "min"))) == [0, 1]


def test_front_edge_cases():
    assert pareto_front([], ACC_LAT) == []
    assert pareto_front(rows((80, 9.0)), ACC_LAT) == [0]
    assert dominates((2, 2), (1, 2)) and not dominates((2, 1), (1, 2)) and not dominates((1, 1), (1, 1))
    with pytest.raises(ValueError, match="'max' or 'min'"):
        pareto_front(rows((1, 1)), ((key("acc"), "up"),))


def test_grid_expands_smallest_first_and_multiplies_exports_by_quant():
    g = GridSpec(hidden=(150, 64), embed=(128,), min_count=(1, 3), seeds=(0,), quant=("default", FP32))
    assert [p.id for p in g.train_points()] == ["h64-e128-m1-s0", "h64-e128-m3-s0", "h150-e128-m1-s0",
                                                "h150-e128-m3-s0"]
    ex = g.export_points()
    assert len(ex) == 8 and ex[0].id == "h64-e128-m1-s0-default" and ex[1].id == "h64-e128-m1-s0-fp32"
    assert TrainPoint(100, 64).id == "h100-e64-m1-s0"


@pytest.mark.parametrize("kw, msg", [({"hidden": ()}, "at least one hidden"), ({"embed": (64, 64)}, "repeated embed"),
                                     ({"hidden": (0, 64)}, r"hidden values must be >= 1, got \[0\]"),
                                     ({"seeds": (-1,)}, "seeds values must be >= 0")])
def test_bad_grids_are_refused_with_the_axis_named(kw, msg):
    with pytest.raises(ValueError, match=msg):
        GridSpec(**kw)


def test_parsers():
    assert parse_ints("64, 100,150", "--hidden") == (64, 100, 150)
    with pytest.raises(ValueError, match="--hidden: expected comma-separated integers, got '64,x'"):
        parse_ints("64,x", "--hidden")
    assert parse_quants("default,fp32", ("default", "all-int8")) == ("default", "fp32")
    with pytest.raises(ValueError, match=r"unknown preset\(s\) \['int4'\]"):
        parse_quants("default,int4", ("default", "all-int8"))
