"""Notebook 08 as a standalone app (utils/explorer/app.py): Voila runs this Python and serves
only notebook 08. (The app in a browser: test_explorer_browser.py.)"""

from utils import explorer


def test_voila_runs_this_python_and_only_notebook_08(tmp_path):
    import json
    import sys

    kernel = explorer.kernel_folder() / "kernels" / "python3" / "kernel.json"
    spec = json.loads(kernel.read_text())
    assert spec["argv"][0] == sys.executable
    command = explorer.voila_command(8899)
    assert command[:3] == [sys.executable, "-m", "voila"] and command[3] == str(explorer.NOTEBOOK)
    assert {"--no-browser", "--port=8899", "--Voila.ip=127.0.0.1", "--strip_sources=True"} <= set(
        command
    )


# ---------------------------------------------------------------- guarded (utils/kernel_guard.py)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_voila_answers_only_requests_whose_host_is_this_machine():
    import http.client
    import subprocess
    import time

    port = free_port()
    voila = subprocess.Popen(
        explorer.voila_command(port),
        env=explorer.app.voila_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def status(path: str, host: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path, headers={"Host": host})
        answer = connection.getresponse().status
        connection.close()
        return answer

    no_kernel = "/api/kernels/00000000-0000-0000-0000-000000000000"  # starts nothing
    try:
        for _ in range(600):  # Voilà starts in a few seconds; give up after 60
            try:
                foreign = status(no_kernel, f"rebound.example:{port}")
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        assert voila.poll() is None
        # a DNS-rebinding page's Host is its own domain: 403 before any handler runs
        assert foreign == 403 and status("/", f"rebound.example:{port}") == 403
        # this machine's names reach the handler, which has no such kernel: 404
        assert status(no_kernel, f"localhost:{port}") == 404
        assert status(no_kernel, f"127.0.0.1:{port}") == 404
    finally:
        voila.terminate()
        voila.wait(timeout=30)


def test_voila_takes_the_bounded_kernel_manager_and_culls_idle_kernels():
    from voila.app import Voila
    from voila.configuration import VoilaConfiguration

    from utils import kernel_guard

    app = Voila()
    app.parse_command_line(explorer.voila_command(8899)[3:])
    manager_class = VoilaConfiguration(parent=app).multi_kernel_manager_class
    assert manager_class is kernel_guard.BoundedKernelManager
    manager = manager_class(parent=app)
    assert manager.max_kernels == 3 and not manager.cull_connected
    assert (manager.cull_idle_timeout, manager.cull_interval) == (120, 60)
    settings = kernel_guard.voila_config()["Voila"]["tornado_settings"]
    assert settings == {"allow_remote_access": False, "local_hostnames": ["localhost"]}


def test_lab_keeps_the_host_check_bounds_kernels_and_culls_unused_ones():
    from jupyter_server.serverapp import ServerApp

    from utils import kernel_guard

    app = ServerApp()
    app.parse_command_line(["--ServerApp.ip=127.0.0.1", *kernel_guard.lab_options()])
    assert app.allow_remote_access is False and app.local_hostnames == ["localhost"]
    assert app.kernel_manager_class is kernel_guard.BoundedKernelManager
    manager = app.kernel_manager_class(parent=app)
    assert manager.max_kernels == 6 and manager.cull_idle_timeout == 3600


def test_a_kernel_beyond_the_bound_is_refused_with_503_counting_those_starting(monkeypatch):
    import asyncio
    import itertools

    import pytest
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado import web

    from utils import kernel_guard

    names = (f"k{i}" for i in itertools.count())

    async def fake_start(self, *, kernel_id=None, path=None, **kwargs):
        await asyncio.sleep(0)  # a real start takes a while: others may arrive meanwhile
        kernel_id = kernel_id or next(names)
        self._kernels[kernel_id] = object()
        return kernel_id

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
    manager = kernel_guard.BoundedKernelManager(max_kernels=2)

    async def scenario():
        # three pages at once: the first finds 0 + 0 < 2, the second 0 + 1 < 2 (one starting),
        # the third 0 + 2 = 2: refused before either start has finished
        started = await asyncio.gather(
            *(manager.start_kernel() for _ in range(3)), return_exceptions=True
        )
        assert started[:2] == ["k0", "k1"] and len(manager) == 2
        refused = started[2]
        assert isinstance(refused, web.HTTPError) and refused.status_code == 503
        assert "2 kernels are running" in refused.log_message
        assert await manager.start_kernel(kernel_id="k1") == "k1"  # an existing one: no new
        del manager._kernels["k1"]  # culled
        assert await manager.start_kernel() == "k2"  # 1 + 0 < 2: room again
        assert len(manager) == 2
        with pytest.raises(web.HTTPError):
            await manager.start_kernel()

    asyncio.run(scenario())
