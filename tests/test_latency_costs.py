"""Notebooks 06-08: what a prediction costs: joules, gigabytes and dollars, by hand."""

import pytest

from utils import latency


def test_energy_of_one_inference_by_hand():
    assert latency.inference_joules(6.4, 2.0) == pytest.approx(0.0128)  # 6.4 W for 2 ms
    with pytest.raises(ValueError, match="power_w"):
        latency.inference_joules(-1.0, 2.0)
    assert set(latency.energy_figures()) >= {
        "Raspberry Pi 4 power under load",
        "LTE promotion time",
    }


def test_monthly_bandwidth_and_cost():
    assert latency.gigabytes_per_hour(1_000_000, 1) == pytest.approx(3.6)
    assert latency.monthly_gigabytes(1_000_000, 1) == pytest.approx(3.6 * 24 * 30)
    assert latency.monthly_gigabytes(1_000_000, 1, hours_per_day=2) == pytest.approx(3.6 * 2 * 30)
    price = latency.prices()[latency.DEFAULT_PLAN]
    assert latency.monthly_cost(1_000_000, 1) == pytest.approx(3.6 * 24 * 30 * price)
    assert latency.monthly_cost(1_000_000, 1, price_per_gb=1.0) == pytest.approx(3.6 * 24 * 30)
    with pytest.raises(ValueError, match="0 to 24 hours"):
        latency.monthly_gigabytes(1, 1, hours_per_day=25)
