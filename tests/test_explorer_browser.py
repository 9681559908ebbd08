"""Notebook 08 served as an app (``python -m utils.explorer``, what ``make explore`` runs) and
used in a real browser: Debian's Chromium, headless, driven by Playwright (no browser is
downloaded). The widgets appear, sliders move, the sentences and plots follow, the page shows no
code and cannot run any, and a screenshot is left in build/explorer.png.

Like nbval, this test uses the real build/ folder in the smoke profile: ``make test`` runs it
after nbval, so Voilà finds the dataset, model, sweep and grid that nbval cached there; from a
clean checkout it builds them first (minutes).
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from utils import config

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD = config.ROOT / "build"
SCREENSHOT = BUILD / "explorer.png"
STARTUP_S = 1200  # from a clean checkout the app first builds the smoke artifacts
WIDGETS_S = 600  # Voilà runs the whole notebook before the widgets appear
CHANGE_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"The explorer app exited ({server.returncode}) before serving:\n"
                f"{log.read_text()[-3000:]}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(
        f"The explorer app did not listen on port {port} within {STARTUP_S} s:\n"
        f"{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def environment():
    """The real build/ folder and the smoke profile, for this process and the app."""
    saved = {name: os.environ.get(name) for name in ("COURSE_BUILD_DIR", "COURSE_PROFILE")}
    os.environ.update(COURSE_BUILD_DIR=str(BUILD), COURSE_PROFILE="smoke")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def server(environment, tmp_path_factory):
    """The app on a free port of 127.0.0.1, stopped (with its kernels) after the tests."""
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with open(log, "w") as output:
        app = subprocess.Popen(
            [sys.executable, "-m", "utils.explorer", "--profile", "smoke", "--port", str(port)],
            cwd=config.ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, app, log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.terminate()  # on SIGTERM Voilà shuts its kernels down, then exits
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


@contextlib.contextmanager
def chromium_page(profile: Path, height: int):
    """A page of headless Chromium with a fresh profile (``profile``, an empty folder), 1280 px
    wide; fails in one sentence when there is no Chromium. The book's test opens it too."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: `make test` installs Debian's chromium package; elsewhere "
            "install Chromium and set CHROMIUM=/path/to/chromium."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": height},
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    """Chromium with a fresh profile, on the app's page, once its widgets are there."""
    with chromium_page(tmp_path_factory.mktemp("chromium-profile"), 1800) as page:
        page.goto(server, wait_until="commit")
        page.wait_for_selector(".explorer-chosen", state="visible", timeout=WIDGETS_S * 1000)
        page.wait_for_function(
            "document.querySelector('.explorer-chosen').innerText.includes('kB on the device')",
            timeout=CHANGE_S * 1000,
        )
        yield page


@pytest.fixture(scope="module")
def grid(environment):
    from utils import quantization

    return quantization.grid()  # cached by the app before it started


def lines(page) -> list[str]:
    return page.locator(".explorer-chosen").inner_text().strip().splitlines()


def picture(page, index: int) -> bytes:
    return page.locator(f".explorer-plot-{index}").screenshot()


def change_slider(page, name: str, key: str) -> list[str]:
    """Press ``key`` on a slider's handle; the sentences once they have changed."""
    before = lines(page)
    page.locator(f".explorer-{name} .noUi-handle").first.focus()
    page.keyboard.press(key)
    page.wait_for_function(
        "before => document.querySelector('.explorer-chosen').innerText.trim() !== before",
        arg="\n".join(before),
        timeout=CHANGE_S * 1000,
    )
    return lines(page)


def test_moving_sliders_updates_the_numbers_and_the_plots(page, grid):
    from utils import explorer, quantization

    choices = [value for _, value in explorer.variant_choices(grid)]
    assert lines(page)[0] == explorer.describe_variant(quantization.grid_row(grid, 0.0, "float32"))
    sizes_before, latency_before = picture(page, 0), picture(page, 1)

    after = change_slider(page, "variant", "ArrowRight")  # dense → the next pruning choice
    method, sparsity = choices[1]
    assert after[0] == explorer.describe_variant(
        quantization.grid_row(grid, sparsity, "float32", method)
    )
    assert picture(page, 0) != sizes_before  # the ring moved to the new variant

    after = change_slider(page, "uplink_mbps", "End")  # the most bandwidth the slider offers
    assert f"({explorer.number(1000)} Mbit/s up" in after[2]
    assert picture(page, 1) != latency_before  # a shorter upload stage
    BUILD.mkdir(exist_ok=True)
    page.locator(".explorer").screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_availability_and_distance_controls_reach_the_sentences(page):
    from utils import explorer, latency

    after = change_slider(page, "distance_km", "End")  # the farthest data centre the slider offers
    km = explorer.MAX_DISTANCE_KM
    assert (
        f"{explorer.number(latency.propagation_rtt_ms(km))} ms of it propagation to a data centre "
        f"{explorer.number(km)} km ({explorer.number(km / latency.KM_PER_MILE)} miles) away"
    ) in after[2]
    assert not any(line.startswith("link down") for line in after)  # the link is always up
    after = change_slider(page, "availability", "ArrowLeft")  # one step down: 99.9 % up
    assert after[-1].startswith("link down 0.10% of the time, in outages of 30 s on average")
    assert (
        "the cloud missed" in after[-1] and "; the edge " in after[-1]
    )  # what the edge did follows its speed


def test_the_page_shows_no_code_and_cannot_run_any(page, tmp_path):
    assert "quantization.grid()" not in page.content()  # outputs only, no code cells
    marker = tmp_path / "ran"
    replies = page.evaluate(
        """async (code) => {
        const kernel = JSON.parse(
            document.getElementById('jupyter-config-data').textContent).kernelId;
        const socket = new WebSocket(
            location.href.replace(/^http/, 'ws') + 'api/kernels/' + kernel + '/channels');
        const replies = [];
        let answered;
        const done = new Promise(resolve => answered = resolve);
        socket.onmessage = event => {
            const type = JSON.parse(event.data).header.msg_type;
            replies.push(type);
            if (type === 'kernel_info_reply') answered();
        };
        await new Promise(resolve => socket.onopen = resolve);
        const send = (type, content) => socket.send(JSON.stringify({
            header: {msg_id: type + Math.random(), msg_type: type, session: 'probe', username: '',
                     date: new Date().toISOString(), version: '5.3'},
            parent_header: {}, metadata: {}, content: content, channel: 'shell', buffers: []}));
        send('execute_request', {code: code, silent: false, store_history: false,
                                 user_expressions: {}, allow_stdin: false, stop_on_error: true});
        send('kernel_info_request', {});  // answered after the execute_request, were it run
        await Promise.race([done, new Promise(resolve => setTimeout(resolve, 20000))]);
        await new Promise(resolve => setTimeout(resolve, 1000));
        socket.close();
        return replies;
    }""",
        f"open({str(marker)!r}, 'w').write('the page ran code')",
    )
    assert "kernel_info_reply" in replies  # the socket reached the kernel...
    assert "execute_reply" not in replies and not marker.exists()  # ...which never ran the code
