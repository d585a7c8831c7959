"""Need indices from the census indicators (roadmap.ranking.need)."""
import pytest

from roadmap.ranking.need import (NEED_COMPONENTS, need_details, need_indices, raw_need,
                                  remap_axes)
from roadmap.territory.indicators import INDICATORS_BY_KEY

INDICATORS = {
    "rural": {"unemployment_rate": 10.0, "illiteracy_rate": 50.0, "school_enrolment_6_11": 90.0,
              "running_water": 40.0, "public_sewer": 10.0, "paved_road_distance": 4.0,
              "electricity": 80.0, "waste_truck": 20.0},
    "town": {"unemployment_rate": 20.0, "illiteracy_rate": 30.0, "school_enrolment_6_11": 98.0,
             "running_water": 90.0, "public_sewer": 70.0, "paved_road_distance": 1.0,
             "electricity": 98.0, "waste_truck": 80.0},
    "arrondissement": {"unemployment_rate": 15.0, "illiteracy_rate": 20.0,
                       "school_enrolment_6_11": 99.0, "running_water": 100.0,
                       "public_sewer": 100.0, "electricity": 100.0, "waste_truck": 100.0},
}


def test_components_name_real_indicators_and_the_demo_axes():
    assert set(NEED_COMPONENTS) == {"employment", "social-services", "water",
                                    "territorial-upgrading"}
    for parts in NEED_COMPONENTS.values():
        for key, direction, label in parts:
            assert key in INDICATORS_BY_KEY
            assert direction in ("higher", "lower")
            assert str(label)


@pytest.mark.parametrize("key, direction, value, expected", [
    ("unemployment_rate", "higher", 12.5, 12.5),
    ("running_water", "lower", 70.0, 30.0),
    ("paved_road_distance", "higher", None, 0.0),   # urban: on a paved road
    ("running_water", "lower", None, None),         # missing: left out
])
def test_raw_need(key, direction, value, expected):
    assert raw_need(key, direction, value) == expected


@pytest.mark.parametrize("commune, axis, expected", [
    # single component: the neediest commune gets 1, the least needy 0
    ("town", "employment", 1.0),
    ("rural", "employment", 0.0),
    ("arrondissement", "employment", 0.5),
    # water: without running water 60 / 10 / 0 and without sewer 90 / 30 / 0
    ("rural", "water", 1.0),
    ("town", "water", (10 / 60 + 30 / 90) / 2),
    ("arrondissement", "water", 0.0),
    # social services: illiteracy 50 / 30 / 20 and out of school 10 / 2 / 1
    ("rural", "social-services", 1.0),
    ("town", "social-services", (10 / 30 + 1 / 9) / 2),
    # territorial upgrading: road 4 / 1 / 0 (missing), no electricity 20 / 2 / 0,
    # no truck 80 / 20 / 0
    ("town", "territorial-upgrading", (1 / 4 + 2 / 20 + 20 / 80) / 3),
    ("arrondissement", "territorial-upgrading", 0.0),
])
def test_need_indices_hand_computed(commune, axis, expected):
    assert need_indices(INDICATORS)[commune][axis] == pytest.approx(expected, abs=1e-6)


def test_every_component_and_index_is_within_0_and_1():
    details = need_details(INDICATORS)
    for axes in details.values():
        for detail in axes.values():
            assert 0.0 <= detail["index"] <= 1.0
            for part in detail["components"].values():
                assert 0.0 <= part["need"] <= 1.0


def test_missing_indicator_averages_over_the_components_present():
    indicators = {"a": {"running_water": 50.0}, "b": {"running_water": 100.0,
                                                      "public_sewer": 20.0}}
    details = need_details(indicators)
    assert list(details["a"]["water"]["components"]) == ["running_water"]
    assert details["a"]["water"]["index"] == 1.0
    # b: running water need 0, sewer need 0 (the only value present: equal to itself)
    assert details["b"]["water"]["index"] == 0.0


def test_no_data_gives_zero_and_no_components():
    details = need_details({"a": {}, "b": {"unemployment_rate": 5.0}})
    assert details["a"]["employment"] == {"index": 0.0, "components": {}}


def test_equal_values_are_nobody_s_need():
    indices = need_indices({"a": {"unemployment_rate": 9.0}, "b": {"unemployment_rate": 9.0}})
    assert indices["a"]["employment"] == indices["b"]["employment"] == 0.0


def test_axis_codes_are_a_parameter():
    components = remap_axes({"water": "eau"})
    indices = need_indices(INDICATORS, components)
    assert "eau" in indices["rural"] and "water" not in indices["rural"]
    assert indices["rural"]["eau"] == 1.0
    assert indices["rural"]["employment"] == 0.0


def test_input_order_does_not_matter():
    reversed_input = dict(reversed(list(INDICATORS.items())))
    assert need_indices(reversed_input) == need_indices(INDICATORS)
