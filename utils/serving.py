"""Notebook 06 and appendix A9: a real inference server on 127.0.0.1, and a client that times it.

The server is the standard library's HTTP server, run in a background thread: ``POST /predict``
takes an encoded image (JPEG or PNG), decodes it, runs the model and answers with the class
probabilities as JSON, stating its own time in a ``Server-Timing`` header. ``POST /ping`` with
an empty body answers nothing at all (its round trip is the network and HTTP overhead alone),
and ``POST /sink`` swallows a body (to measure the link's bandwidth). Connections are
served by one thread each, but one inference runs at a time, like one model instance behind a
queue; the server has a real listen backlog, limits on body bytes and image pixels, a deadline
for a whole request, a bound on the pixels being decoded at once, and refuses gracefully (503)
when it runs out of file handles (see :class:`InferenceServer`). This is what TensorFlow Serving
or a LiteRT server does, in a few lines; a production server adds batching, many workers and
TLS.

:func:`time_requests` measures what :mod:`utils.latency` needs to predict the same requests:
the payload, the round trip of an empty request, the bandwidth and the server's time. The JPEG
encoder, :func:`encode_jpeg`, is :mod:`utils.latency.payload`'s, at its quality.
"""

from __future__ import annotations

import dataclasses
import http.client
import io
import json
import re
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Callable
from urllib.parse import urlsplit

import numpy as np
from PIL import Image, UnidentifiedImageError

from utils import measure, serving_guards, validate
from utils.latency.links import Network
from utils.latency.payload import encode_jpeg  # noqa: F401  (notebooks call serving.encode_jpeg)
from utils.latency.simulation import lognormal_shape, simulate_cloud

HOST = "127.0.0.1"


def camera_frame(width: int, height: int, seed: int = 0, difficulty: float = 0.5) -> np.ndarray:
    """A synthetic camera frame, ``height`` × ``width`` × 3 uint8: a course picture drawn at the
    frame's width by :func:`utils.imagegen.draw` (shapes, textures, blur and sensor-like noise),
    cropped to the frame's aspect ratio. It stands in for a photo only in size and texture."""
    from utils import imagegen

    side = max(width, height)
    picture = imagegen.draw(
        seed % len(imagegen.CLASSES), np.random.default_rng(seed), size=side, difficulty=difficulty
    )
    top, left = (side - height) // 2, (side - width) // 2
    return picture[top : top + height, left : left + width]


MAX_BODY_BYTES = 16 * 2**20  # a request body larger than 16 MiB is answered 413 unread
# more than an 8K frame (33 Mpx); read from the image header, before decoding
MAX_PIXELS = 40_000_000
# pixels being decoded at once, all requests together: one image at the limit (about 7 bytes a
# pixel at the peak of decoding a PNG with alpha to RGB: 280 MB), or many camera frames
MAX_DECODING_PIXELS = MAX_PIXELS
BACKLOG = 128  # connections the kernel holds while every thread is busy (the default is 5)
# a request (its line, headers and body) must arrive within this time, however it trickles in
TIMEOUT_S = 10.0
FORMATS = ("JPEG", "PNG")  # what /predict accepts, named by Pillow's header check
_CONTENT_LENGTH = re.compile(r"[0-9]{1,20}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves every request, no handshakes
    # TCP_NODELAY, as real servers set it: otherwise Nagle's algorithm holds a small write back
    # until the client's delayed ACK (up to 40 ms on Linux) arrives
    disable_nagle_algorithm = True

    def setup(self):
        # a slow reader of the answer is cut off after timeout_s; a slow sender: handle_one_request
        self.timeout = self.server.timeout_s
        super().setup()
        self.rfile = io.BufferedReader(serving_guards.DeadlineReader(self.connection, self))

    def handle_one_request(self):
        # the whole request, from waiting for its first line to the body's last byte, has
        # timeout_s; past it BaseHTTPRequestHandler catches the TimeoutError and hangs up
        self.deadline = time.monotonic() + self.server.timeout_s
        super().handle_one_request()

    def log_message(self, *args):  # quiet: the notebook prints what matters
        pass

    def _answer(
        self, status: int, body: bytes = b"", headers: dict | None = None, close: bool = False
    ) -> None:
        self.connection.settimeout(self.server.timeout_s)  # the reads' deadline is over
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:  # an unread or broken body stays in the stream: this connection is done
            self.send_header("Connection", "close")
            self.close_connection = True
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse_method(self):
        self._answer(405, b"use POST /predict, /ping or /sink", {"Allow": "POST"}, close=True)

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _length(self) -> int | None:
        """The body's declared length; None once a missing, invalid or too large one is answered."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._answer(411, b"send the body with a Content-Length, not chunked", close=True)
            return None
        values = {v.strip() for v in self.headers.get_all("Content-Length", [])}
        if not values:
            self._answer(411, b"send a Content-Length header", close=True)
            return None
        text = values.pop()
        if values or not _CONTENT_LENGTH.fullmatch(text):
            self._answer(
                400, b"Content-Length must be one whole number of bytes, 0 or more", close=True
            )
            return None
        if int(text) > self.server.max_body_bytes:
            self._answer(
                413,
                f"the body may be at most {self.server.max_body_bytes} bytes".encode(),
                close=True,
            )
            return None
        return int(text)

    def do_POST(self):
        length = self._length()
        if length is None:
            return
        body = self.rfile.read(length)
        if len(body) < length:
            self._answer(400, b"the body is shorter than its Content-Length", close=True)
            return
        if self.path in ("/ping", "/sink"):
            self._answer(204)
            return
        if self.path != "/predict":
            self._answer(404, b"use POST /predict, /ping or /sink")
            return
        start = time.perf_counter()
        try:
            # reads the header only, and only with the JPEG and PNG parsers (a TIFF, BMP, ICO,
            # TGA, GIF or WebP is not identified; MPO is a phone's JPEG with extra pictures)
            picture = Image.open(io.BytesIO(body), formats=FORMATS)
            width, height = picture.size
        except Image.DecompressionBombError:
            width = height = None
        except (UnidentifiedImageError, OSError, ValueError):
            self._answer(400, b"the request body is not a JPEG or PNG image")
            return
        if width is None or width * height > self.server.max_pixels:
            self._answer(
                413, f"the image may have at most {self.server.max_pixels} pixels".encode()
            )
            return
        pixels = width * height
        if not self.server.pixels.acquire(pixels, self.server.timeout_s):
            self._answer(503, b"the server is decoding other images: retry", {"Retry-After": "1"})
            return
        try:
            images = self._decode(picture)
        except (OSError, ValueError, Image.DecompressionBombError):
            self._answer(400, b"the image cannot be decoded (truncated or damaged)")
            return
        finally:
            self.server.pixels.release(pixels)
        try:
            # one inference at a time: the model instance is the queue's server
            with self.server.lock:
                probabilities = np.asarray(self.server.predict(images))[0]
        except Exception as error:  # the model failed: say so rather than drop the connection
            self._answer(500, f"the model failed: {type(error).__name__}".encode())
            return
        answer = json.dumps(
            {
                "label": int(np.argmax(probabilities)),
                "probabilities": [round(float(p), 6) for p in probabilities],
            }
        ).encode()
        server_ms = (time.perf_counter() - start) * 1000
        self._answer(
            200,
            answer,
            {"Content-Type": "application/json", "Server-Timing": f"inference;dur={server_ms:.4f}"},
        )

    def _decode(self, picture: Image.Image) -> np.ndarray:
        """The model's input, ``[1, size, size, 3]`` in [0, 1], from a checked picture."""
        picture = picture.convert("RGB")
        size = self.server.image_size
        if picture.size != (size, size):
            picture = picture.resize((size, size), Image.BILINEAR)
        return np.asarray(picture, np.float32)[None] / 255.0


class _Server(serving_guards.RefusingServer):
    request_queue_size = BACKLOG  # listen(128): a burst of connections waits instead of being reset
    daemon_threads = True  # a connection's thread never keeps the program alive


class InferenceServer:
    """``with InferenceServer(predict, image_size) as server:`` serves ``predict`` at
    ``server.url``.

    ``predict`` takes float images ``[N, H, W, 3]`` in [0, 1] and returns class probabilities
    ``[N, classes]`` (e.g. ``quantization.LiteModel(...).predict``). It listens on 127.0.0.1 only,
    on a free port unless ``port`` is given, one thread per connection. It answers 413 to a body
    over ``max_body_bytes`` or an image over ``max_pixels`` (read from its header, before any
    decoding), 400 to anything but a JPEG or PNG (:data:`FORMATS`, from the header), 411/400 to a
    missing or invalid Content-Length, 405 to anything but POST, 503 when the pixels being decoded
    would exceed ``max_decoding_pixels`` for ``timeout_s`` or it is out of file handles, and
    disconnects a client whose request has not arrived whole within ``timeout_s``.
    """

    def __init__(
        self,
        predict: Callable[[np.ndarray], np.ndarray],
        image_size: int,
        port: int = 0,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_pixels: int = MAX_PIXELS,
        timeout_s: float = TIMEOUT_S,
        max_decoding_pixels: int = MAX_DECODING_PIXELS,
    ):
        validate.whole(image_size=image_size, max_body_bytes=max_body_bytes, max_pixels=max_pixels)
        validate.whole(port=port, minimum=0)
        validate.whole(max_decoding_pixels=max_decoding_pixels, minimum=max_pixels)
        validate.positive(timeout_s=timeout_s)
        self._httpd = _Server((HOST, port), _Handler)
        self._httpd.predict, self._httpd.image_size = predict, image_size
        self._httpd.max_body_bytes, self._httpd.max_pixels = max_body_bytes, max_pixels
        self._httpd.timeout_s = timeout_s
        self._httpd.lock = threading.Lock()
        self._httpd.pixels = serving_guards.PixelBudget(max_decoding_pixels)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "InferenceServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


@dataclasses.dataclass(frozen=True)
class Measurement:
    """Timed requests to a server: everything in ms, except the sizes (bytes) and bandwidth."""

    end_to_end_ms: np.ndarray  # request sent → whole answer read, per request
    server_ms: np.ndarray  # decode + inference on the server, per request (its Server-Timing)
    empty_rtt_ms: np.ndarray  # round trip of an empty request, per request
    payload_bytes: int
    result_bytes: int
    bandwidth_mbps: float  # of the link, from a large upload

    @property
    def median_ms(self) -> float:
        return float(np.median(self.end_to_end_ms))

    def network(self) -> Network:
        """The measured link as a :class:`~utils.latency.links.Network` (jitter: see
        :meth:`jitter`)."""
        return Network(
            "loopback (measured)",
            self.bandwidth_mbps,
            self.bandwidth_mbps,
            float(np.median(self.empty_rtt_ms)),
            0.0,
            "measured here on 127.0.0.1",
        )

    def jitter(self) -> float:
        """The lognormal shape that fits the empty round trips' median and p95."""
        p50, p95 = measure.percentile(self.empty_rtt_ms, [50, 95])
        return lognormal_shape(p50, p95)

    def simulated(self, n: int = 10_000, seed: int = 0) -> np.ndarray:
        """The simulator's latencies for the same payload, link and server time."""
        return simulate_cloud(
            self.payload_bytes,
            self.network(),
            float(np.median(self.server_ms)),
            n,
            seed,
            result_bytes=self.result_bytes,
            jitter=self.jitter(),
            server_p95_ms=measure.percentile(self.server_ms, 95),
        )


def _connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.port:
        raise ValueError(
            f"{url!r} is not a server address like 'http://127.0.0.1:8000'; use "
            "InferenceServer(...).url."
        )
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the server does
    return connection


def _exchange(
    connection, method: str, path: str, body: bytes | None
) -> tuple[float, object, bytes]:
    start = time.perf_counter()
    connection.request(method, path, body=body)
    response = connection.getresponse()
    data = response.read()
    return (time.perf_counter() - start) * 1000, response, data


def time_requests(
    url: str, payload: bytes, n: int, warmup: int = 5, bulk_bytes: int = 4_000_000
) -> Measurement:
    """Send ``payload`` (an encoded image) to ``url``/predict ``n`` times, one after another on
    one connection, each preceded by an empty request; time both end to end. The link's
    bandwidth comes from three uploads of ``bulk_bytes`` (their time less an empty round trip)."""
    if n < 2:
        raise ValueError(f"n={n!r}: a median and p95 need at least 2 timed requests.")
    connection = _connect(url)
    try:
        for _ in range(warmup):
            _exchange(connection, "POST", "/ping", b"")
            _exchange(connection, "POST", "/predict", payload)
        end_to_end, server, empty = [], [], []
        result_bytes = 0
        for _ in range(n):
            empty.append(_exchange(connection, "POST", "/ping", b"")[0])
            elapsed, response, data = _exchange(connection, "POST", "/predict", payload)
            if response.status != 200:
                raise ValueError(
                    f"The server refused the payload ({response.status}: "
                    f"{data.decode(errors='replace')}); send a JPEG or PNG image."
                )
            end_to_end.append(elapsed)
            server.append(float(response.getheader("Server-Timing").split("dur=")[1]))
            result_bytes = len(data)
        bulk = b"\0" * bulk_bytes
        uploads = [_exchange(connection, "POST", "/sink", bulk)[0] for _ in range(3)]
    finally:
        connection.close()
    transfer_ms = max(statistics.median(uploads) - statistics.median(empty), 1e-3)
    return Measurement(
        np.array(end_to_end),
        np.array(server),
        np.array(empty),
        len(payload),
        result_bytes,
        bulk_bytes * 8 / (transfer_ms * 1e3),
    )
