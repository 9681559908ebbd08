"""The latency model: sourced tables, one request by hand, Monte Carlo, queueing with SimPy."""

import math
from statistics import NormalDist

import numpy as np
import pytest

from utils import latency

REQUIRED_PRESETS = ("3G", "LTE", "5G", "Wi-Fi", "Starlink", "geostationary satellite", "wired edge server")


# ---------------------------------------------------------------- the tables


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
    assert presets["geostationary satellite"].rtt_ms > 4 * 35_786 / 299_792.458 * 1000  # light's floor


def test_network_overrides_one_field_and_keeps_the_rest():
    lte = latency.network("LTE")
    faster = latency.network("LTE", uplink_mbps=20, loss=0.01)
    assert (faster.uplink_mbps, faster.loss) == (20, 0.01)
    assert (faster.rtt_ms, faster.downlink_mbps, faster.source) == (lte.rtt_ms, lte.downlink_mbps, lte.source)


@pytest.mark.parametrize("name, overrides, says", [
    ("LTE", {"uplink_mbps": -1}, "uplink_mbps=-1.0 is not a usable bandwidth"),
    ("LTE", {"downlink_mbps": 0}, "downlink_mbps=0.0 is not a usable bandwidth"),
    ("LTE", {"rtt_ms": -5}, "rtt_ms=-5.0 is negative"),
    ("LTE", {"loss": 1}, r"loss=1.0 is outside \[0, 1\)"),
    ("LTE", {"loss": -0.1}, r"loss=-0.1 is outside \[0, 1\)"),
    ("LTE", {"rtt_ms": float("nan")}, "rtt_ms=nan is not a number"),
    ("6G", {}, "Unknown network preset '6G'; use one of '3G'"),
    ("LTE", {"latency": 3}, "'latency' is not a network setting"),
])
def test_bad_network_settings_get_one_clear_sentence(name, overrides, says):
    with pytest.raises(ValueError, match=says):
        latency.network(name, **overrides)


def _device_rows(name):
    return [row for row in latency.read_table(latency.DEVICES_CSV) if row["name"] == name]


def test_devices_are_calibrated_by_a_reference_model_measured_here():
    default = latency.devices()
    assert default["this machine"].factor == 1 and default["this machine"].kind == "edge"
    assert {d.kind for d in default.values()} == {"edge", "server"}
    (pi,) = _device_rows("Raspberry Pi 4")
    assert default["Raspberry Pi 4"].factor == pytest.approx(float(pi["published_ms"]) / float(pi["measured_here_ms"]))
    calibrated = latency.devices({pi["reference_model"]: 100.0})  # the older form: float32, 1 thread
    assert calibrated["Raspberry Pi 4"].factor == pytest.approx(float(pi["published_ms"]) / 100)
    assert "takes 100 ms at 1 thread" in calibrated["Raspberry Pi 4"].source
    with pytest.raises(ValueError, match="not a positive measured latency"):
        latency.devices({pi["reference_model"]: 0.0})


MEASURED = [{"model": "mobilenet_v1_1.0_224", "format": f, "threads": t, "p50_ms": ms}
            for f, t, ms in (("float32", 1, 8.0), ("float32", 2, 4.0), ("int8", 1, 4.0), ("int8", 2, 2.5))]


def test_a_four_thread_figure_is_divided_by_the_most_threads_measured_here():
    phone = latency.devices(rows=MEASURED)["phone (Pixel 4)"]
    published = {row["precision"]: float(row["published_ms"]) for row in _device_rows("phone (Pixel 4)")}
    assert phone.threads == 4 and phone.here_threads == 2  # this machine measured 1 and 2 threads
    assert phone.factors["float32"] == pytest.approx(published["float32"] / 4.0)  # 14.0 / 4.0
    assert phone.factors["int8"] == pytest.approx(published["int8"] / 2.5)  # 5.0 / 2.5: int8 by int8
    assert "the device used 4 threads, this machine had 2" in phone.source
    assert phone.time_ms(1.0, "int8") == pytest.approx(2.0)
    assert phone.time_ms(1.0, "float32") == pytest.approx(3.5)


def test_an_int8_time_is_not_scaled_by_a_float32_reference():
    pi = latency.devices(rows=MEASURED)["Raspberry Pi 4"]
    assert "int8" not in pi.factors
    with pytest.raises(ValueError, match="no published int8 reference"):
        pi.time_ms(1.0, "int8")


def test_a_gpu_server_takes_at_least_its_sourced_per_request_time():
    a100 = latency.devices()["cloud GPU server (A100)"]
    assert a100.floor_ms == pytest.approx(0.470)  # MLPerf v3.0 ResNet-50 single-stream median
    assert a100.time_ms(0.3, "float32") == a100.time_ms(0.001, "int8") == pytest.approx(0.470)
    assert latency.devices()["cloud CPU server"].time_ms(0.3, "int8") == pytest.approx(0.3)


def test_an_old_style_device_scales_by_its_factor():
    assert latency.Device("d", "edge", 2.0, "s").time_ms(1.5) == pytest.approx(3.0)


def test_reference_ms_picks_one_format_and_thread_count():
    rows = [{"model": "m", "format": "float32", "threads": 1, "p50_ms": 5.0},
            {"model": "m", "format": "float32", "threads": 2, "p50_ms": 3.0},
            {"model": "m", "format": "int8", "threads": 1, "p50_ms": 2.0}]
    assert latency.reference_ms(rows) == {"m": 5.0}
    assert latency.reference_ms(rows, "int8") == {"m": 2.0}


# ---------------------------------------------------------------- one request by hand


def test_cloud_breakdown_by_hand():
    net = latency.Network("test", uplink_mbps=8, downlink_mbps=1, rtt_ms=50, loss=0, source="hand")
    stages = latency.cloud_breakdown(1_000_000, net, 2.0, result_bytes=64, queue_ms=3, encode_ms=4)
    assert list(stages) == ["encode", "uplink", "propagation", "queue", "server inference", "downlink"]
    assert stages["uplink"] == pytest.approx(1000)  # 8 Mbit over 8 Mbit/s
    assert stages["downlink"] == pytest.approx(0.512)  # 512 bits over 1 Mbit/s
    assert sum(stages.values()) == pytest.approx(4 + 1000 + 50 + 3 + 2 + 0.512)


def test_break_even_bandwidth_makes_the_cloud_median_equal_the_edge():
    net = latency.network("LTE")
    mbps = latency.break_even_uplink_mbps(30_000, net, 0.5, 300)
    at_break_even = latency.network("LTE", uplink_mbps=mbps)
    assert sum(latency.cloud_breakdown(30_000, at_break_even, 0.5).values()) == pytest.approx(300)
    assert latency.break_even_uplink_mbps(30_000, net, 0.5, net.rtt_ms) == math.inf


@pytest.mark.parametrize("kwargs", [{"payload_bytes": -1}, {"server_ms": -0.5}])
def test_negative_sizes_and_times_are_refused(kwargs):
    arguments = {"payload_bytes": 100, "server_ms": 1.0, **kwargs}
    with pytest.raises(ValueError, match="must be a number of 0 or more"):
        latency.cloud_breakdown(arguments["payload_bytes"], latency.network("LTE"), arguments["server_ms"])


# ---------------------------------------------------------------- Monte Carlo


def test_edge_samples_have_the_measured_median_and_p95():
    constant = latency.simulate_edge(2.0, 100)
    assert np.all(constant == 2.0)
    spread = latency.simulate_edge(2.0, 200_000, p95_ms=3.0)
    assert np.median(spread) == pytest.approx(2.0, rel=0.02)
    assert np.percentile(spread, 95) == pytest.approx(3.0, rel=0.02)


def test_without_jitter_or_loss_every_request_takes_the_breakdown_sum():
    net = latency.network("5G")
    samples = latency.simulate_cloud(50_000, net, 1.5, 1000, jitter=0)
    assert np.allclose(samples, sum(latency.cloud_breakdown(50_000, net, 1.5).values()))


def test_jitter_keeps_the_median_round_trip():
    net = latency.network("LTE")
    samples = latency.simulate_cloud(0, net, 0, 100_000, result_bytes=0)
    rtt_part = samples - sum(latency.cloud_breakdown(0, net, 0, result_bytes=0).values()) + net.rtt_ms
    assert np.median(rtt_part) == pytest.approx(net.rtt_ms, rel=0.02)
    assert np.percentile(rtt_part, 99) == pytest.approx(net.rtt_ms * math.exp(NormalDist().inv_cdf(0.99) * latency.DEFAULT_JITTER), rel=0.05)


def test_the_same_seed_gives_the_same_requests():
    net = latency.network("LTE", loss=0.02)
    first = latency.simulate_cloud(200_000, net, 1.0, 5000, seed=7, bursty=True)
    assert np.array_equal(first, latency.simulate_cloud(200_000, net, 1.0, 5000, seed=7, bursty=True))
    assert not np.array_equal(first, latency.simulate_cloud(200_000, net, 1.0, 5000, seed=8, bursty=True))


def test_a_lost_tail_segment_waits_a_retransmission_timeout():
    # one segment up, one down: both are "tail" segments, so any loss costs RTT + 200 ms or more
    loss = 0.05
    net = latency.network("Wi-Fi", loss=loss)
    base = sum(latency.cloud_breakdown(500, net, 1.0).values())
    samples = latency.simulate_cloud(500, net, 1.0, 200_000, jitter=0)
    delayed = samples > base + 1e-9
    assert delayed.mean() == pytest.approx(1 - (1 - loss) ** 2, rel=0.05)
    assert samples[delayed].min() >= base + latency.RTO_MIN_MS + net.rtt_ms - 1e-9


def test_losses_in_a_long_transfer_cost_round_trips_and_udp_drops_frames():
    loss, payload = 0.01, 100 * latency.MSS_BYTES
    net = latency.network("LTE", loss=loss)
    base = sum(latency.cloud_breakdown(payload, net, 1.0).values())
    tcp = latency.simulate_cloud(payload, net, 1.0, 100_000, jitter=0)
    body_segments = 100 - latency.DUPACK_THRESHOLD + 1 - 1  # 100 up + 1 down, less 3 + 1 tail ones
    assert np.mean(tcp) >= base + body_segments * loss * net.rtt_ms * 0.9
    udp = latency.simulate_cloud(payload, net, 1.0, 100_000, protocol="udp")
    assert np.mean(np.isinf(udp)) == pytest.approx(1 - (1 - loss) ** 101, rel=0.05)


def test_the_gilbert_elliott_chain_has_the_asked_loss_rate_and_burst_length():
    rng = np.random.default_rng(0)
    lost = latency._lost(rng, 2000, 500, 0.05, latency._gilbert_elliott(0.05, 4.0))
    assert lost.mean() == pytest.approx(0.05, rel=0.1)
    flat = lost.ravel().astype(int)
    starts = np.sum(np.diff(flat) == 1)
    assert flat.sum() / starts == pytest.approx(4.0, rel=0.1)  # mean burst length


def test_bursty_loss_drops_fewer_frames_than_independent_loss_at_the_same_rate():
    net = latency.network("LTE", loss=0.02)
    independent = latency.simulate_cloud(50_000, net, 1.0, 50_000, protocol="udp")
    bursty = latency.simulate_cloud(50_000, net, 1.0, 50_000, protocol="udp", bursty=True)
    assert np.mean(np.isinf(bursty)) < np.mean(np.isinf(independent))


@pytest.mark.parametrize("kwargs, says", [
    ({"protocol": "quic"}, "use 'tcp'"),
    ({"n": 0}, "simulate at least 1 request|1 or more"),
    ({"bursty": True, "burst_length": 0.5}, "at least 1 packet"),
])
def test_bad_simulation_options_are_named(kwargs, says):
    arguments = {"n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        latency.simulate_cloud(1000, latency.network("LTE", loss=0.1), 1.0, **arguments)


def test_percentiles_and_deadline_misses():
    samples = np.arange(101, dtype=float)
    assert latency.percentiles(samples) == {"p50": 50.0, "p95": 95.0, "p99": 99.0}
    dropped = np.append(np.ones(98), [np.inf, np.inf])
    assert latency.percentiles(dropped)["p99"] == np.inf
    assert latency.deadline_miss_rate(dropped, 10) == 0.02
    with pytest.raises(ValueError, match="No values|is empty"):
        latency.percentiles([])


# ---------------------------------------------------------------- road, bandwidth, money


def test_sixty_mph_is_88_feet_per_second():
    assert latency.feet_travelled(1000) == pytest.approx(88)
    assert latency.metres_travelled(1000) == pytest.approx(26.8224)
    assert latency.feet_travelled(500, mph=30) == pytest.approx(22)
    assert np.allclose(latency.feet_travelled(np.array([0, 250])), [0, 22])
    with pytest.raises(ValueError, match="negative"):
        latency.feet_travelled(-1)


def test_monthly_bandwidth_and_cost():
    assert latency.gigabytes_per_hour(1_000_000, 1) == pytest.approx(3.6)
    assert latency.monthly_gigabytes(1_000_000, 1) == pytest.approx(3.6 * 24 * 30)
    assert latency.monthly_gigabytes(1_000_000, 1, hours_per_day=2) == pytest.approx(3.6 * 2 * 30)
    price = latency.prices()[latency.DEFAULT_PLAN]
    assert latency.monthly_cost(1_000_000, 1) == pytest.approx(3.6 * 24 * 30 * price)
    assert latency.monthly_cost(1_000_000, 1, price_per_gb=1.0) == pytest.approx(3.6 * 24 * 30)
    with pytest.raises(ValueError, match="0 to 24 hours"):
        latency.monthly_gigabytes(1, 1, hours_per_day=25)


def test_pipeline_check_finds_the_stage_that_cannot_keep_up():
    rows = latency.pipeline_check({"encode": 10, "uplink": 40, "inference": 0}, fps=30)
    by_stage = {row["stage"]: row for row in rows}
    assert by_stage["encode"]["keeps_up"] and by_stage["encode"]["utilisation"] == pytest.approx(0.3)
    assert not by_stage["uplink"]["keeps_up"] and by_stage["uplink"]["max_fps"] == pytest.approx(25)
    assert by_stage["inference"]["max_fps"] == math.inf
    with pytest.raises(ValueError, match="positive frame rate"):
        latency.pipeline_check({"encode": 1}, fps=0)


# ---------------------------------------------------------------- queueing


def test_queueing_formulas_by_hand():
    assert latency.mmc_mean_response_ms(500, 1.0) == pytest.approx(1 / (1000 - 500) * 1000)  # 1/(μ-λ)
    assert latency.md1_mean_response_ms(500, 1.0) == pytest.approx(0.5 / (2 * 0.5) + 1)
    # M/M/2, a = 1.5 Erlang: Erlang C = 0.6429, Wq = C / (2μ - λ)
    assert latency.mmc_mean_response_ms(1500, 1.0, 2) == pytest.approx(0.642857 / 500 * 1000 + 1, rel=1e-4)
    assert latency.mmc_mean_response_ms(1000, 1.0) == math.inf
    assert latency.utilisation(1500, 1.0, 2) == pytest.approx(0.75)


def test_simpy_m_m_1_matches_one_over_mu_minus_lambda():
    samples = latency.simulate_server(500, 1.0, 40_000, seed=1)
    assert samples.mean() == pytest.approx(latency.mmc_mean_response_ms(500, 1.0), rel=0.08)


def test_simpy_m_d_1_matches_pollaczek_khinchine():
    samples = latency.simulate_server(700, 1.0, 40_000, seed=2, service="deterministic")
    assert samples.min() >= 1.0 - 1e-9
    assert samples.mean() == pytest.approx(latency.md1_mean_response_ms(700, 1.0), rel=0.08)


def test_simpy_is_deterministic_with_a_seed():
    first = latency.simulate_server(800, 1.0, 2000, seed=3, servers=2)
    assert np.array_equal(first, latency.simulate_server(800, 1.0, 2000, seed=3, servers=2))


def test_batching_waits_at_most_the_delay_and_raises_the_capacity():
    # one request every 100 s on average: each waits the whole delay alone, then is served
    alone = latency.simulate_server(0.01, 2.0, 50, service="deterministic", batch_size=8, max_delay_ms=5)
    assert np.allclose(alone, 7.0)
    # beyond one-at-a-time capacity (utilisation 1.25): batches of up to 8 keep up, single calls do not
    batch_ms = lambda size: 0.6 + 0.2 * size  # noqa: E731
    single = latency.simulate_server(1250, batch_ms(1), 5000, seed=4)
    batched = latency.simulate_server(1250, batch_ms, 5000, seed=4, batch_size=8, max_delay_ms=1)
    assert batched.mean() < single.mean() / 5
    assert single[-500:].mean() > single[:500].mean() * 5  # the queue grows without bound


@pytest.mark.parametrize("kwargs, says", [
    ({"rate_per_s": 0}, "positive arrival rate|above 0"),
    ({"service": "pareto"}, "use 'exponential'"),
    ({"servers": 0}, "must be 1 or more|1 or more"),
    ({"n": -3}, "simulate at least 1 request|1 or more"),
])
def test_bad_server_settings_are_named(kwargs, says):
    arguments = {"rate_per_s": 10, "service_ms": 1.0, "n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        latency.simulate_server(**arguments)


# ---------------------------------------------------------------- a cold request, by hand


def test_slow_start_by_hand():
    lte = latency.network("LTE")  # 6 Mbit/s up, 53.1 ms round trip
    # one initial window (10 x 1,460 = 14,600 bytes) or less: nothing extra
    assert latency.slow_start_ms(14_600, lte) == 0.0
    # 300,000 bytes: windows of 14,600 / 29,200 / 58,400 / 116,800 bytes and the last 81,000.
    # The first two take 19.47 and 38.93 ms to send but wait a 53.1 ms round trip each; from the
    # third on, sending takes longer than a round trip: 53.1 - 19.467 + 53.1 - 38.933 = 47.8 ms
    assert latency.slow_start_ms(300_000, lte) == pytest.approx(47.8, abs=0.01)
    # a bigger initial window sends it with fewer waits; an infinitely fast link waits 4 round trips
    assert latency.slow_start_ms(300_000, lte, initial_window=40) < 47.8
    fast = latency.network("LTE", uplink_mbps=1e6)
    assert latency.slow_start_ms(300_000, fast) == pytest.approx(4 * 53.1, abs=0.1)
    with pytest.raises(ValueError, match="whole number of segments"):
        latency.slow_start_ms(1000, lte, initial_window=0)


def test_a_cold_request_adds_the_radio_the_handshakes_and_slow_start():
    lte = latency.network("LTE")
    warm = latency.request_stages(300_000, lte, 0.5)
    cold = latency.request_stages(300_000, lte, 0.5, cold=True, promotion_ms=260)
    assert sum(warm.values()) == pytest.approx(sum(latency.cloud_breakdown(300_000, lte, 0.5).values()))
    assert list(cold)[:3] == ["radio promotion", "TCP handshake", "TLS handshake"]
    extra = {k: cold[k] - warm[k] for k in cold}
    # 260 ms promotion + 1 RTT (TCP, RFC 9293) + 1 RTT (TLS 1.3, RFC 8446) + 47.8 ms slow start
    assert sum(extra.values()) == pytest.approx(260 + 2 * 53.1 + 47.8, abs=0.01)
    tls12 = latency.request_stages(300_000, lte, 0.5, cold=True, tls="1.2")
    assert tls12["TLS handshake"] == pytest.approx(2 * 53.1)
    assert latency.request_stages(300_000, lte, 0.5, cold=True, tls="1.3 resumed (0-RTT)")["TLS handshake"] == 0
    with pytest.raises(ValueError, match="tls='1.1'"):
        latency.request_stages(1000, lte, 0.5, cold=True, tls="1.1")


def test_loss_recovery_by_hand():
    assert latency.loss_recovery_ms(50, "tail loss probe") == 100  # PTO = 2 SRTT (RFC 8985)
    assert latency.loss_recovery_ms(50, "tail loss probe", in_flight=1) == 300  # + WCDelAckT 200 ms
    assert latency.loss_recovery_ms(50, "retransmission timeout") == 250  # SRTT + Linux's 200 ms minimum
    assert latency.loss_recovery_ms(50, "initial timeout") == 1000  # a lost SYN: RFC 6298's 1 s
    with pytest.raises(ValueError, match="mechanism="):
        latency.loss_recovery_ms(50, "fast")


# ---------------------------------------------------------------- energy, by hand


@pytest.mark.parametrize("path", [latency.ENERGY_CSV, latency.RADIO_ENERGY_CSV])
def test_energy_tables_name_their_sources(path):
    assert all(len(row["source"].strip()) > 20 for row in latency.read_table(path))


def test_energy_arithmetic_by_hand():
    assert latency.inference_joules(6.4, 2.0) == pytest.approx(0.0128)  # 6.4 W for 2 ms
    # Wi-Fi at 4,000 kbit/s: 6.45e-7 - 1.27e-10 x (4000 - 2130) = 4.0751e-7 J/bit
    wifi = latency.radio_joules_per_bit("Wi-Fi (802.11b/g)", 4000)
    assert wifi == pytest.approx(4.0751e-7)
    # clipped to the measured range: 50,000 kbit/s counts as 5,000
    assert latency.radio_joules_per_bit("Wi-Fi (802.11b/g)", 50_000) == latency.radio_joules_per_bit("Wi-Fi (802.11b/g)", 5000)
    # 10,000 bytes = 80,000 bits; + 0.26 s at 1.21 W promotion + 11.6 s at 1.06 W tail
    assert latency.radio_joules(10_000, 1e-6) == pytest.approx(0.08)
    assert latency.radio_joules(10_000, 1e-6, promotion_ms=260, promotion_w=1.21, tail_s=11.6, tail_w=1.06) == \
        pytest.approx(0.08 + 0.3146 + 12.296)
    with pytest.raises(ValueError, match="Unknown radio"):
        latency.radio_joules_per_bit("LTE", 1000)
    assert set(latency.energy_figures()) >= {"Raspberry Pi 4 power under load", "LTE tail time"}


def test_mmc_erlang_c_matches_the_closed_form_and_scales_to_many_servers():
    # c = 2, a = 1 Erlang (rho = 0.5): Erlang C = (a^2/2!/(1-rho)) / (1 + a + a^2/2!/(1-rho)) = 1/3,
    # so Wq = C / (c mu - lambda) = (1/3) * 10 ms / (2 * 0.5) = 3.33 ms, plus 10 ms of service
    assert latency.mmc_mean_response_ms(100, 10, servers=2) == pytest.approx(10 + 10 / 3)
    many = latency.mmc_mean_response_ms(19_000, 10, servers=200)  # rho = 0.95, no overflow
    assert 10 < many < latency.mmc_mean_response_ms(95, 10, servers=1)


def test_a_nan_round_trip_is_not_called_negative():
    with pytest.raises(ValueError, match="rtt_ms=nan is not a number"):
        latency.Network("x", 1.0, 1.0, float("nan"), 0.0, "test")


def test_variant_ms_reads_the_row_at_the_devices_thread_count():
    # a phone calibrated against 2 threads here: 1.5 ms at 2 threads × factor 2 = 3 ms (the 1-thread
    # time is not the one to scale); a GPU with a 0.5 ms floor never answers faster than 0.5 ms
    phone = latency.Device("phone", "edge", 2.0, "s", factors={"float32": 2.0}, here_threads=2)
    assert phone.variant_ms({"p50_ms_1t": 9.0, "p50_ms_2t": 1.5}, "float32") == 3.0
    assert phone.variant_ms({"p95_ms_2t": 2.0}, "float32", "p95") == 4.0
    gpu = latency.Device("gpu", "server", 0.0, "s", floor_ms=0.5)
    assert gpu.variant_ms({"p50_ms_1t": 0.1}, "int8") == 0.5
    with pytest.raises(ValueError, match="no published int8 reference"):
        phone.variant_ms({"p50_ms_2t": 1.5}, "int8")
