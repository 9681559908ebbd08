"""The loopback inference server and the client that times it (a NumPy stand-in for the model)."""

import http.client
import io
import json

import numpy as np
import pytest
from PIL import Image

from utils import serving, serving_guards

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


# ---------------------------------------------------------------- hostile clients


def test_a_request_trickled_a_byte_at_a_time_is_cut_off_at_its_whole_deadline():
    import select
    import socket
    import time

    with serving.InferenceServer(predict, SIZE, timeout_s=0.5) as running:
        host, port = running.url.removeprefix("http://").split(":")
        client = socket.create_connection((host, int(port)), timeout=10)
        client.sendall(b"POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        sent = 0
        for _ in range(10):  # one byte every 0.2 s: each read waits 0.2 s < 0.5 s, the whole 2 s
            time.sleep(0.2)
            if select.select([client], [], [], 0)[0]:
                break  # the server has hung up
            try:
                client.sendall(b"x")
            except OSError:
                break
            sent += 1
        answer = client.recv(1024)
        client.close()
    # a timeout per read would have read all 10 bytes and answered 204; the deadline of 0.5 s
    # for the whole request ends it after 0.5 / 0.2 = about 2 bytes, with no answer
    assert answer == b"" and sent < 10


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "ICO", "TGA", "WEBP", "GIF"])
def test_only_jpeg_and_png_are_accepted_whatever_pillow_could_read(server, fmt):
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    status, body, _ = post(server.url, "/predict", encoded(image, fmt))
    assert status == 400 and b"not a JPEG or PNG" in body


def test_the_pixels_being_decoded_are_bounded_across_requests():
    image = encoded(np.zeros((SIZE, SIZE, 3), np.uint8))  # 16 x 16 = 256 pixels
    with serving.InferenceServer(
        predict, SIZE, max_pixels=256, max_decoding_pixels=300, timeout_s=0.2
    ) as running:
        budget = running._httpd.pixels
        assert budget.acquire(100, timeout=0)  # another request is decoding 100 pixels
        status, body, headers = post(running.url, "/predict", image)
        assert status == 503 and headers["Retry-After"] == "1"  # 100 + 256 > 300
        budget.release(100)
        assert post(running.url, "/predict", image)[0] == 200  # 0 + 256 <= 300
        assert budget.in_use == 0  # every decode gave its pixels back


def test_a_pixel_budget_admits_what_fits_and_wakes_a_waiter_on_release():
    import threading

    budget = serving_guards.PixelBudget(10)
    assert budget.acquire(6, timeout=0) and not budget.acquire(5, timeout=0)  # 6 + 5 > 10
    got = []
    waiter = threading.Thread(target=lambda: got.append(budget.acquire(5, timeout=30)))
    waiter.start()
    budget.release(6)  # 0 + 5 <= 10: the waiter gets in
    waiter.join()
    assert got == [True] and budget.in_use == 5


def test_out_of_file_handles_a_waiting_client_gets_503_and_the_server_backs_off(monkeypatch):
    import errno

    sleeps = []
    monkeypatch.setattr(serving_guards.time, "sleep", sleeps.append)

    class NoHandleOnce:
        """The listening socket, whose first accept fails as when the process has no handle."""

        def __init__(self, sock):
            self.sock, self.failed = sock, False

        def accept(self):
            if not self.failed:
                self.failed = True
                raise OSError(errno.EMFILE, "Too many open files")
            return self.sock.accept()

        def __getattr__(self, name):
            return getattr(self.sock, name)

    with serving.InferenceServer(predict, SIZE) as running:
        running._httpd.socket = NoHandleOnce(running._httpd.socket)
        status, body, headers = post(running.url, "/ping", b"")  # refused, not left hanging
        assert status == 503 and body == serving_guards.BUSY_BODY
        assert headers["Retry-After"] == "1"
        assert post(running.url, "/ping", b"")[0] == 204  # handles again: served
    assert sleeps == [0.01]  # one failed accept, one pause (a spin would retry at once)
