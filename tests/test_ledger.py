"""The blog post's ledger: every claim recorded by its notebook, verdicts judged from numbers."""

import re

import nbformat
import pytest

from utils import config, ledger


@pytest.fixture
def build(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "results_path", lambda: tmp_path / "results.json")
    return tmp_path


def test_every_claim_is_recorded_by_the_notebook_that_tests_it():
    for claim in ledger.claims():
        nb = nbformat.read(config.NOTEBOOKS_DIR / f"{claim.notebook}.ipynb", 4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert re.search(rf"ledger\.record\(NOTEBOOK, \"{claim.id}\"", code), claim.id
        assert claim.attribution == "a blog post on deep learning training vs inference"
        assert len(claim.quote.split()) <= 20, claim.quote


def test_notebook_08_closes_with_the_generated_ledger_and_00_opens_with_the_claims():
    closing = nbformat.read(config.NOTEBOOKS_DIR / "08_tradeoff_explorer.ipynb", 4)
    assert any("ledger.closing()" in c.source for c in closing.cells if c.cell_type == "code")
    opening = nbformat.read(config.NOTEBOOKS_DIR / "00_start_here.ipynb", 4)
    assert "ledger.opening()" in opening.cells[3].source  # title, bootstrap, heading, table


def test_the_opening_lists_every_claim_with_its_notebook():
    table = ledger.opening_table()
    for claim in ledger.claims():
        assert f"{claim.shown} | [{claim.notebook[:2]}]({claim.notebook}.ipynb)" in table


def test_60_mph_is_88_feet_a_second_and_100_feet_is_1_14_s():
    # 60 mi/h × 5,280 ft/mi ÷ 3,600 s/h = 88 ft/s; 100 ft ÷ 88 ft/s = 1.1364 s
    assert ledger.FEET_PER_SECOND_AT_60_MPH == 88
    assert ledger.BLIND_LIMIT_S == pytest.approx(1.1364, abs=1e-4)
    j = ledger.judge("ninety_feet_per_second", {"feet_per_second": 88})
    assert j.verdict == ledger.DOES_NOT_HOLD  # 88 is not over 90


def test_the_100_feet_verdict_names_the_scenarios_over_1_14_s():
    # 1.2 s > 1.136 s (105.6 ft); 0.3 s and 1.1 s (96.8 ft) are under
    j = ledger.judge("hundred_feet_blind", {"LTE": 0.3, "satellite": 1.2, "5G": 1.1})
    assert j.verdict == ledger.DEPENDS and j.condition.endswith("only for: satellite")
    assert ledger.judge("hundred_feet_blind", {"LTE": 0.3}).verdict == ledger.DOES_NOT_HOLD
    assert ledger.judge("hundred_feet_blind", {"outage": 31.0}).verdict == ledger.HOLDS


def test_resnet50_on_imagenet_flops_and_days():
    # 8.2164e9 FLOPs × 3 × 1,281,167 images × 90 epochs = 2.8422e18 FLOPs
    assert ledger.resnet50_imagenet_flops() == pytest.approx(2.8422e18, rel=1e-4)
    # 3 × 1e8 FLOPs × 64 images ÷ 0.1 s = 1.92e11 FLOP/s
    assert ledger.training_flop_per_s(1e8, 64, 100) == pytest.approx(1.92e11)
    # at 1e11 FLOP/s: 2.8422e7 s = 329 days > a day; the course's 600 s < an hour: depends
    j = ledger.judge(
        "training_in_data_centres", {"training_flop_per_s": 1e11, "course_training_s": 600}
    )
    assert j.verdict == ledger.DEPENDS and "329 days" in j.measured
    # at 1e14 FLOP/s: 2.84e4 s, under a day (86,400 s): does not hold
    j = ledger.judge(
        "training_in_data_centres", {"training_flop_per_s": 1e14, "course_training_s": 600}
    )
    assert j.verdict == ledger.DOES_NOT_HOLD
    with pytest.raises(ValueError, match="train_step_ms"):
        ledger.training_flop_per_s(1e8, 64, 0)


def test_the_firing_rate_against_random_on_the_reference_figures():
    # noise = √((0.012² + 0.007²)/3 + 0.874·0.126/900 + 0.921·0.079/900) = √2.675e-4 = 0.0164;
    # random leads by 0.047 > 2 × 0.0164: random kept more accuracy
    numbers = dict(
        firing_rate_mean=0.874,
        firing_rate_std=0.012,
        random_mean=0.921,
        random_std=0.007,
        seeds=3,
        validation_images=900,
    )
    j = ledger.judge("rarely_firing_neurons", numbers)
    assert j.verdict == ledger.DOES_NOT_HOLD and "random removal kept more" in j.measured
    # firing rate 0.96: leads by 0.039 > 2 × 0.0155: holds
    assert (
        ledger.judge("rarely_firing_neurons", {**numbers, "firing_rate_mean": 0.96}).verdict
        == ledger.HOLDS
    )


def test_the_closing_table_is_judged_from_the_recorded_numbers(build, monkeypatch):
    assert "not measured yet" in ledger.closing_table("smoke")
    monkeypatch.setattr(config, "profile_name", lambda: "smoke")
    ledger.record("08_tradeoff_explorer", "hundred_feet_blind", {"LTE p99": 0.3})
    row = next(r for r in ledger.closing_table("smoke").splitlines() if "100 feet" in r)
    assert "**does not hold**" in row and "LTE p99 0.3 s" in row
    ledger.record("08_tradeoff_explorer", "hundred_feet_blind", {"LTE p99": 1.5})  # 1.5 > 1.14
    row = next(r for r in ledger.closing_table("smoke").splitlines() if "100 feet" in r)
    assert "**holds**" in row and "LTE p99 1.5 s" in row
    ledger.clear("smoke")
    assert "not measured yet" in ledger.closing_table("smoke")


def test_a_claim_recorded_by_the_wrong_notebook_or_a_bad_number_is_refused(build):
    with pytest.raises(ValueError, match="tested by 08_tradeoff_explorer, not 06_network"):
        ledger.record("06_network", "hundred_feet_blind", {"LTE": 0.3})
    with pytest.raises(ValueError, match="not a claim of the ledger"):
        ledger.judge("no_such_claim", {"x": 1})
    with pytest.raises(ValueError, match="finite|not a number|infinite"):
        ledger.judge("hundred_feet_blind", {"LTE": float("nan")})


def test_only_the_posts_own_words_stand_in_quotation_marks():
    shown = {claim.id: claim.shown for claim in ledger.claims()}
    assert shown["ninety_feet_per_second"] == "“over 90 feet per second”"
    # the firing-rate idea is the course's wording of the post's idea, so no quotation marks
    assert shown["rarely_firing_neurons"] == "prune the neurons that rarely fire (paraphrased)"
    assert all(claim.wording in ("quote", "paraphrase") for claim in ledger.claims())
