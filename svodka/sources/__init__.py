"""Sources the desk polls: the registry in the store, the async poller, and their commands."""
from __future__ import annotations

import importlib

__all__ = ["PollConfig", "Registry", "Source", "run_poller", "start_background"]
_HOME = {"PollConfig": "poller", "run_poller": "poller", "start_background": "poller", "Registry": "registry",
         "Source": "registry"}


def __getattr__(name: str):
    # on first use: the poller brings httpx (~0.15 s), which `svodka --help` and `svodka list` do not need
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
