"""sessionkit: the ``sessionkit`` command (installed beside this package by the wheel) and a
pytest plugin whose ``sessionkit_server`` fixture runs the reference server for your tests."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

__all__ = ["find_sessionkit_bin"]


def find_sessionkit_bin() -> str:
    """The path of the ``sessionkit`` binary this wheel installed (as ruff finds its own)."""
    name = "sessionkit" + (sysconfig.get_config_var("EXE") or "")
    candidates = [os.path.join(sysconfig.get_path("scripts"), name)]
    user = sysconfig.get_path("scripts", f"{os.name}_user")
    if user:
        candidates.append(os.path.join(user, name))
    candidates.append(os.path.join(os.path.dirname(sys.executable), name))
    for path in candidates:
        if os.path.isfile(path):
            return path
    found = shutil.which("sessionkit")
    if found:
        return found
    raise FileNotFoundError(
        f"the sessionkit binary is not installed (looked in {', '.join(candidates)} and PATH)"
    )
