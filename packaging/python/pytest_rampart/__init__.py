"""pytest-rampart: a Rampart server (`rampart serve --test-mode`) for tests.

The pytest plugin (fixture `rampart`) is loaded automatically through the
`pytest11` entry point; `RampartServer` works without pytest as well.
"""
from .server import RampartError, RampartServer, find_binary

__version__ = "@VERSION@"
__all__ = ["RampartError", "RampartServer", "find_binary", "__version__"]
