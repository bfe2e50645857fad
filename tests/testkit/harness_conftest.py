"""Timing recorder for tests/testkit/run.sh (copied next to the examples as
conftest.py; not part of the examples). Writes JSON to $TESTKIT_TIMINGS:
session start to first passed test, each test's setup/call/teardown, the
properties the tests record, and the server's start time."""
import json
import os
import time

_T0 = time.monotonic()
_DATA = {"first_green_seconds": None, "tests": {}, "properties": {}, "server_startup_seconds": None}


def pytest_runtest_logreport(report):
    entry = _DATA["tests"].setdefault(report.nodeid.split("::")[-1], {})
    entry[report.when] = round(report.duration, 3)
    entry[f"{report.when}_outcome"] = report.outcome
    if report.when == "call" and report.passed and _DATA["first_green_seconds"] is None:
        _DATA["first_green_seconds"] = round(time.monotonic() - _T0, 3)
    for key, value in report.user_properties:
        _DATA["properties"][key] = round(value, 4) if isinstance(value, float) else value


def pytest_fixture_post_finalizer(fixturedef, request):
    if fixturedef.argname == "rampart_server" and fixturedef.cached_result:
        server = fixturedef.cached_result[0]
        startup = getattr(server, "startup_seconds", None)
        if startup is not None:
            _DATA["server_startup_seconds"] = round(startup, 3)


def pytest_sessionfinish(session):
    path = os.environ.get("TESTKIT_TIMINGS")
    if path:
        with open(path, "w") as f:
            json.dump(_DATA, f, indent=1)
