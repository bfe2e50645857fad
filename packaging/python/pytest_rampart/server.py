"""A `rampart serve --test-mode` process for tests, and its control API.

Usable without pytest:

    from pytest_rampart import RampartServer
    with RampartServer() as rampart:
        ram = rampart.ram_client()
        rampart.advance("7d")
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_START_TIMEOUT = 30.0
# Generated Tea clients, by product: (module, the product's API version)
_CLIENTS = {
    "ram": "alibabacloud_ram20150501",
    "sts": "alibabacloud_sts20150401",
    "kms": "alibabacloud_kms20160120",
    "ims": "alibabacloud_ims20190815",
}


class RampartError(RuntimeError):
    """The server could not be started, or a control API call failed."""


def find_binary(explicit: Optional[str] = None) -> str:
    """The server executable: `explicit`, else RAMPART_BINARY / RAMPART_BIN,
    else the one the rampart-server wheel installed."""
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise RampartError(f"rampart binary {explicit} is not an executable file")
        return os.path.abspath(explicit)
    for var in ("RAMPART_BINARY", "RAMPART_BIN"):
        value = os.environ.get(var)
        if value:
            if not (os.path.isfile(value) and os.access(value, os.X_OK)):
                raise RampartError(f"{var}={value} is not an executable file")
            return os.path.abspath(value)
    try:
        from rampart_server import find_rampart_bin
    except ImportError as e:  # pragma: no cover - a dependency of this package
        raise RampartError(
            "the rampart-server package is not installed and RAMPART_BIN is not set"
        ) from e
    try:
        return find_rampart_bin()
    except FileNotFoundError as e:
        raise RampartError(str(e)) from e


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def sign_v3(method: str, path: str, query: Dict[str, str], host: str,
            access_key_id: str, access_key_secret: str,
            date: Optional[str] = None, nonce: Optional[str] = None,
            action: str = "RampartControl", version: str = "test-mode") -> Dict[str, str]:
    """Headers of a request signed with ACS3-HMAC-SHA256 (an empty body), as
    the Tea SDKs sign; the control API accepts the root key's signature."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or os.urandom(16).hex(),
        "x-acs-content-sha256": empty,
    }
    names = sorted(headers)
    canonical = "\n".join([
        method,
        path,
        "&".join(f"{k}={_pct(str(v))}" for k, v in sorted(query.items())),
        "".join(f"{n}:{headers[n].strip()}\n" for n in names),
        ";".join(names),
        empty,
    ])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"ACS3-HMAC-SHA256 Credential={access_key_id},"
                                f"SignedHeaders={';'.join(names)},Signature={signature}")
    del headers["host"]  # urllib sends the same Host itself
    return headers


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    # Loopback only: never through an HTTP(S)_PROXY of the environment.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RampartServer:
    """One `rampart serve --test-mode` process with a fresh data dir.

    Attributes once started: endpoint ("127.0.0.1:PORT"), url, port,
    access_key_id, access_key_secret, account_id, region, ca (path of the
    local CA's PEM with tls=True, else None), data_dir, log_path,
    startup_seconds (spawn to /healthz 200).
    """

    def __init__(
        self,
        binary: Optional[str] = None,
        *,
        tls: bool = False,
        database: Optional[str] = None,
        seed: Optional[str] = None,
        region: str = DEFAULT_REGION,
        extra_args: Iterable[str] = (),
        base_dir: Optional[str] = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        keep_data: bool = False,
        name: str = "rampart",
    ):
        self.binary = find_binary(binary)
        self.tls = tls
        self.database = database
        self.seed = str(seed) if seed else None
        self.region = region
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.keep_data = keep_data
        self._base_dir = base_dir
        self._name = name
        self._proc: Optional[subprocess.Popen] = None
        self._log = None
        self._tmp: Optional[Path] = None
        self._token: Optional[str] = None
        self._ssl: Optional[ssl.SSLContext] = None
        self._opener = _no_proxy_opener()
        self.port: Optional[int] = None
        self.data_dir: Optional[Path] = None
        self.log_path: Optional[Path] = None
        self.ca: Optional[str] = None
        self.access_key_id: Optional[str] = None
        self.access_key_secret: Optional[str] = None
        self.account_id: Optional[str] = None
        self.startup_seconds: Optional[float] = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> "RampartServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def endpoint(self) -> str:
        """host:port, as the SDKs take it (Config(endpoint=...))."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> List[str]:
        args = [self.binary, "serve", "--test-mode", "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", str(self.data_dir), "--region", self.region]
        if self.tls:
            args.append("--tls-auto")
        if self.seed:
            args += ["--seed", self.seed]
        return args + self.extra_args

    def environment(self) -> Dict[str, str]:
        """The server's environment: this process's, without the RAMPART_*
        settings (the flags above decide), plus RAMPART_DATABASE when a
        database is given (a URL may hold a password: never on a command line)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAMPART_")}
        if self.database:
            env["RAMPART_DATABASE"] = self.database
        return env

    def start(self) -> "RampartServer":
        """Spawn the server on a free port (retried on a collision) and wait
        for GET /healthz to answer 200."""
        if self.running:
            return self
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{self._name}-", dir=self._base_dir))
        self.data_dir = self._tmp / "data"
        self.data_dir.mkdir(mode=0o700)
        self.log_path = self._tmp / "rampart.log"
        last = ""
        for _attempt in range(5):
            self.port = _free_port()
            ok, last = self._spawn_and_wait()
            if ok:
                self._read_credentials()
                return self
            if "in use" not in last.lower() and "addrinuse" not in last.lower():
                break
        self.stop()
        raise RampartError(last)

    def _spawn_and_wait(self):
        shown = " ".join(self.command())
        self._log = open(self.log_path, "ab")
        env = self.environment()
        t0 = time.monotonic()
        self._proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, env=env,
        )
        deadline = t0 + self.start_timeout
        health = f"{self.url}/healthz"
        while True:
            code = self._proc.poll()
            if code is not None:
                self._close_log()
                self._proc = None
                return False, (f"rampart exited with code {code} before it was ready\n"
                               f"command: {shown}\nlog ({self.log_path}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self._terminate()
                return False, (f"GET {health} did not answer 200 within {self.start_timeout:.0f} s\n"
                               f"command: {shown}\nlog ({self.log_path}):\n{self.log_tail()}")
            try:
                if self.tls:
                    ca = self.data_dir / "tls" / "ca.pem"
                    if not ca.exists():
                        raise OSError("no CA yet")
                    if self._ssl is None:
                        self._ssl = ssl.create_default_context(cafile=str(ca))
                        self.ca = str(ca)
                req = urllib.request.Request(health)
                with self._open(req, timeout=2) as r:
                    if r.status == 200:
                        self.startup_seconds = time.monotonic() - t0
                        return True, ""
            except (urllib.error.URLError, OSError, ssl.SSLError):
                pass
            time.sleep(0.05)

    def _open(self, req, timeout):
        if self._ssl is not None:
            opener = urllib.request.build_opener(
                urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=self._ssl))
            return opener.open(req, timeout=timeout)
        return self._opener.open(req, timeout=timeout)

    def _read_credentials(self) -> None:
        path = self.data_dir / "root-credentials.json"
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        creds = json.loads(path.read_text())
        self.access_key_id = creds["AccessKeyId"]
        self.access_key_secret = creds["AccessKeySecret"]
        self.account_id = str(creds.get("AccountId", ""))
        self.root_credentials = creds
        token_path = self.data_dir / "test-token"
        deadline = time.monotonic() + 1
        while not token_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._token = token_path.read_text().strip() if token_path.exists() else None

    def _close_log(self) -> None:
        if self._log is not None and not self._log.closed:
            self._log.close()

    def _terminate(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._proc = None
        self._close_log()

    def stop(self) -> None:
        """End the process; remove the data dir unless keep_data."""
        self._terminate()
        if self._tmp is not None and not self.keep_data:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def log_tail(self, lines: int = 50) -> str:
        if self._log is not None and not self._log.closed:
            self._log.flush()
        try:
            text = Path(self.log_path).read_text(errors="replace")
        except (OSError, TypeError):
            return "<no server log>"
        return "\n".join(text.splitlines()[-lines:])

    # ---------------------------------------------------------- control API

    def control(self, method: str, path: str, **query: str) -> Any:
        """Call the test-mode control API (/_rampart/...); the parsed JSON answer."""
        if not self.running:
            raise RampartError("the server is not running")
        # The test token of the data dir, and the root key's V3 signature.
        headers = sign_v3(method, f"/_rampart/{path}", query, self.endpoint,
                          self.access_key_id, self.access_key_secret)
        if self._token:
            headers["X-Rampart-Test-Token"] = self._token
        url = f"{self.url}/_rampart/{path}"
        if query:
            url += "?" + "&".join(f"{_pct(k)}={_pct(str(v))}" for k, v in query.items())
        req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                     headers=headers)
        try:
            with self._open(req, timeout=120) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:500]
            raise RampartError(f"{method} /_rampart/{path}: HTTP {e.code} {detail}") from None
        except urllib.error.URLError as e:
            raise RampartError(f"{method} /_rampart/{path}: {e.reason}") from None
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return body.decode(errors="replace")

    def seed_credentials(self) -> Dict[str, Any]:
        """The AccessKeys --seed created: {"Users": {name: {"AccessKeyId",
        "AccessKeySecret"}}} (from <data-dir>/seed-credentials.json), or {}."""
        path = Path(self.data_dir) / "seed-credentials.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}

    def clock(self) -> Dict[str, Any]:
        """{"Now", "NowUnix", "OffsetSeconds"} of the server's test clock."""
        return self.control("GET", "clock")

    def advance(self, duration: str) -> Any:
        """Move the server's clock forward by `duration` ("90s", "6h", "7d"):
        every rotation, deletion or expiry due meanwhile has run when this returns."""
        return self.control("POST", "clock/advance", by=str(duration))

    def reset(self) -> Any:
        """A fresh account (same root AccessKey), clock offset back to 0."""
        return self.control("POST", "reset")

    def snapshot(self, name: str) -> Any:
        """Save the whole state (and the clock) under `name`."""
        return self.control("POST", "snapshot", name=name)

    def restore(self, name: str) -> Any:
        """Go back to the state saved by snapshot(name)."""
        return self.control("POST", "restore", name=name)

    # -------------------------------------------------------- SDK clients

    def tea_config(self, access_key_id: Optional[str] = None,
                   access_key_secret: Optional[str] = None,
                   security_token: Optional[str] = None, **overrides: Any):
        """An alibabacloud_tea_openapi Config for this server (root key by default)."""
        try:  # alibabacloud-tea-openapi >= 0.4
            from alibabacloud_tea_openapi.utils_models import Config
        except ImportError:  # older releases
            from alibabacloud_tea_openapi.models import Config

        kw: Dict[str, Any] = dict(
            access_key_id=access_key_id or self.access_key_id,
            access_key_secret=access_key_secret or self.access_key_secret,
            endpoint=self.endpoint,
            protocol=self.scheme,
            region_id=self.region,
        )
        if security_token:
            kw["security_token"] = security_token
        if self.ca:
            kw["ca"] = self.ca
        kw.update(overrides)
        return Config(**kw)

    def client(self, product: str, access_key_id: Optional[str] = None,
               access_key_secret: Optional[str] = None,
               security_token: Optional[str] = None, **config: Any):
        """A ready Tea client of `product` ("ram", "sts", "kms", "ims")."""
        import importlib

        try:
            module = _CLIENTS[product]
        except KeyError:
            raise ValueError(f"unknown product {product!r}; one of {sorted(_CLIENTS)}") from None
        try:
            client_cls = importlib.import_module(f"{module}.client").Client
        except ImportError as e:
            raise ImportError(
                f"{module} is not installed: pip install 'pytest-rampart[clients]' "
                f"(or {module.replace('_', '-')})") from e
        if product == "kms":
            config.setdefault("read_timeout", 30_000)
        return client_cls(self.tea_config(access_key_id, access_key_secret, security_token, **config))

    def ram_client(self, access_key_id=None, access_key_secret=None, security_token=None, **config):
        """alibabacloud_ram20150501 Client (root key unless a key is given)."""
        return self.client("ram", access_key_id, access_key_secret, security_token, **config)

    def sts_client(self, access_key_id=None, access_key_secret=None, security_token=None, **config):
        """alibabacloud_sts20150401 Client."""
        return self.client("sts", access_key_id, access_key_secret, security_token, **config)

    def kms_client(self, access_key_id=None, access_key_secret=None, security_token=None, **config):
        """alibabacloud_kms20160120 Client."""
        return self.client("kms", access_key_id, access_key_secret, security_token, **config)

    def ims_client(self, access_key_id=None, access_key_secret=None, security_token=None, **config):
        """alibabacloud_ims20190815 Client."""
        return self.client("ims", access_key_id, access_key_secret, security_token, **config)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<RampartServer {self.url if self.port else '-'} {state}>"
