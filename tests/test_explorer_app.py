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
