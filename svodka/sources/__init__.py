"""Sources the desk polls: the registry in the store, the async poller, and their commands."""
from .poller import PollConfig, run_poller, start_background
from .registry import Registry, Source

__all__ = ["PollConfig", "Registry", "Source", "run_poller", "start_background"]
