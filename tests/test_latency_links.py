"""Notebooks 06-08: the sourced tables and the network presets (utils.latency.tables, links)."""

import pytest

from utils import latency


REQUIRED_PRESETS = (
    "3G",
    "LTE",
    "5G",
    "Wi-Fi",
    "Starlink",
    "geostationary satellite",
    "wired edge server",
)


@pytest.mark.parametrize("path", [latency.NETWORKS_CSV, latency.DEVICES_CSV, latency.PRICES_CSV])
def test_every_table_row_names_its_source(path):
    rows = latency.read_table(path)
    assert rows and all(len(row["source"].strip()) > 20 for row in rows)


def test_a_row_without_a_source_is_refused(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("name,value,source\na,1,somewhere\nb,2,\n")
    with pytest.raises(ValueError, match="line 3.*no source"):
        latency.read_table(table)


def test_the_presets_load_with_the_networks_the_course_compares():
    presets = latency.presets()
    assert set(REQUIRED_PRESETS) <= set(presets)
    for name, net in presets.items():
        assert net.name == name and net.uplink_mbps > 0 and net.downlink_mbps > 0
        assert net.rtt_ms >= 0 and 0 <= net.loss < 1 and net.source
    light_floor_ms = 4 * 35_786 / 299_792.458 * 1000  # up and down, there and back
    assert presets["geostationary satellite"].rtt_ms > light_floor_ms


def test_network_overrides_one_field_and_keeps_the_rest():
    lte = latency.network("LTE")
    faster = latency.network("LTE", uplink_mbps=20, loss=0.01)
    assert (faster.uplink_mbps, faster.loss) == (20, 0.01)
    assert (faster.rtt_ms, faster.downlink_mbps, faster.source) == (
        lte.rtt_ms,
        lte.downlink_mbps,
        lte.source,
    )


@pytest.mark.parametrize(
    "name, overrides, says",
    [
        ("LTE", {"uplink_mbps": -1}, "uplink_mbps=-1.0 is not a usable bandwidth"),
        ("LTE", {"downlink_mbps": 0}, "downlink_mbps=0.0 is not a usable bandwidth"),
        ("LTE", {"rtt_ms": -5}, "rtt_ms=-5.0 is negative"),
        ("LTE", {"loss": 1}, r"loss=1.0 is outside \[0, 1\)"),
        ("LTE", {"loss": -0.1}, r"loss=-0.1 is outside \[0, 1\)"),
        ("LTE", {"rtt_ms": float("nan")}, "rtt_ms=nan is not a number"),
        ("6G", {}, "Unknown network preset '6G'; use one of '3G'"),
        ("LTE", {"latency": 3}, "'latency' is not a network setting"),
    ],
)
def test_bad_network_settings_get_one_clear_sentence(name, overrides, says):
    with pytest.raises(ValueError, match=says):
        latency.network(name, **overrides)


def test_a_nan_round_trip_is_not_called_negative():
    with pytest.raises(ValueError, match="rtt_ms=nan is not a number"):
        latency.Network("x", 1.0, 1.0, float("nan"), 0.0, "test")
