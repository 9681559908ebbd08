"""utils.inference: memory by hand, a sweep with a fake clock, break-even arithmetic, bad input."""

import math

import numpy as np
import pytest
import tf_keras as keras

from utils import inference, measure


def tiny_model():
    """A model small enough to count by hand (numbers per example, batch left out):

    input 4x4x2 = 32 · conv 4x4x3 = 48 · batchnorm 48 · relu 48 · pool 2x2x3 = 12 · flatten 12 ·
    dense 5. Parameters: conv 3*3*2*3 + 3 = 57, batchnorm 4*3 = 12 (6 trainable), dense 12*5 + 5
    = 65: 134 in all, 128 trainable.
    """
    return keras.Sequential(
        [
            keras.Input((4, 4, 2)),
            keras.layers.Conv2D(3, 3, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(5),
        ]
    )


def test_activation_sizes_list_the_input_and_every_layer():
    sizes = [values for _, values in inference.activation_sizes(tiny_model())]
    assert sizes == [32, 48, 48, 48, 12, 12, 5]


def test_memory_budget_matches_the_hand_count():
    budget = inference.memory_budget(tiny_model(), batch_size=10)
    assert budget["training"] == {
        "parameters": 134 * 4,
        "gradients": 128 * 4,
        "optimizer state": 2 * 128 * 4,  # Adam: two moments per trainable weight
        "activations": (32 + 48 + 48 + 48 + 12 + 12 + 5) * 10 * 4,  # all kept for backward
    }
    assert budget["inference"] == {
        "parameters": 134 * 4,
        "gradients": 0,
        "optimizer state": 0,
        "activations": (48 + 48) * 10 * 4,  # the largest consecutive pair: conv → batchnorm
    }


def test_activations_grow_with_the_batch_and_weights_do_not():
    one, many = (inference.memory_budget(tiny_model(), b) for b in (1, 64))
    for phase in ("training", "inference"):
        assert many[phase]["activations"] == 64 * one[phase]["activations"]
        assert many[phase]["parameters"] == one[phase]["parameters"]


def test_frozen_layers_need_no_gradients_or_optimizer_state():
    model = tiny_model()
    model.layers[0].trainable = False  # the convolution: 57 weights fewer to train
    training = inference.memory_budget(model, 1)["training"]
    assert training["gradients"] == (128 - 57) * 4
    assert training["optimizer state"] == 2 * (128 - 57) * 4
    assert training["parameters"] == 134 * 4


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_memory_budget_refuses_a_batch_that_is_not_a_count(batch_size):
    with pytest.raises(ValueError, match="at least 1 example"):
        inference.memory_budget(tiny_model(), batch_size)


class FakeClock:
    """perf_counter for time_calls; the fake call advances it by 1 ms + 0.1 ms per image."""

    def __init__(self):
        self.now = 0.0
        self.shapes = []

    def perf_counter(self):
        return self.now

    def call(self, images):
        self.shapes.append(images.shape)
        self.now += (1.0 + 0.1 * len(images)) / 1000


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(measure.time, "perf_counter", fake.perf_counter)
    return fake


def test_batch_sweep_times_every_batch_size_in_order(clock):
    sizes = [1, 2, 4, 8, 16, 32]
    sweep = inference.batch_sweep(clock.call, sizes, image_size=5, runs=10, warmup=2)
    assert [p.batch_size for p in sweep] == sizes
    for point in sweep:
        assert point.latency_ms == pytest.approx(1.0 + 0.1 * point.batch_size)
        assert point.images_per_s == pytest.approx(
            point.batch_size / (1.0 + 0.1 * point.batch_size) * 1000
        )
    latencies = [p.latency_ms for p in sweep]
    rates = [p.images_per_s for p in sweep]
    assert latencies == sorted(latencies) and rates == sorted(rates)  # both grow with the batch
    # the call saw whole batches of the right shape: warm-up and timed calls, per batch size
    expected = [(b, 5, 5, 3) for b in sizes for _ in range(sum(inference.runs_for(b, 10, 2)))]
    assert clock.shapes == expected


def test_big_batches_get_fewer_runs_but_never_too_few():
    counts = [inference.runs_for(b, runs=50, warmup=5) for b in inference.powers_of_two(256)]
    timed, warm = zip(*counts)
    assert timed[0] == 50 and warm[0] == 5  # small batches: everything asked for
    assert list(timed) == sorted(timed, reverse=True) and list(warm) == sorted(warm, reverse=True)
    assert min(timed) >= 3 and min(warm) >= 1 and timed[-1] < 50


def test_powers_of_two_up_to_the_largest():
    assert inference.powers_of_two(64) == [1, 2, 4, 8, 16, 32, 64]
    assert inference.powers_of_two(100) == [1, 2, 4, 8, 16, 32, 64]
    assert inference.powers_of_two(1) == [1]
    with pytest.raises(ValueError, match="smallest batch is 1"):
        inference.powers_of_two(0)


@pytest.mark.parametrize(
    "sizes, says",
    [([], "batch_sizes is empty"), ([1, 0, 4], "batch size 0"), ([-2], "batch size -2")],
)
def test_batch_sweep_refuses_bad_batch_sizes(sizes, says):
    with pytest.raises(ValueError, match=says):
        inference.batch_sweep(lambda x: x, sizes, image_size=4, runs=3, warmup=1)


def test_training_and_inference_flops_by_hand():
    # 1,000 images seen in training, 100 FLOPs forward: 3 x 100 x 1,000
    assert inference.training_flops(100, 1000) == 300_000
    assert inference.training_flops(100, 1000, backward_factor=2) == 200_000
    # 5 predictions a day by 20 users for 3 days: 300 forward passes
    assert inference.inference_flops(100, 5, 20, 3) == 30_000


def test_break_even_day_by_hand():
    # training 300,000 FLOPs; a day of inference 100 x 5 x 20 = 10,000 FLOPs
    assert inference.break_even_days(300_000, 100, 5, 20) == pytest.approx(30)
    assert inference.break_even_days(300_000, 100, 50, 2_000) == pytest.approx(0.03)
    days = inference.break_even_days(300_000, 100, 5, 20)
    assert inference.inference_flops(100, 5, 20, days) == pytest.approx(300_000)


def test_nobody_using_the_model_never_breaks_even():
    assert inference.break_even_days(300_000, 100, 5, 0) == math.inf


@pytest.mark.parametrize(
    "args, says",
    [
        ((-1, 100, 5, 20), "training_flops"),
        ((300, 100, -5, 20), "predictions_per_user_per_day"),
        ((300, 100, 5, -20), "users"),
    ],
)
def test_break_even_refuses_negative_numbers(args, says):
    with pytest.raises(ValueError, match=f"{says}=.* must not be negative"):
        inference.break_even_days(*args)


def test_memory_budget_of_the_course_model_is_dominated_by_training_activations():
    from utils import training

    budget = inference.memory_budget(training.small_cnn(3, 64), 64)
    t, i = budget["training"], budget["inference"]
    assert t["activations"] > 10 * t["parameters"]
    assert sum(t.values()) > 2 * sum(i.values())
    assert np.isclose(t["optimizer state"], 2 * t["gradients"])


@pytest.mark.parametrize(
    "days, says",
    [
        (0, "0 s"),
        (0.0005, "43 s"),
        (0.02, "28.8 minutes"),
        (0.5, "12 hours"),
        (1, "1 day"),
        (37.2, "37.2 days"),
        (400, "1.1 years"),
        (1e6, "2,740 years"),
        (math.inf, "never"),
    ],
)
def test_durations_read_in_the_unit_a_person_would_use(days, says):
    assert inference.readable_days(days) == says


def test_a_single_image_inference_is_one_image_alone(clock):
    batch = np.zeros((64, 5, 5, 3), np.float32)
    run = inference.single_image_call(clock.call, batch)
    run()
    assert clock.shapes == [(1, 5, 5, 3)]  # a batch of 1, not a share of the batch of 64
    assert "one image alone, batch 1" in inference.SINGLE_IMAGE
    with pytest.raises(ValueError, match="needs one image"):
        inference.single_image_call(clock.call, batch[:0])


def test_single_images_in_a_duration():
    assert inference.single_images_in(1500, 0.5) == 3000
    with pytest.raises(ValueError, match="measured, positive time"):
        inference.single_images_in(1500, 0)


def test_flops_cancel_in_the_break_even():
    # 6,000 images x 15 epochs: 270,000 predictions, whatever the model's FLOPs
    assert inference.break_even_requests(6000 * 15) == 270_000
    for forward in (1e3, 5e7, 3e11):
        training = inference.training_flops(forward, 6000 * 15)
        days = inference.break_even_days(training, forward, 100, 27)  # 2,700 predictions a day
        assert days == pytest.approx(100)
        assert days * 100 * 27 == pytest.approx(inference.break_even_requests(6000 * 15))
    with pytest.raises(ValueError, match="must not be negative"):
        inference.break_even_requests(-1)


def test_the_published_shares_at_scale_are_sourced_and_add_up():
    rows = inference.at_scale()
    assert {r["operator"] for r in rows} >= {"Google", "Facebook (Meta)"}
    for row in rows:
        assert row["source"] and row["quote"] and row["what_was_measured"]
        assert 0 < row["inference_share"] < 1
        assert row["inference_share"] + row["training_share"] + row["other_share"] == pytest.approx(
            1
        )


class FakeTrainee:
    """train_on_batch advances the fake clock by 9 ms and notes what it was given."""

    def __init__(self, clock):
        self.clock, self.batches = clock, []

    def train_on_batch(self, images, labels):
        self.batches.append((images.shape, tuple(labels)))
        self.clock.now += 9 / 1000


def test_a_training_step_in_inferences_is_timed_against_the_same_batch(clock, monkeypatch):
    # the forward pass is the fake clock's call: 1 ms + 0.1 ms per image, so 1 + 0.1 * 20 = 3 ms
    # on the batch of 20 and 1.1 ms on one image; the step takes 9 ms: 9 / 3 = 3 forward passes
    monkeypatch.setattr(inference, "compiled_forward", lambda model: clock.call)
    trainee = FakeTrainee(clock)
    images, labels = np.zeros((20, 5, 5, 3), np.float32), np.arange(20) % 3
    timed = inference.step_against_inference(trainee, None, images, labels, runs=4, warmup=1)
    assert timed.train_step.median_ms == pytest.approx(9)
    assert timed.forward_pass.median_ms == pytest.approx(3)
    assert timed.single_image.median_ms == pytest.approx(1.1)
    assert timed.ratio == pytest.approx(3)
    assert set(clock.shapes) == {(20, 5, 5, 3), (1, 5, 5, 3)}  # the batch, and one image alone
    assert set(trainee.batches) == {((20, 5, 5, 3), tuple(labels))}  # the same batch, its labels


def test_the_compiled_forward_pass_is_the_model_in_inference_mode():
    # BatchNormalization uses its moving statistics only with training=False: after one step
    # of training they differ from the batch's, so the two modes give different outputs
    model = tiny_model()
    model.compile(optimizer="sgd", loss="mse")
    images = np.random.default_rng(0).random((6, 4, 4, 2), dtype=np.float32)
    model.train_on_batch(images, np.zeros((6, 5), np.float32))
    forward = inference.compiled_forward(model)
    assert np.allclose(forward(images), model(images, training=False), atol=1e-6)
    assert not np.allclose(forward(images), model(images, training=True), atol=1e-3)
