"""Notebooks 06-08: what a prediction costs: joules, gigabytes and dollars, by hand."""

import pytest

from utils import latency


@pytest.mark.parametrize("path", [latency.ENERGY_CSV, latency.RADIO_ENERGY_CSV])
def test_energy_tables_name_their_sources(path):
    assert all(len(row["source"].strip()) > 20 for row in latency.read_table(path))


def test_energy_arithmetic_by_hand():
    assert latency.inference_joules(6.4, 2.0) == pytest.approx(0.0128)  # 6.4 W for 2 ms
    # Wi-Fi at 4,000 kbit/s: 6.45e-7 - 1.27e-10 x (4000 - 2130) = 4.0751e-7 J/bit
    wifi = latency.radio_joules_per_bit("Wi-Fi (802.11b/g)", 4000)
    assert wifi == pytest.approx(4.0751e-7)
    # clipped to the measured range: 50,000 kbit/s counts as 5,000
    assert latency.radio_joules_per_bit(
        "Wi-Fi (802.11b/g)", 50_000
    ) == latency.radio_joules_per_bit("Wi-Fi (802.11b/g)", 5000)
    # 10,000 bytes = 80,000 bits; + 0.26 s at 1.21 W promotion + 11.6 s at 1.06 W tail
    assert latency.radio_joules(10_000, 1e-6) == pytest.approx(0.08)
    cold = latency.radio_joules(
        10_000, 1e-6, promotion_ms=260, promotion_w=1.21, tail_s=11.6, tail_w=1.06
    )
    assert cold == pytest.approx(0.08 + 0.3146 + 12.296)
    with pytest.raises(ValueError, match="Unknown radio"):
        latency.radio_joules_per_bit("LTE", 1000)
    assert set(latency.energy_figures()) >= {"Raspberry Pi 4 power under load", "LTE tail time"}


def test_monthly_bandwidth_and_cost():
    assert latency.gigabytes_per_hour(1_000_000, 1) == pytest.approx(3.6)
    assert latency.monthly_gigabytes(1_000_000, 1) == pytest.approx(3.6 * 24 * 30)
    assert latency.monthly_gigabytes(1_000_000, 1, hours_per_day=2) == pytest.approx(3.6 * 2 * 30)
    price = latency.prices()[latency.DEFAULT_PLAN]
    assert latency.monthly_cost(1_000_000, 1) == pytest.approx(3.6 * 24 * 30 * price)
    assert latency.monthly_cost(1_000_000, 1, price_per_gb=1.0) == pytest.approx(3.6 * 24 * 30)
    with pytest.raises(ValueError, match="0 to 24 hours"):
        latency.monthly_gigabytes(1, 1, hours_per_day=25)
