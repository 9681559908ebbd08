"""Predictions: graded on being made (exercises.check_prediction), revealed beside the
measurement (verdicts.reveal). Expectations worked out by hand."""

import pytest

from utils import exercises, verdicts


@pytest.mark.parametrize("made", [3, 0.5, 0, -2.0])
def test_any_number_is_a_prediction(made, capsys):
    exercises.check_prediction(made)
    assert "Prediction recorded" in capsys.readouterr().out


@pytest.mark.parametrize("missing", [None, ..., "three", float("nan"), float("inf"), True])
def test_no_prediction_is_not_yet(missing):
    with pytest.raises(exercises.NotYet):
        exercises.check_prediction(missing)


def test_bounds_refuse_impossible_guesses_only():
    exercises.check_prediction(0.9, low=0, high=1)
    with pytest.raises(exercises.NotYet, match="between 0 and 1"):
        exercises.check_prediction(1.5, low=0, high=1)
    with pytest.raises(exercises.NotYet, match="at least 0"):
        exercises.check_prediction(-1, low=0)


def test_choices_ignore_case_and_spaces(capsys):
    exercises.check_prediction(" Faster", choices=("faster", "slower"))
    assert "'Faster'" in capsys.readouterr().out
    with pytest.raises(exercises.NotYet, match="'faster', 'slower'"):
        exercises.check_prediction("quicker", choices=("faster", "slower"))
    with pytest.raises(exercises.NotYet):
        exercises.check_prediction(1, choices=("faster", "slower"))


def test_reveal_numbers_says_by_how_much():
    v = verdicts.reveal("Pruned file size", 4, 10, unit="kB", why=("gzip needs runs of zeros",))
    # 10 - 4 = 6 kB; 10 / 4 = 2.5
    assert "You predicted 4 kB" in v.text and "measured 10 kB" in v.text
    assert "off by 6 kB" in v.text and "2.5× your guess" in v.text
    assert v.agrees is False and "gzip needs runs of zeros" in v.text


def test_reveal_smaller_than_guess_and_close_guess():
    v = verdicts.reveal("p99", 200, 50, unit="ms")
    assert "4× smaller than your guess" in v.text and "off by 150 ms" in v.text
    close = verdicts.reveal("p99", 100, 110, unit="ms", why=("never shown when close",))
    assert close.agrees is True and "never shown" not in close.text  # 10 % off


def test_reveal_exact_and_choices():
    assert "exactly right" in verdicts.reveal("x", 2, 2).text
    same = verdicts.reveal("int8 here", "faster", "Faster")
    assert same.agrees is True and "the same" in same.text
    other = verdicts.reveal("int8 here", "faster", "slower", why=("no VNNI",))
    assert other.agrees is False and "*slower*" in other.text and "no VNNI" in other.text


def test_reveal_refuses_a_missing_measurement():
    with pytest.raises(ValueError, match="measurement"):
        verdicts.reveal("x", 1, float("nan"))


@pytest.fixture
def fresh_kernel(monkeypatch):
    """A kernel session in which nothing has been revealed yet."""
    from utils.verdicts import predictions

    monkeypatch.setattr(predictions, "_REVEALED", {})


def test_a_revealed_guess_is_frozen(fresh_kernel, capsys):
    exercises.check_prediction(4, low=1, question="predicted_gain")
    verdicts.reveal("gain", 4, 10, question="predicted_gain")
    exercises.check_prediction(4, low=1, question="predicted_gain")  # the same guess: fine
    assert capsys.readouterr().out.count("Prediction recorded") == 2
    with pytest.raises(exercises.NotYet, match=r"`predicted_gain` was 4 .* set it back to 4"):
        exercises.check_prediction(10, low=1, question="predicted_gain")


def test_the_reveal_shows_the_first_guess_after_a_change(fresh_kernel):
    first = verdicts.reveal("gain", 4, 10, question="predicted_gain")
    again = verdicts.reveal("gain", 9.5, 10, question="predicted_gain")
    # the second reveal judges the first guess, 4 (2.5× off), not the edited 9.5 (5 % off)
    assert "You predicted 4" in again.text and again.agrees is first.agrees is False
    assert "changed `predicted_gain` to 9.5 after its reveal; the first guess, 4, stands" in (
        again.headline
    )


def test_freezing_is_per_question_and_choices_ignore_case(fresh_kernel):
    verdicts.reveal("int8", "faster", "slower", question="predicted_speed")
    exercises.check_prediction(" Faster", choices=("faster", "slower"), question="predicted_speed")
    exercises.check_prediction(3, question="predicted_other")  # never revealed: free to change
    exercises.check_prediction(5, question="predicted_other")
    with pytest.raises(exercises.NotYet, match="frozen"):
        exercises.check_prediction(
            "slower", choices=("faster", "slower"), question="predicted_speed"
        )


def test_without_a_question_nothing_is_frozen(fresh_kernel):
    verdicts.reveal("gain", 4, 10)
    exercises.check_prediction(10, low=1)
    assert verdicts.reveal("gain", 10, 10).agrees is True
