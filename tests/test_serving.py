"""The loopback inference server and the client that times it (a NumPy stand-in for the model)."""

import http.client
import io
import json

import numpy as np
import pytest
from PIL import Image

from utils import serving

SIZE = 16
WEIGHTS = np.random.default_rng(0).standard_normal((SIZE * SIZE * 3, 3)).astype(np.float32)


def predict(images):
    logits = images.reshape(len(images), -1) @ WEIGHTS
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def encoded(image: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server():
    with serving.InferenceServer(predict, SIZE) as running:
        yield running


def post(url: str, path: str, body: bytes) -> tuple[int, bytes, dict]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", path, body=body)
    response = connection.getresponse()
    answer = response.status, response.read(), dict(response.getheaders())
    connection.close()
    return answer


def test_the_server_answers_with_the_models_prediction(server):
    image = np.random.default_rng(1).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    status, body, headers = post(server.url, "/predict", encoded(image))
    assert status == 200 and server.url.startswith("http://127.0.0.1:")
    answer = json.loads(body)
    expected = predict(image[None].astype(np.float32) / 255)[0]
    assert answer["label"] == int(np.argmax(expected))
    assert np.allclose(answer["probabilities"], expected, atol=1e-5)
    assert float(headers["Server-Timing"].split("dur=")[1]) > 0


def test_a_bigger_image_is_resized_to_the_models_input(server):
    image = np.full((4 * SIZE, 4 * SIZE, 3), 200, np.uint8)
    status, body, _ = post(server.url, "/predict", encoded(image, "JPEG"))
    assert status == 200 and len(json.loads(body)["probabilities"]) == 3


def test_a_body_that_is_not_an_image_is_refused(server):
    status, body, _ = post(server.url, "/predict", b"not an image")
    assert status == 400 and b"not a JPEG or PNG" in body


def test_time_requests_measures_what_the_simulator_needs(server):
    payload = encoded(np.zeros((SIZE, SIZE, 3), np.uint8))
    measured = serving.time_requests(server.url, payload, n=20, warmup=2, bulk_bytes=200_000)
    assert (
        measured.end_to_end_ms.shape
        == measured.server_ms.shape
        == measured.empty_rtt_ms.shape
        == (20,)
    )
    assert measured.payload_bytes == len(payload) and measured.result_bytes > 20
    assert np.all(measured.server_ms > 0) and np.all(measured.server_ms < measured.end_to_end_ms)
    assert measured.bandwidth_mbps > 0
    link = measured.network()
    assert link.rtt_ms == pytest.approx(np.median(measured.empty_rtt_ms)) and link.loss == 0
    simulated = measured.simulated(n=500)
    assert simulated.shape == (500,) and np.all(simulated > link.rtt_ms * 0.1)


def test_time_requests_names_a_refused_payload(server):
    with pytest.raises(ValueError, match="refused the payload.*send a JPEG or PNG"):
        serving.time_requests(server.url, b"garbage", n=2, warmup=0)


@pytest.mark.parametrize("url", ["127.0.0.1:80", "https://127.0.0.1:443", "http://127.0.0.1"])
def test_a_bad_address_is_named(url):
    with pytest.raises(ValueError, match="is not a server address"):
        serving.time_requests(url, b"", n=2)


def test_too_few_requests_for_a_median_and_p95(server):
    with pytest.raises(ValueError, match="at least 2"):
        serving.time_requests(server.url, b"", n=1)


def test_the_server_stops_when_the_block_ends():
    with serving.InferenceServer(predict, SIZE) as running:
        url = running.url
    with pytest.raises(OSError):
        post(url, "/ping", b"")


def test_jpeg_quality_trades_bytes_for_fidelity():
    frame = serving.camera_frame(320, 180, seed=2)
    assert frame.shape == (180, 320, 3) and frame.dtype == np.uint8
    low, high = serving.encode_jpeg(frame, 20), serving.encode_jpeg(frame, 90)
    assert len(low) < len(high) < frame.size  # smaller than the raw pixels, more at higher quality
    decoded = np.asarray(Image.open(io.BytesIO(high)))
    assert decoded.shape == frame.shape and np.abs(decoded.astype(int) - frame).mean() < 10
    with pytest.raises(ValueError, match="runs from 1 to 95"):
        serving.encode_jpeg(frame, 100)


def test_limits_are_the_servers_own_and_a_body_over_them_is_413():
    with serving.InferenceServer(
        predict, SIZE, max_body_bytes=1000, max_pixels=SIZE * SIZE
    ) as small:
        status, body, headers = post(small.url, "/sink", b"\0" * 1001)
        assert status == 413 and headers["Connection"] == "close"
        assert post(small.url, "/sink", b"\0" * 1000)[0] == 204
        big = encoded(np.zeros((SIZE, SIZE + 1, 3), np.uint8))
        assert post(small.url, "/predict", big)[0] == 413  # one pixel column over
        assert post(small.url, "/predict", encoded(np.zeros((SIZE, SIZE, 3), np.uint8)))[0] == 200


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_methods_other_than_post_are_405_with_allow(server, method):
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, "/predict")
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 405 and response.getheader("Allow") == "POST"


def test_a_truncated_image_is_400_not_a_dropped_connection(server):
    data = encoded(
        np.random.default_rng(3).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8), "JPEG"
    )
    status, body, _ = post(server.url, "/predict", data[: len(data) // 2])
    assert status == 400


def test_a_failing_model_is_500_not_a_dropped_connection():
    def broken(images):
        raise RuntimeError("out of memory")

    with serving.InferenceServer(broken, SIZE) as running:
        status, body, _ = post(
            running.url, "/predict", encoded(np.zeros((SIZE, SIZE, 3), np.uint8))
        )
    assert status == 500 and b"RuntimeError" in body


@pytest.mark.parametrize("bad", [dict(max_pixels=0), dict(timeout_s=float("nan")), dict(port=-1)])
def test_invalid_limits_are_refused(bad):
    with pytest.raises(ValueError):
        serving.InferenceServer(predict, SIZE, **bad)
