"""The Rampart server binary, installed as the `rampart` script of this wheel.

    from rampart_server import find_rampart_bin
    path = find_rampart_bin()        # absolute path of the `rampart` executable

`python -m rampart_server ARGS...` runs it with ARGS.
"""
from __future__ import annotations

import os
import sys
import sysconfig

__version__ = "@VERSION@"
__all__ = ["RampartNotFound", "find_rampart_bin", "__version__"]


class RampartNotFound(FileNotFoundError):
    """The `rampart` executable is not where this package installed it."""


def _exe(name: str = "rampart") -> str:
    return name + (sysconfig.get_config_var("EXE") or "")


def _candidates():
    exe = _exe()
    # 1. the scripts directory of this interpreter's scheme (a venv's bin/)
    yield os.path.join(sysconfig.get_path("scripts"), exe)
    # 2. the base prefix's scripts (a system or --system-site-packages install)
    base = sysconfig.get_path("scripts", vars={"base": sys.base_prefix})
    yield os.path.join(base, exe)
    # 3. `pip install --prefix P`: this file is P/lib/pythonX.Y/site-packages/rampart_server/
    pkg = os.path.dirname(os.path.abspath(__file__))
    site = os.path.dirname(pkg)
    if os.path.basename(site) in ("site-packages", "dist-packages"):
        prefix = os.path.dirname(os.path.dirname(os.path.dirname(site)))
        yield os.path.join(prefix, "bin", exe)
    # 4. `pip install --target T`: T/bin next to T/rampart_server
    yield os.path.join(site, "bin", exe)
    # 5. the user scheme (`pip install --user`: ~/.local/bin)
    try:
        user_scheme = sysconfig.get_preferred_scheme("user")  # Python 3.10+
    except AttributeError:  # pragma: no cover
        user_scheme = "posix_user" if os.name == "posix" else "nt_user"
    try:
        yield os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), exe)
    except KeyError:  # pragma: no cover
        pass


def find_rampart_bin() -> str:
    """Absolute path of the `rampart` executable installed with this package.

    `RAMPART_BINARY` (or `RAMPART_BIN`), when set, wins. Otherwise the places
    pip may have put the `scripts` of this wheel are tried in order (the
    interpreter's scripts directory, the base prefix's, `--prefix`, `--target`,
    `--user`); RampartNotFound lists every place tried.
    """
    for var in ("RAMPART_BINARY", "RAMPART_BIN"):
        override = os.environ.get(var)
        if override:
            if os.path.isfile(override) and os.access(override, os.X_OK):
                return os.path.abspath(override)
            raise RampartNotFound(f"{var}={override} is not an executable file")
    tried = []
    for path in _candidates():
        if path in tried:
            continue
        tried.append(path)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise RampartNotFound(
        "the rampart executable of the rampart-server package was not found; tried:\n  "
        + "\n  ".join(tried)
    )
