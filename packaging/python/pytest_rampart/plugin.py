"""pytest plugin: a Rampart server per test session (per xdist worker), reset
before every test.

Fixtures
  rampart          function scope: the session server, reset (fresh account,
                   same root key, clock offset 0) before the test.
  rampart_server   session scope: the server itself (no reset).

Options (command line, or the ini key of the same name without dashes)
  --rampart-binary PATH     server executable (else RAMPART_BINARY / RAMPART_BIN,
                            else the one of the rampart-server wheel)
  --rampart-tls             serve HTTPS (--tls-auto); `rampart.ca` is the CA PEM
  --rampart-database URL    PostgreSQL (or MySQL) backend instead of SQLite
  --rampart-seed FILE       load this account at start (and after every reset)
  --rampart-region ID       region (default cn-hangzhou)
  --rampart-start-timeout S seconds to wait for /healthz (default 30)
  --rampart-keep-data       keep the data dir and log; print where

Marker
  @pytest.mark.rampart(tls=..., database=..., seed=..., region=..., args=[...])
  gives that test a server of its own, started with these settings.
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Dict, Optional

import pytest

from .server import DEFAULT_REGION, DEFAULT_START_TIMEOUT, RampartError, RampartServer

_SERVER_KEY = pytest.StashKey[Optional[RampartServer]]() if hasattr(pytest, "StashKey") else None
_LOG_TAIL_LINES = 60


def pytest_addoption(parser):
    group = parser.getgroup("rampart", "Rampart test server")
    specs = [
        ("--rampart-binary", "rampart_binary", dict(default=None, metavar="PATH",
         help="rampart executable (default: RAMPART_BINARY, RAMPART_BIN, the rampart-server wheel)")),
        ("--rampart-tls", "rampart_tls", dict(action="store_true", default=None,
         help="serve HTTPS with --tls-auto; clients trust rampart.ca")),
        ("--rampart-database", "rampart_database", dict(default=None, metavar="URL",
         help="database URL (postgres://...) instead of the embedded SQLite")),
        ("--rampart-seed", "rampart_seed", dict(default=None, metavar="FILE",
         help="seed file (YAML/JSON account) loaded at start")),
        ("--rampart-region", "rampart_region", dict(default=None, metavar="ID",
         help=f"region id (default {DEFAULT_REGION})")),
        ("--rampart-start-timeout", "rampart_start_timeout", dict(default=None, type=float,
         metavar="SECONDS", help=f"wait this long for /healthz (default {DEFAULT_START_TIMEOUT:.0f})")),
        ("--rampart-keep-data", "rampart_keep_data", dict(action="store_true", default=None,
         help="keep the server's data dir and log after the session")),
    ]
    for flag, ini, kw in specs:
        group.addoption(flag, dest=ini, **kw)
        parser.addini(ini, kw["help"], default=None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "rampart(tls=False, database=None, seed=None, region=None, args=()): "
        "run this test against a Rampart server of its own, started with these settings",
    )


def _opt(config, name: str) -> Any:
    value = config.getoption(name)
    if value is None:
        value = config.getini(name)
    return value if value not in ("", None) else None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _abs(path: Optional[str], *bases) -> Optional[str]:
    """`path` made absolute: the first base it exists under, else the first base."""
    if not path or os.path.isabs(path):
        return path
    for base in bases:
        candidate = os.path.join(str(base), path)
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    return os.path.abspath(os.path.join(str(bases[0]), path))


def _settings(config) -> Dict[str, Any]:
    timeout = _opt(config, "rampart_start_timeout")
    here = str(config.invocation_params.dir)
    return dict(
        binary=_abs(_opt(config, "rampart_binary"), here, config.rootpath),
        tls=_flag(_opt(config, "rampart_tls")),
        database=_opt(config, "rampart_database"),
        seed=_abs(_opt(config, "rampart_seed"), here, config.rootpath),
        region=_opt(config, "rampart_region") or DEFAULT_REGION,
        start_timeout=float(timeout) if timeout else DEFAULT_START_TIMEOUT,
        keep_data=_flag(_opt(config, "rampart_keep_data")),
    )


def _start(settings: Dict[str, Any], base_dir: str, name: str) -> RampartServer:
    try:
        return RampartServer(base_dir=base_dir, name=name, **settings).start()
    except RampartError as e:
        pytest.fail(f"could not start the Rampart server: {e}", pytrace=False)


def _remember(config, server: Optional[RampartServer]) -> None:
    if _SERVER_KEY is not None:
        config.stash[_SERVER_KEY] = server
    else:  # pragma: no cover - pytest < 7
        config._rampart_server = server


def _report_keep(server: RampartServer) -> None:
    if server.keep_data:
        sys.stderr.write(f"\nrampart: data dir and log kept in {server.data_dir.parent}\n")


@pytest.fixture(scope="session")
def rampart_server(request, tmp_path_factory):
    """The session's server (one per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings = _settings(request.config)
    base = str(tmp_path_factory.mktemp(f"rampart-{worker}"))
    server = _start(settings, base, f"rampart-{worker}")
    _remember(request.config, server)
    try:
        yield server
    finally:
        _remember(request.config, None)
        server.stop()
        _report_keep(server)


@pytest.fixture
def rampart(request, tmp_path_factory):
    """The Rampart server for this test, reset first (empty account, the same
    root AccessKey, clock offset 0). With @pytest.mark.rampart(...), a server
    of the test's own, started with those settings and stopped after it."""
    marker = request.node.get_closest_marker("rampart")
    if marker is not None and (marker.args or marker.kwargs):
        settings = _settings(request.config)
        kwargs = dict(marker.kwargs)
        if marker.args:
            kwargs.setdefault("seed", marker.args[0])
        extra = list(kwargs.pop("args", ()))
        unknown = set(kwargs) - {"tls", "database", "seed", "region", "start_timeout"}
        if unknown:
            pytest.fail(f"@pytest.mark.rampart: unknown settings {sorted(unknown)}", pytrace=False)
        if kwargs.get("seed"):
            kwargs["seed"] = _abs(str(kwargs["seed"]), request.path.parent,
                                  request.config.invocation_params.dir, request.config.rootpath)
        settings.update(kwargs)
        base = str(tmp_path_factory.mktemp("rampart-own"))
        server = _start(dict(settings, extra_args=extra), base, "rampart-own")
        request.node._rampart_server = server
        try:
            yield server
        finally:
            server.stop()
            _report_keep(server)
        return

    server = request.getfixturevalue("rampart_server")
    request.node._rampart_server = server
    if not server.running:
        pytest.fail(f"the Rampart server is no longer running; log:\n{server.log_tail()}", pytrace=False)
    if getattr(server, "_reset_unsupported", False):
        yield server
        return
    try:
        server.reset()
    except RampartError as e:
        if "Unsupported.Store" not in str(e):
            pytest.fail(f"rampart reset failed: {e}\nlog:\n{server.log_tail()}", pytrace=False)
        # An external database (--rampart-database) cannot be reset by the
        # server: the tests share its state.
        server._reset_unsupported = True
        warnings.warn(
            "rampart: the server uses an external database (--rampart-database), which reset() "
            "cannot empty: tests share its state; use unique names", stacklevel=1)
    yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.passed or report.skipped:
        return
    server = getattr(item, "_rampart_server", None)
    if server is None:
        server = getattr(item, "funcargs", {}).get("rampart_server")
    if server is None:
        return
    state = "running" if server.running else "NOT running"
    report.sections.append((
        f"rampart server log (last {_LOG_TAIL_LINES} lines; {server.url}, {state}; {server.log_path})",
        server.log_tail(_LOG_TAIL_LINES),
    ))
