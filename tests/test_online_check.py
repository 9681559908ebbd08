"""The catalogue dataset's online check honours HTTP(S)_PROXY and NO_PROXY
(utils.data._require_online)."""

import socket

import pytest

from utils import data


@pytest.fixture
def listening():
    """A local port that accepts connections (a stand-in proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch):
    for name in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def test_behind_a_reachable_proxy_an_unresolvable_host_counts_as_online(monkeypatch, listening):
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{listening}")
    data._require_online("https://catalogue.invalid/cifar.html")  # no error: the proxy answers


def test_a_proxy_that_does_not_answer_is_named(monkeypatch):
    port = closed_port()
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{port}")
    with pytest.raises(data.OfflineError, match=f"through the proxy http://127.0.0.1:{port}"):
        data._require_online("https://catalogue.invalid/cifar.html")


def test_without_a_proxy_an_unresolvable_host_is_offline():
    with pytest.raises(
        data.OfflineError, match="catalogue.invalid cannot be reached from this machine: use"
    ):
        data._require_online("https://catalogue.invalid/cifar.html")


def test_no_proxy_bypasses_the_proxy(monkeypatch, listening):
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{listening}")
    monkeypatch.setenv("no_proxy", "catalogue.invalid")
    with pytest.raises(
        data.OfflineError, match="catalogue.invalid cannot be reached from this machine: use"
    ):
        data._require_online("https://catalogue.invalid/cifar.html")
