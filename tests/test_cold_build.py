"""The cold-build benchmark's bookkeeping (benchmarks/cold_build.py, build_phases.py): each second
charged to the innermost phase, the rest to "other", and the before/after table. Nothing is
timed: a fake clock ticks by hand."""

from benchmarks import build_phases, cold_build


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_every_phase_adds_its_seconds_and_the_rest_is_other():
    clock = Clock()
    phases = build_phases.Phases(clock)

    def fit():
        clock.now += 3  # 3 s of training steps

    def prune():
        clock.now += 1  # 1 s in prune itself
        fit()
        clock.now += 2  # and 2 s more after the fit

    fit_hooked = phases.wrap("training steps", fit)
    outer = phases.wrap("conversion", prune)
    fit_hooked()  # 3 s alone
    outer()  # prune's own 1 + 2 s; its inner fit is not wrapped here, so all 6 s are conversion
    report = phases.report(total=10.0)
    assert report["training steps"] == {"seconds": 3.0, "calls": 1}
    assert report["conversion"]["seconds"] == 6.0
    assert report["other"]["seconds"] == 1.0  # 10 - 3 - 6


def test_the_outer_phase_pauses_while_an_inner_one_runs():
    clock = Clock()
    phases = build_phases.Phases(clock)
    inner = phases.wrap("training steps", lambda: setattr(clock, "now", clock.now + 5))

    def sweep():
        clock.now += 1
        inner()  # 5 s, charged to training steps
        clock.now += 1

    phases.wrap("evaluation", sweep)()
    report = phases.report(total=7.0)
    # 1 + 1 s of the sweep itself, 5 s of the inner fit: 7 s in all, nothing left over
    assert report["evaluation"]["seconds"] == 2.0
    assert report["training steps"]["seconds"] == 5.0
    assert report["other"]["seconds"] == 0.0


def test_the_table_compares_before_and_after():
    before = {
        "artifacts": {"training.model": {"seconds": 200.0}, "pruning.sweep": {"seconds": 100}}
    }
    after = {
        "artifacts": {
            "training.model": {
                "seconds": 100.0,
                "cpu_seconds": 190.0,
                "phases": {"training steps": {"seconds": 80.0}},
            },
            "pruning.sweep": {"seconds": 50.0, "cpu_seconds": 60.0, "phases": {}},
        }
    }
    lines = cold_build.table(after, before).splitlines()
    # 100 / 200 = 0.50; training steps 80 of 100 s = 80 %
    # no CPU seconds before; after, 190 CPU s for training.model
    assert "| training.model | 200 | 100 | 0.50 | – | 190 | training steps 80 % |" in lines
    # 200 + 100, 100 + 50; CPU: none before, 190 + 60 after
    assert lines[-1].startswith("| **total** | 300 | 150 | 0.50 | 0 | 250 |")


def test_a_cpu_clock_charges_cpu_seconds_to_the_same_phases():
    clock, cpu = Clock(), Clock()
    phases = build_phases.Phases(clock, cpu_clock=cpu)

    def fit():
        clock.now += 3  # 3 s of wall time, in which two threads computed: 6 CPU s
        cpu.now += 6

    phases.wrap("training steps", fit)()
    cpu.now += 1  # 1 CPU s outside any phase
    clock.now += 1
    report = phases.report(total=4.0, cpu_total=7.0)
    assert report["training steps"] == {"seconds": 3.0, "cpu_seconds": 6.0, "calls": 1}
    assert report["other"] == {"seconds": 1.0, "cpu_seconds": 1.0}  # 4 - 3 s, 7 - 6 CPU s
