"""Notebook 08's explorer (Voilà) and every notebook in ``make lab``: the Jupyter servers' guards.

Both servers listen on 127.0.0.1 only, and answer only requests whose ``Host`` names this machine
(``localhost``, ``127.0.0.1``, ``[::1]``): a web page that rebinds its own domain name to
127.0.0.1 (DNS rebinding) gets 403, because the browser still sends that domain as the Host.
This is Jupyter Server's own check (``allow_remote_access=False`` with ``local_hostnames``);
standalone Voilà turns it off, so :func:`voila_config` turns it back on through
``Voila.tornado_settings``.

Every plain ``GET /`` of the explorer starts a kernel (about 0.7 GB with TensorFlow), even one a
foreign page triggers with an ``<img>``; a kernel that no page ever connected to was never shut
down. Jupyter Server's culler (``MappingKernelManager.cull_idle_timeout`` and ``cull_interval``;
with ``cull_connected=False``, its default, a kernel with an open page is left alone) shuts idle
ones down, and :class:`BoundedKernelManager` refuses a kernel beyond ``max_kernels`` with 503 and
one sentence. Voilà has no such bound of its own (an open request: voila-dashboards/voila#617; its
preheated pool refills and does not bound), so the bound is this subclass of the default manager,
which Voilà and Jupyter Server both take by name.

The options are built here with the standard library only (``python -m utils lab`` imports
this module); :class:`BoundedKernelManager` is defined when a server first asks for it by name.
"""

from __future__ import annotations

import functools

LOCAL_HOSTNAMES = ("localhost",)  # loopback addresses are accepted by Jupyter Server anyway
MANAGER = f"{__name__}.BoundedKernelManager"
# the explorer: one page is one kernel; 3 pages (about 2.1 GB) is more than one user needs
EXPLORER_MAX_KERNELS = 3
EXPLORER_CULL_IDLE_S = 120  # a kernel no page is connected to goes after 2 idle minutes
# JupyterLab: a kernel per open notebook; a notebook's tab closed for an hour loses its kernel
LAB_MAX_KERNELS = 6
LAB_CULL_IDLE_S = 3600
CULL_INTERVAL_S = 60


def culling_options(max_kernels: int, cull_idle_s: int) -> list[str]:
    """The kernel bound and the idle culler, as command-line options of either server."""
    return [
        f"--BoundedKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
        "--MappingKernelManager.cull_connected=False",
    ]


def voila_config() -> dict:
    """Standalone Voilà's Host check, back on, as a ``voila.json`` config file holds it (on the
    command line a dict's values would arrive as text, and the text "False" is true)."""
    settings = {"allow_remote_access": False, "local_hostnames": list(LOCAL_HOSTNAMES)}
    return {"Voila": {"tornado_settings": settings}}


def voila_options() -> list[str]:
    """Standalone Voilà's options: the bounded kernel manager and the culler."""
    return [
        f"--VoilaConfiguration.multi_kernel_manager_class={MANAGER}",
        *culling_options(EXPLORER_MAX_KERNELS, EXPLORER_CULL_IDLE_S),
    ]


def lab_options() -> list[str]:
    """JupyterLab's options (Jupyter Server): the Host check stated, the bound, the culler."""
    return [
        "--ServerApp.allow_remote_access=False",
        *(f"--ServerApp.local_hostnames={name}" for name in LOCAL_HOSTNAMES),
        f"--ServerApp.kernel_manager_class={MANAGER}",
        *culling_options(LAB_MAX_KERNELS, LAB_CULL_IDLE_S),
    ]


def __getattr__(name: str):
    """``BoundedKernelManager``, defined on first use (it needs Jupyter Server)."""
    if name == "BoundedKernelManager":
        return _manager_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _manager_class():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado import web
    from traitlets import Integer

    class BoundedKernelManager(AsyncMappingKernelManager):
        """Jupyter Server's kernel manager, with at most ``max_kernels`` kernels at once (those
        still starting count): one more is refused with 503 and a sentence saying what to do."""

        max_kernels = Integer(
            EXPLORER_MAX_KERNELS, config=True, help="Kernels at most at once (starting ones count)."
        )
        _starting = 0

        async def start_kernel(self, *, kernel_id: str | None = None, path=None, **kwargs) -> str:
            if kernel_id is not None and kernel_id in self:  # an existing kernel: nothing new
                return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
            if len(self) + self._starting >= self.max_kernels:
                raise web.HTTPError(
                    503,
                    f"{self.max_kernels} kernels are running, the most this server starts: close a "
                    "page or notebook you no longer use (an idle one is shut down after "
                    f"{self.cull_idle_timeout} s), then reload.",
                )
            self._starting += 1
            try:
                return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
            finally:
                self._starting -= 1

    return BoundedKernelManager
