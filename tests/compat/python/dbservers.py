"""Database servers for the database-secret tests (Rds, Redis) and the
application side that reads such secrets.

- `PgCluster`: a private PostgreSQL cluster with scram-sha-256 password
  authentication (the shared server on 5432 trusts every login, so it cannot
  show that a password was checked). `initdb -A scram-sha-256` with an admin
  superuser whose random password travels in a file, a free port on
  127.0.0.1, the Unix socket and data in a temporary directory. As root the
  binaries run as the `postgres` user (`runuser -u postgres --`). Binaries:
  `$RAMPART_PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`, else the
  PATH. Stopped (`pg_ctl -m immediate`) and removed by `stop()`, and by a
  watchdog once the test process is gone.
- MariaDB/MySQL: `RAMPART_TEST_MYSQL_URL` (default
  `mysql://root@127.0.0.1:3306`); it checks the passwords of the accounts
  the tests create.
- Redis: `RAMPART_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`); the ACL
  users the tests create need their passwords.
- PostgreSQL store databases for `rampart serve --database`:
  `RAMPART_TEST_POSTGRES_URL` (default
  `postgres://postgres@127.0.0.1:5432/postgres`).

`RAMPART_TEST_POSTGRES=skip`, `RAMPART_TEST_MYSQL=skip` and
`RAMPART_TEST_REDIS=skip` skip the tests that need that engine.

The application side (`connect_with_refresh`) does what the secrets-manager
JDBC wrapper does: read the secret from a cache client, connect, and on an
authentication failure `refresh_now(secret)` and connect again, at most 4
attempts.
"""
from __future__ import annotations

import json
import os
import secrets as _secrets
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
COMPAT = HERE.parent
REPO_ROOT = HERE.parents[2]
SMC_V1_PYTHON = Path(os.environ.get("RAMPART_SMC_V1_PYTHON") or COMPAT / ".venv-smc-v1" / "bin" / "python")

# The attempts the JDBC wrapper makes before "Connect times limit exceeded".
MAX_ATTEMPTS = 4


def skipped(engine: str) -> bool:
    return os.environ.get(f"RAMPART_TEST_{engine}") == "skip"


def need(engine: str):
    if skipped(engine):
        pytest.skip(f"RAMPART_TEST_{engine}=skip")


def random_password(n: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(_secrets.choice(alphabet) for _ in range(n))


def unique_name(prefix: str) -> str:
    """An account name valid on every engine, leaving room for `_clone`."""
    return f"{prefix}_{_secrets.token_hex(4)}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# a private PostgreSQL cluster with password authentication
# --------------------------------------------------------------------------

def _pg_bin() -> Optional[Path]:
    if os.environ.get("RAMPART_PG_BIN"):
        return Path(os.environ["RAMPART_PG_BIN"])
    versions = []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        for d in root.iterdir():
            if d.name.isdigit() and (d / "bin" / "initdb").exists():
                versions.append((int(d.name), d / "bin"))
    if versions:
        return max(versions)[1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PgCluster:
    ADMIN = "rampart_admin"

    def __init__(self):
        self.bin = _pg_bin()
        if self.bin is None:
            pytest.fail("PostgreSQL's initdb was not found (set RAMPART_PG_BIN)", pytrace=False)
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="rampart-compat-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.admin_password = random_password(24)
        self.watchdog: Optional[subprocess.Popen] = None
        self.stopped = False

    def _cmd(self, program: str, *args: str) -> List[str]:
        path = str(self.bin / program)
        return (["runuser", "-u", "postgres", "--", path] if self.as_postgres else [path]) + list(args)

    def _run(self, args: List[str], what: str):
        p = subprocess.run(args, cwd=self.root, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"{what} failed ({p.returncode}): {p.stdout}{p.stderr}\n{self.server_log()}")

    def start(self) -> "PgCluster":
        self._spawn_watchdog()
        os.chmod(self.root, 0o700)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.admin_password)
        if self.as_postgres:
            import pwd
            pw = pwd.getpwnam("postgres")
            for p in (self.root, pwfile):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run(self._cmd("initdb", "-D", str(self.data), "-U", self.ADMIN, "-A", "scram-sha-256", "-E", "UTF8",
                            "--locale=C", "-N", "--no-instructions", f"--pwfile={pwfile}"), "initdb")
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# rampart compat tests\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.root}'\n"
                    "password_encryption = 'scram-sha-256'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 100\nshared_buffers = '16MB'\n")
        last = ""
        for _ in range(5):
            self.port = free_port()
            try:
                self._run(self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                                    "-o", f"-p {self.port}", "start"), "pg_ctl start")
                return self
            except RuntimeError as e:
                last = str(e)
        raise RuntimeError(last)

    def _spawn_watchdog(self):
        script = r'''
while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -f "$3/postmaster.pid" ]; then
  if [ "$5" = 1 ]; then runuser -u postgres -- "$2" -D "$3" -m immediate stop
  else "$2" -D "$3" -m immediate stop; fi
fi >/dev/null 2>&1
rm -rf "$4"
'''
        self.watchdog = subprocess.Popen(
            ["sh", "-c", script, "rampart-pg-watchdog", str(os.getpid()), str(self.bin / "pg_ctl"),
             str(self.data), str(self.root), "1" if self.as_postgres else "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def connect(self, user: Optional[str] = None, password: Optional[str] = None, dbname: str = "postgres"):
        import psycopg
        return psycopg.connect(host="127.0.0.1", port=self.port, user=user or self.ADMIN,
                               password=self.admin_password if user is None else password,
                               dbname=dbname, connect_timeout=10, autocommit=True)

    def instance(self) -> Dict[str, Any]:
        """The declaration of this cluster (`rampart/db-instances/<id>`)."""
        return {"Engine": "PostgreSQL", "Host": "127.0.0.1", "Port": self.port, "AdminAccount": self.ADMIN,
                "AdminPassword": self.admin_password, "Database": "postgres"}

    def create_role(self, name: str, password: str):
        from psycopg import sql
        with self.connect() as c:
            c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                       sql.Literal(password)))
            c.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(sql.Identifier(name)))

    def drop_roles(self, *names: str):
        """Drops the roles (and the privileges granted to them) that exist."""
        from psycopg import sql
        if self.stopped:
            return
        try:
            with self.connect() as c:
                for n in names:
                    try:
                        if c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (n,)).fetchone():
                            c.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(n)))
                            c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(n)))
                    except Exception as e:  # cleanup must not hide the test's own failure
                        print(f"dropping PostgreSQL role {n}: {e}")
        except Exception as e:
            print(f"dropping PostgreSQL roles {names}: {e}")

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"), cwd=self.root,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
        if self.watchdog is not None and self.watchdog.poll() is None:
            self.watchdog.kill()
            self.watchdog.wait()


# --------------------------------------------------------------------------
# MariaDB / MySQL and Redis
# --------------------------------------------------------------------------

def mysql_admin() -> Dict[str, Any]:
    u = urllib.parse.urlparse(os.environ.get("RAMPART_TEST_MYSQL_URL") or "mysql://root@127.0.0.1:3306")
    return {"host": u.hostname or "127.0.0.1", "port": u.port or 3306, "user": urllib.parse.unquote(u.username or "root"),
            "password": urllib.parse.unquote(u.password or "")}


def mysql_connect(user: Optional[str] = None, password: Optional[str] = None):
    import pymysql
    a = mysql_admin()
    return pymysql.connect(host=a["host"], port=a["port"], user=user or a["user"],
                           password=a["password"] if user is None else password, connect_timeout=10,
                           autocommit=True)


def mysql_instance(engine: str = "MariaDB") -> Dict[str, Any]:
    a = mysql_admin()
    return {"Engine": engine, "Host": a["host"], "Port": a["port"], "AdminAccount": a["user"],
            "AdminPassword": a["password"]}


def mysql_create_user(name: str, password: str):
    with mysql_connect() as c, c.cursor() as cur:
        cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (name, password))
        cur.execute(f"GRANT SELECT ON mysql.* TO `{name}`@'%'")


def mysql_drop_users(*names: str):
    try:
        with mysql_connect() as c, c.cursor() as cur:
            for n in names:
                cur.execute("DROP USER IF EXISTS %s@'%%'", (n,))
    except Exception as e:
        print(f"dropping MariaDB users {names}: {e}")


def redis_admin_url() -> urllib.parse.ParseResult:
    return urllib.parse.urlparse(os.environ.get("RAMPART_TEST_REDIS_URL") or "redis://127.0.0.1:6379")


def redis_connect(user: Optional[str] = None, password: Optional[str] = None):
    import redis
    u = redis_admin_url()
    if user is None:
        return redis.Redis(host=u.hostname or "127.0.0.1", port=u.port or 6379,
                           username=u.username or None, password=u.password or None, socket_timeout=10)
    # No retries: an application must see the authentication failure at once.
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    return redis.Redis(host=u.hostname or "127.0.0.1", port=u.port or 6379, username=user, password=password,
                       socket_timeout=10, retry=Retry(NoBackoff(), 0))


def redis_instance() -> Dict[str, Any]:
    u = redis_admin_url()
    return {"Engine": "Redis", "Host": u.hostname or "127.0.0.1", "Port": u.port or 6379,
            "AdminAccount": urllib.parse.unquote(u.username or ""),
            "AdminPassword": urllib.parse.unquote(u.password or "")}


def redis_drop_users(*names: str):
    try:
        r = redis_connect()
        for n in names:
            r.execute_command("ACL", "DELUSER", n)
        r.close()
    except Exception as e:
        print(f"dropping Redis users {names}: {e}")


# --------------------------------------------------------------------------
# logging on, as an application does
# --------------------------------------------------------------------------

class AuthFailed(Exception):
    """The database refused the credentials (what the JDBC wrapper retries on:
    PostgreSQL 28P01, MySQL 1045, Redis WRONGPASS)."""


def login_pg(cluster: PgCluster) -> Callable[[str, str], None]:
    def login(user: str, password: str):
        import psycopg
        try:
            with cluster.connect(user, password) as c:
                assert c.execute("SELECT current_user").fetchone()[0] == user
        except psycopg.OperationalError as e:
            if e.sqlstate == "28P01" or "password authentication failed" in str(e):
                raise AuthFailed(str(e)) from None
            raise
    return login


def reads_pg(cluster: PgCluster) -> Callable[[str, str], bool]:
    """Whether the account may read a table it was not granted by name
    (pg_read_all_data, which the tests' accounts are given)."""
    def reads(user: str, password: str) -> bool:
        import psycopg
        with cluster.connect() as c:
            c.execute("CREATE TABLE IF NOT EXISTS rampart_compat_data (n int)")
        try:
            with cluster.connect(user, password) as c:
                c.execute("SELECT count(*) FROM rampart_compat_data").fetchone()
            return True
        except psycopg.errors.InsufficientPrivilege:
            return False
    return reads


def reads_mysql(user: str, password: str) -> bool:
    """Whether the account may read the `mysql` schema (GRANT SELECT ON mysql.*,
    which the tests' accounts are given)."""
    import pymysql
    try:
        with mysql_connect(user, password) as c, c.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM mysql.db")
        return True
    except pymysql.err.OperationalError as e:
        if e.args and e.args[0] in (1142, 1044):
            return False
        raise


def login_mysql(user: str, password: str):
    import pymysql
    try:
        with mysql_connect(user, password) as c, c.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            assert cur.fetchone()[0].split("@")[0] == user
    except pymysql.err.OperationalError as e:
        if e.args and e.args[0] == 1045:
            raise AuthFailed(str(e)) from None
        raise


def login_redis(user: str, password: str):
    import redis
    r = redis_connect(user, password)
    try:
        assert r.execute_command("ACL", "WHOAMI").decode() == user
        r.set(f"rampart-compat:{user}", "1", ex=60)
    except redis.exceptions.AuthenticationError as e:
        raise AuthFailed(str(e)) from None
    finally:
        r.close()


def logs_on(login: Callable[[str, str], None], account: Dict[str, str]) -> bool:
    try:
        login(account["AccountName"], account["AccountPassword"])
        return True
    except AuthFailed:
        return False


def connect_with_refresh(cache, secret_name: str, login: Callable[[str, str], None]) -> Dict[str, Any]:
    """The JDBC wrapper's loop: credentials from the cache client; on an
    authentication failure refresh_now(secret) and try again, at most 4
    attempts. Returns {"account", "attempts", "refreshes"}."""
    refreshes = 0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        creds = json.loads(cache.get_secret_value(secret_name))
        try:
            login(creds["AccountName"], creds["AccountPassword"])
            return {"account": creds["AccountName"], "attempts": attempt, "refreshes": refreshes}
        except AuthFailed:
            if attempt == MAX_ATTEMPTS:
                raise AssertionError(f"{secret_name}: Connect times limit exceeded") from None
            assert cache.refresh_now(secret_name) is True, f"refresh_now({secret_name}) failed"
            refreshes += 1
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# the secrets-manager clients
# --------------------------------------------------------------------------

class SmcV1Cache:
    """The v1 cache client (aliyun-secret-manager-client, in .venv-smc-v1),
    one long-lived client in a sidecar process (python/sidecar_smc_v1_cache.py)
    spoken to with JSON lines; the same methods as the cache client."""

    def __init__(self, srv, region: str, cwd: Path):
        if not SMC_V1_PYTHON.exists():
            pytest.fail(f"{SMC_V1_PYTHON} missing: run tests/compat/run.sh to create .venv-smc-v1",
                        pytrace=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("credentials_", "cache_client_"))}
        env["HOME"] = str(cwd)
        self.p = subprocess.Popen([str(SMC_V1_PYTHON), str(HERE / "sidecar_smc_v1_cache.py")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=cwd, env=env)
        self._send({"endpoint": srv.base_url, "region": region, "ak": srv.access_key_id,
                    "sk": srv.access_key_secret})

    def _send(self, msg: Dict[str, Any]) -> Any:
        assert self.p.stdin is not None and self.p.stdout is not None
        self.p.stdin.write(json.dumps(msg) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            err = self.p.stderr.read() if self.p.stderr else ""
            raise AssertionError(f"the v1 client sidecar exited:\n{err[-4000:]}")
        out = json.loads(line)
        if "error" in out:
            raise AssertionError(f"v1 client: {out['error']}")
        return out.get("result")

    def get_secret_value(self, name: str) -> str:
        return self._send({"op": "value", "name": name})

    def get_secret_info(self, name: str) -> Dict[str, Any]:
        return self._send({"op": "info", "name": name})

    def refresh_now(self, name: str) -> bool:
        return self._send({"op": "refresh", "name": name})

    def close(self):
        try:
            if self.p.poll() is None:
                self._send({"op": "close"})
                self.p.wait(timeout=20)
        except Exception:
            pass
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()


def smc_v2_cache(srv, region: str):
    """The v2 cache client (alibabacloud-secretsmanager-client-v2), RegionInfo form."""
    from alibabacloud_secretsmanager_client_v2.model.region_info import RegionInfo
    from alibabacloud_secretsmanager_client_v2.secret_manager_cache_client_builder import \
        SecretManagerCacheClientBuilder
    from alibabacloud_secretsmanager_client_v2.service.default_secret_manager_client_builder import \
        DefaultSecretManagerClientBuilder

    b = DefaultSecretManagerClientBuilder.standard().with_access_key(srv.access_key_id, srv.access_key_secret) \
        .add_region_info(RegionInfo(region, endpoint=srv.base_url))
    return SecretManagerCacheClientBuilder.new_cache_client_builder(b.build()).build()


def v2_info(client, name: str) -> Dict[str, Any]:
    info = client.get_secret_info(name)
    return {f: getattr(info, f, None) for f in ("secret_name", "version_id", "secret_value", "secret_data_type",
                                                 "secret_type", "automatic_rotation", "extended_config",
                                                 "rotation_interval", "next_rotation_date")}


# --------------------------------------------------------------------------
# `rampart serve` processes that can be killed and started again
# --------------------------------------------------------------------------

def rampart_bin() -> Path:
    return Path(os.environ.get("RAMPART_BIN") or REPO_ROOT / "target" / "debug" / "rampart")


class RampartProc:
    """`rampart serve` on a fixed port and data dir; kill9() and start() again.
    `env` carries settings given by environment (RAMPART_DATABASE, ...)."""

    def __init__(self, data_dir: Path, args: List[str], env: Optional[Dict[str, str]] = None,
                 port: Optional[int] = None):
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.args = args
        self.env = env or {}
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.scheme = "http"
        self.ca = None
        self.proc: Optional[subprocess.Popen] = None
        # From root-credentials.json; a replica joining an initialized store
        # writes none: the caller copies the first replica's.
        self.account_id: Optional[str] = None
        self.access_key_id: Optional[str] = None
        self.access_key_secret: Optional[str] = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "RampartProc":
        binary = rampart_bin()
        if not binary.is_file():
            pytest.fail(f"server binary not found: {binary} (set RAMPART_BIN)", pytrace=False)
        env = dict(os.environ)
        env.update(self.env)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(binary), "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir),
                 *self.args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError(f"server on {self.port} did not become healthy:\n{self.log_tail()}")
        cred_path = self.data_dir / "root-credentials.json"
        if cred_path.exists():
            creds = json.loads(cred_path.read_text())
            self.account_id = str(creds["AccountId"])
            self.access_key_id = creds["AccessKeyId"]
            self.access_key_secret = creds["AccessKeySecret"]
        return self

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.proc = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])


class StoreDb:
    """A fresh PostgreSQL database for `rampart serve --database`, dropped on close()."""

    def __init__(self, prefix: str):
        import psycopg
        self.admin = os.environ.get("RAMPART_TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
        self.name = f"rampart_test_{prefix}_{_secrets.token_hex(3)}"
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as c:
                c.execute(f"CREATE DATABASE {self.name}")
        except psycopg.OperationalError as e:
            pytest.fail(f"PostgreSQL at {self.admin} is needed (RAMPART_TEST_POSTGRES=skip skips): {e}",
                        pytrace=False)

    @property
    def url(self) -> str:
        u = urllib.parse.urlparse(self.admin)
        return urllib.parse.urlunparse(u._replace(path=f"/{self.name}"))

    def query(self, sql: str, params=()) -> List[tuple]:
        import psycopg
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as c:
            return c.execute(sql, params).fetchall()

    def close(self):
        import psycopg
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=10) as c:
                c.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except Exception as e:
            print(f"dropping {self.name}: {e}")
