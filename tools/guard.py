"""Tooling: nbgrader's Execute step with the checkers re-imported fresh and a tampered kernel
detected, around every check cell (all notebooks; configured by ``tools.grading``).

Before the first cell the kernel reports its state (``sys.excepthook``, IPython's traceback
display, input and AST transformers, ``__import__``, trace and profile functions); before and
after every check cell (an nbgrader ``grade`` code cell) it reports it again, and the grader,
outside the kernel, compares. Before the check cell runs, every ``utils.exercises`` module is
dropped from ``sys.modules`` and imported afresh from the read-only course, the notebook's
``exercises`` name is pointed at the fresh package, and every checker function of the old modules
is compared with the fresh one (its code object): a rebinding such as
``exercises.check_x = lambda *a, **k: None`` is found and no longer used. A custom exception
handler (``set_custom_exc``) is found too. Anything found is appended to the check cell as an
error output named ``TamperingDetected``: nbgrader then scores the cell 0, the feedback shows why,
and ``tools.grading`` lists the submission in ``flagged.csv``.

The report travels in the execute reply's ``user_expressions`` with a fresh random nonce; a
kernel that does not answer with it is treated as tampered. A student who rewrites the kernel's
messaging itself could still lie: these checks detect the usual ways of cheating, and the
sandbox (``tools.sandbox``), not the kernel, is what keeps the gradebook and the other
submissions out of reach.
"""

from __future__ import annotations

import ast
import json
import secrets

from nbclient.util import run_sync
from nbformat.v4 import new_output

from nbgrader.preprocessors import Execute

ENAME = "TamperingDetected"
GUARD = r"""
def _course_guard(nonce, reload):
    import builtins, importlib, json, sys, types

    ip = get_ipython()

    def fid(f):
        return id(getattr(f, "__func__", f))

    state = {
        "sys.excepthook": fid(sys.excepthook),
        "IPython's showtraceback": fid(ip.showtraceback),
        "IPython's _showtraceback": fid(ip._showtraceback),
        "IPython's run_cell": fid(ip.run_cell),
        "builtins.__import__": fid(builtins.__import__),
        "IPython's input transformers": [
            fid(t) for t in [*ip.input_transformers_cleanup, *ip.input_transformers_post]
        ],
        "IPython's AST transformers": [id(t) for t in ip.ast_transformers],
        "sys.settrace": fid(sys.gettrace()) if sys.gettrace() else 0,
        "sys.setprofile": fid(sys.getprofile()) if sys.getprofile() else 0,
    }
    found = []
    if ip.custom_exceptions:
        found.append("a custom exception handler (set_custom_exc) swallows errors")
    if not reload:
        return json.dumps({"nonce": nonce, "state": state, "found": found})
    prefix = "utils.exercises"
    old = {n: m for n, m in sys.modules.items() if n == prefix or n.startswith(prefix + ".")}
    for name in old:
        del sys.modules[name]
    fresh = importlib.import_module(prefix)
    for name, module in old.items():
        new = sys.modules.get(name) or importlib.import_module(name)
        for attr, value in vars(new).items():
            code = getattr(value, "__code__", None)
            if code is not None and getattr(vars(module).get(attr), "__code__", None) != code:
                found.append(f"{name}.{attr} was replaced")
    ns = ip.user_ns
    for key, value in list(ns.items()):
        if isinstance(value, types.ModuleType) and old.get(value.__name__) is value:
            ns[key] = sys.modules[value.__name__]
    if "exercises" in ns and ns["exercises"] is not fresh:
        found.append("the name exercises no longer names the course's checkers")
        ns["exercises"] = fresh
    sys.modules["utils"].exercises = fresh
    return json.dumps({"nonce": nonce, "state": state, "found": found})
"""


def _tampered(found: list[str]):
    reasons = "; ".join(dict.fromkeys(found))
    return new_output(
        "error",
        ename=ENAME,
        evalue=reasons,
        traceback=[f"{ENAME}: {reasons} (every check of this notebook scores 0)"],
    )


class GuardedExecute(Execute):
    """nbgrader's Execute with the fresh checkers and the tamper checks around each check cell."""

    def preprocess(self, nb, resources=None, km=None):
        self._baseline, self._found = None, []
        nb, resources = super().preprocess(nb, resources, km)
        if self._found:  # a tampered kernel earns none of the notebook's check points
            for cell in nb.cells:
                grade = cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
                if grade and not any(o.get("ename") == ENAME for o in cell.outputs):
                    cell.outputs.append(_tampered(self._found))
        return nb, resources

    async def _report(self, reload: bool) -> tuple[dict, list[str]]:
        nonce = secrets.token_hex(16)
        code = f"{GUARD}\n_course_guard_report = _course_guard({nonce!r}, {reload!r})\n"
        msg_id = self.kc.execute(
            code,
            silent=True,
            store_history=False,
            user_expressions={"report": "_course_guard_report"},
        )
        reply = await self.async_wait_for_reply(msg_id)
        try:
            text = reply["content"]["user_expressions"]["report"]["data"]["text/plain"]
            report = json.loads(ast.literal_eval(text))
            if report["nonce"] != nonce:
                raise ValueError("wrong nonce")
        except Exception:  # any malformed or missing answer: the kernel is not the one we started
            return {}, ["the kernel did not answer the grader's integrity check"]
        return report["state"], list(report["found"])

    async def _check(self, reload: bool) -> list[str]:
        state, found = await self._report(reload)
        for key, value in (self._baseline or {}).items():
            if state and state.get(key) != value:
                found.append(f"{key} was replaced")
        return found

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        grade = cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
        if getattr(self, "_baseline", None) is None:
            self._baseline, _ = await self._report(reload=False)
        found = await self._check(reload=True) if grade else []
        result = await super().async_execute_cell(
            cell, cell_index, execution_count=execution_count, store_history=store_history
        )
        if grade:
            found += await self._check(reload=False)
        self._found += found
        if self._found and grade:
            cell.outputs.append(_tampered(self._found))
        return result

    execute_cell = run_sync(async_execute_cell)  # nbclient binds its own otherwise


if __name__ == "__main__":  # python -m tools.guard: the code the kernel runs around a check cell
    print(GUARD)
