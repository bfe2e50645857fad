"""Shared fixtures: a real Rampart server per test session (plain HTTP, and
HTTPS with `--tls-auto`), and RAM clients built from the official Alibaba
Cloud Python SDKs.

Environment:
  RAMPART_BIN  absolute path of the server binary
               (default: <repo>/target/debug/rampart)
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ramclients import FLAVOURS, CoreRam, make_client  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[3]


# --------------------------------------------------------------------------
# server
# --------------------------------------------------------------------------

@dataclass
class Server:
    host: str
    port: int
    data_dir: Path
    account_id: str
    access_key_id: str
    access_key_secret: str
    credentials_mode: int
    log_path: Path
    scheme: str = "http"
    # Over HTTPS: the local CA's certificate, the only one clients trust.
    ca: Optional[Path] = None

    @property
    def endpoint(self) -> str:
        """host:port, as given to the SDKs."""
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "<no server log>"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rampart_bin() -> Path:
    return Path(os.environ.get("RAMPART_BIN") or REPO_ROOT / "target" / "debug" / "rampart")


def start_server(*extra_args: str, tls: bool = False):
    """Start `rampart serve` (plus extra_args; with tls, --tls-auto) on a free
    port with a fresh data dir; returns (Server, stop). stop() ends the
    process and removes the temp dir unless RAMPART_KEEP_DATA=1."""
    binary = _rampart_bin()
    if not binary.is_file():
        pytest.fail(f"server binary not found: {binary} (set RAMPART_BIN)", pytrace=False)

    port = _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="rampart-compat-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    if tls:
        extra_args = ("--tls-auto", *extra_args)
    scheme = "https" if tls else "http"
    ca_path = data_dir / "tls" / "ca.pem" if tls else None
    proc = subprocess.Popen(
        [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir),
         *extra_args],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )

    def terminate():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if not log.closed:
            log.close()

    def stop():
        terminate()
        if os.environ.get("RAMPART_KEEP_DATA") != "1":
            shutil.rmtree(tmp, ignore_errors=True)

    def tail() -> str:
        log.flush()
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])

    healthz = f"{scheme}://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 30
    ready = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            t = tail()
            stop()
            pytest.fail(f"server exited early with code {proc.returncode}; log:\n{t}", pytrace=False)
        try:
            context = None
            if ca_path is not None:
                if not ca_path.exists():
                    raise OSError("no CA yet")
                context = ssl.create_default_context(cafile=str(ca_path))
            with urllib.request.urlopen(healthz, timeout=2, context=context) as r:
                if r.status == 200:
                    ready = True
                    break
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    if not ready:
        t = tail()
        stop()
        pytest.fail(f"GET {healthz} did not return 200 within 30 s; log:\n{t}", pytrace=False)

    cred_path = data_dir / "root-credentials.json"
    deadline = time.monotonic() + 5
    while not cred_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if not cred_path.exists():
        t = tail()
        stop()
        pytest.fail(f"{cred_path.name} not written in the data dir; log:\n{t}", pytrace=False)
    creds = json.loads(cred_path.read_text())
    mode = stat.S_IMODE(cred_path.stat().st_mode)

    srv = Server(
        host="127.0.0.1",
        port=port,
        data_dir=data_dir,
        account_id=str(creds.get("AccountId", "")),
        access_key_id=creds["AccessKeyId"],
        access_key_secret=creds["AccessKeySecret"],
        credentials_mode=mode,
        log_path=log_path,
        scheme=scheme,
        ca=ca_path,
    )
    srv.root_credentials = creds  # type: ignore[attr-defined]
    srv.proc = proc  # type: ignore[attr-defined]
    return srv, stop


@pytest.fixture(scope="session")
def server():
    srv, stop = start_server()
    try:
        yield srv
    finally:
        stop()


# Short RAM-secret rotation times (behaviour.md §1.4): the old key of a rotated
# secret stays valid for ROT_GRACE_SECONDS, and RotationInterval may be as small
# as ROT_MIN_INTERVAL_SECONDS.
ROT_GRACE_SECONDS = 20
ROT_MIN_INTERVAL_SECONDS = 30


@pytest.fixture(scope="session")
def https_server():
    """The same server over HTTPS (`--tls-auto`): clients trust only its ca.pem."""
    srv, stop = start_server(tls=True)
    try:
        yield srv
    finally:
        stop()


@contextlib.contextmanager
def resolve_to(srv, *names: str):
    """Inside this process only, the host names `names` reach `srv` (its
    address and port, whatever port the client asks for), as a hosts-file or
    DNS entry plus a port mapping would; no other Alibaba Cloud name
    resolves, so nothing leaves the machine."""
    real = socket.getaddrinfo
    wanted = {n.lower() for n in names}

    def fake(host, port, *args, **kwargs):
        h = (host.decode() if isinstance(host, bytes) else host or "").lower()
        if h in wanted:
            return real("127.0.0.1", srv.port, *args, **kwargs)
        if h.endswith(".aliyuncs.com"):
            raise socket.gaierror(socket.EAI_NONAME, f"{h} is not resolved in tests")
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = fake
    try:
        yield
    finally:
        socket.getaddrinfo = real


@pytest.fixture(scope="session")
def rot_server():
    """A second server with short rotation times (grace 20 s, min interval 30 s)."""
    srv, stop = start_server("--rotation-grace-period", f"{ROT_GRACE_SECONDS}s",
                             "--min-rotation-interval", f"{ROT_MIN_INTERVAL_SECONDS}s")
    try:
        yield srv
    finally:
        stop()


@pytest.fixture(scope="session")
def https_rot_server():
    """rot_server over HTTPS."""
    srv, stop = start_server("--rotation-grace-period", f"{ROT_GRACE_SECONDS}s",
                             "--min-rotation-interval", f"{ROT_MIN_INTERVAL_SECONDS}s", tls=True)
    try:
        yield srv
    finally:
        stop()


@pytest.fixture
def fresh_server():
    """start(*extra_args) -> a brand-new server, stopped after the test; for
    tests that need an account nobody else touches."""
    stops = []

    def start(*extra_args):
        srv, stop = start_server(*extra_args)
        stops.append(stop)
        return srv

    yield start
    for stop in stops:
        stop()


@pytest.fixture(params=FLAVOURS)
def ram(request, server):
    """A root-credential RAM client, once per SDK flavour."""
    return make_client(request.param, server)


@pytest.fixture
def root_core(server):
    return CoreRam(server.endpoint, server.access_key_id, server.access_key_secret)


@pytest.fixture
def uniq():
    """Unique, valid RAM entity names: uniq('u') -> 'u-1a2b3c4d5e'."""
    def make(prefix: str = "t") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"
    return make




@pytest.fixture
def raw(server):
    """Hand-signed RPC V1 requests (root credentials by default)."""
    import rpc_v1

    class Raw:
        def request(self, action, params=None, ak=None, sk=None, **kw):
            return rpc_v1.signed_request(server.base_url, action, params,
                                         ak or server.access_key_id,
                                         sk or server.access_key_secret, **kw)

        def call(self, action, params=None, **kw):
            return self.request(action, params, **kw).send()

    return Raw()
