"""Notebook 06: edge against offloading on one device, E_cloud = P_tx·t_tx + P_idle·t_wait +
E_tail against E_edge = P_compute·t_compute (Kumar & Lu 2010; MAUI 2010), by hand."""

import math

import numpy as np
import pytest

from utils import latency

# a hand-made device and network: 2.7 W idle, 6.4 W computing, 3.7 W sending (1 W above idle)
PI = latency.DevicePower("hand Pi", idle_w=2.7, compute_w=6.4, tx_w=3.7)
# 8 Mbit/s up; the 64-byte answer (512 bits) at 0.512 Mbit/s takes 1 ms; RTT 50 ms
NET = latency.Network("hand", uplink_mbps=8, downlink_mbps=0.512, rtt_ms=50, loss=0, source="hand")
PAYLOAD = 10_000  # bytes = 80,000 bits: 10 ms at 8 Mbit/s
SERVER_MS = 5.0


def test_the_wait_is_the_request_after_its_upload():
    # t_wait = RTT 50 + server 5 + downlink 1 = 56 ms (the upload and the encode are not waiting)
    assert latency.offload_wait_ms(NET, SERVER_MS) == pytest.approx(56.0)


def test_the_cloud_charges_the_device_idle_power_while_it_waits():
    terms = latency.cloud_joules(PI, PAYLOAD, NET, SERVER_MS)
    assert terms["idle wait"] == pytest.approx(0.1512)  # 2.7 W × 56 ms = 151.2 mJ
    assert terms["transmit"] == pytest.approx(0.037)  # 3.7 W × 10 ms = 37 mJ
    assert terms["tail"] == 0.0
    # E_cloud = 37 + 151.2 = 188.2 mJ; a tail of 50 mJ adds to it
    assert sum(terms.values()) == pytest.approx(0.1882)
    tailed = latency.DevicePower("hand Pi", idle_w=2.7, compute_w=6.4, tx_w=3.7, tail_j=0.05)
    assert sum(latency.cloud_joules(tailed, PAYLOAD, NET, SERVER_MS).values()) == pytest.approx(
        0.2382
    )
    # one entry per uplink: at 80 Mbit/s the upload takes 1 ms, 3.7 mJ
    swept = latency.cloud_joules(PI, PAYLOAD, NET, SERVER_MS, uplink_mbps=np.array([8.0, 80.0]))
    assert swept["transmit"] == pytest.approx([0.037, 0.0037])


def test_the_break_even_inference_time_by_hand():
    # E_edge = E_cloud when 6.4 W × t = 188.2 mJ: t = 0.1882 / 6.4 s = 29.406 ms
    t = latency.energy_break_even_ms(PI, PAYLOAD, NET, SERVER_MS)
    assert t == pytest.approx(29.40625)
    assert latency.edge_joules(PI, t) == pytest.approx(
        sum(latency.cloud_joules(PI, PAYLOAD, NET, SERVER_MS).values())
    )


def test_the_break_even_uplink_by_hand():
    # computing for 100 ms: E_edge = 6.4 W × 0.1 s = 0.64 J. Sending wins when
    # 3.7 W × 80,000 bits / rate < 0.64 - 0.1512 (the idle wait) = 0.4888 J,
    # i.e. rate > 3.7 × 80,000 / 0.4888 = 605,565.5 bit/s = 0.6056 Mbit/s
    mbps = latency.energy_break_even_mbps(PI, PAYLOAD, NET, SERVER_MS, 100.0)
    assert mbps == pytest.approx(0.6055646)
    at = latency.cloud_joules(PI, PAYLOAD, NET, SERVER_MS, uplink_mbps=mbps)
    assert sum(at.values()) == pytest.approx(latency.edge_joules(PI, 100.0))
    # computing for 20 ms costs 128 mJ, less than the 151.2 mJ idle wait alone: no uplink is enough
    assert latency.energy_break_even_mbps(PI, PAYLOAD, NET, SERVER_MS, 20.0) == math.inf


def test_the_table_gives_the_pi_its_sourced_powers_and_labels_its_assumptions():
    rows = {row["item"]: row for row in latency.read_table(latency.ENERGY_CSV)}
    assert all(len(row["source"].strip()) > 20 for row in rows.values())
    for item in ("Wi-Fi transmit power above idle", "Wi-Fi tail energy"):
        assert rows[f"Raspberry Pi 4 {item}"]["source"].startswith("ASSUMPTION")
    pi = latency.device_power()
    figures = latency.energy_figures()
    assert pi.idle_w == figures["Raspberry Pi 4 power at idle"][0]
    assert pi.compute_w == figures["Raspberry Pi 4 power under load"][0]
    assert pi.tx_w == pi.idle_w + figures["Raspberry Pi 4 Wi-Fi transmit power above idle"][0]
    # the sliders replace the assumptions, not the sourced powers
    moved = latency.device_power(tx_above_idle_w=2.0, tail_j=0.1)
    assert (moved.tx_w, moved.tail_j, moved.idle_w) == (pi.idle_w + 2.0, 0.1, pi.idle_w)


def test_bad_inputs_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="below idle_w"):
        latency.DevicePower("x", idle_w=2.7, compute_w=2.0, tx_w=3.7)
    with pytest.raises(ValueError, match="below idle_w"):
        latency.DevicePower("x", idle_w=2.7, compute_w=6.4, tx_w=1.0)
    with pytest.raises(ValueError, match="idle_w"):
        latency.DevicePower("x", idle_w=float("nan"), compute_w=6.4, tx_w=3.7)
    with pytest.raises(ValueError, match="tx_above_idle_w"):
        latency.device_power(tx_above_idle_w=-1)
    with pytest.raises(ValueError, match="No power figures for 'Pixel 4'"):
        latency.device_power("Pixel 4")
    with pytest.raises(ValueError, match="wait_ms"):
        latency.offload_joules(1.0, -5.0, tx_w=3.7, idle_w=2.7)
    with pytest.raises(ValueError, match="mbps"):
        latency.cloud_joules(PI, PAYLOAD, NET, SERVER_MS, uplink_mbps=0)
    with pytest.raises(ValueError, match="compute_ms"):
        latency.energy_break_even_mbps(PI, PAYLOAD, NET, SERVER_MS, -1.0)
