"""Crash safety and exactly-once rotation of database secrets on a PostgreSQL
store (`rampart serve --database postgres://…`, a fresh database per test,
dropped after it).

- kill -9: DoubleUsers Rds secrets on a private PostgreSQL cluster with
  password authentication and on MariaDB, a SingleUser one, and Redis $Auto
  secrets rotate automatically every 2 s while RotateSecret calls come in
  parallel; the server is killed (SIGKILL) at random moments and started
  again. After each restart every DoubleUsers secret's ACSCurrent logs on.
  Once rotation is switched off and the lease (15 s) and the first backoff
  (30 s) have passed: no pending version remains, every secret has exactly
  one ACSCurrent and (DoubleUsers) one ACSPrevious, on two different
  accounts, and both log on.
- Two replicas on one store (same master key), both running the scheduler:
  secrets falling due together are each rotated exactly once (one new
  version each; the replicas' logs count one rotation per secret).
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from typing import Any, Dict, List

import pytest
import requests

import dbservers as dbs
import rpc_v1
from kmsclients import KMS_VERSION, make_kms
from ramclients import REGION, ApiError

INTERVAL = "2s"
LEASE_AND_BACKOFF = 15 + 30
# A rotation killed after it renewed its lease for the database step (the
# server's DB_LEASE_SECS) is finished once that lease lapses.
DB_LEASE = 150


@pytest.fixture(scope="module")
def pg_cluster():
    dbs.need("POSTGRES")
    cluster = dbs.PgCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def store_db():
    dbs.need("POSTGRES")
    db = dbs.StoreDb("dbcrash")
    try:
        yield db
    finally:
        db.close()


class Fleet:
    """The secrets of one test and how to check them; drops every database
    account it made on cleanup()."""

    def __init__(self, srv, cluster):
        self.srv = srv
        self.cluster = cluster
        self.secrets: Dict[str, Dict[str, Any]] = {}
        self.pg_roles: List[str] = []
        self.maria_users: List[str] = []
        self.redis_users: List[str] = []

    def kms(self):
        return make_kms("core", self.srv)

    def declare(self):
        kms = self.kms()
        decls = {}
        if not dbs.skipped("POSTGRES"):
            decls["pg-crash"] = self.cluster.instance()
        if not dbs.skipped("MYSQL"):
            decls["maria-crash"] = dbs.mysql_instance("MariaDB")
        if not dbs.skipped("REDIS"):
            decls["redis-crash"] = dbs.redis_instance()
        for i, d in decls.items():
            kms.call("CreateSecret", SecretName=f"rampart/db-instances/{i}", VersionId="v1", SecretData=json.dumps(d))

    def rds(self, engine: str, sub: str, interval: str):
        account = dbs.unique_name(f"k{engine[0]}")
        initial = dbs.random_password()
        if engine == "postgres":
            self.pg_roles += [account, f"{account}_clone"]
            self.cluster.create_role(account, initial)
            instance, login = "pg-crash", dbs.login_pg(self.cluster)
        else:
            self.maria_users += [account, f"{account}_clone"]
            dbs.mysql_create_user(account, initial)
            instance, login = "maria-crash", dbs.login_mysql
        name = f"db/crash-{engine}-{sub.lower()}-{uuid.uuid4().hex[:6]}"
        self.kms().call("CreateSecret", SecretName=name, SecretType="Rds", VersionId="v0",
                        SecretData=json.dumps({"Accounts": [{"AccountName": account, "AccountPassword": initial}]}),
                        ExtendedConfig={"SecretSubType": sub, "DBInstanceId": instance},
                        EnableAutomaticRotation=True, RotationInterval=interval)
        self.secrets[name] = {"double": sub == "DoubleUsers", "login": login, "initial_versions": 1}

    def redis(self, interval: str):
        account = dbs.unique_name("kr")
        self.redis_users += [account, f"{account}_clone"]
        name = f"cache/crash-{uuid.uuid4().hex[:6]}"
        self.kms().call("CreateSecret", SecretName=name, SecretType="Redis", VersionId="v0", SecretData="$Auto",
                        ExtendedConfig={"SecretSubType": "DoubleUsers", "InstanceId": "redis-crash",
                                        "AccountName": account, "RegionId": REGION},
                        EnableAutomaticRotation=True, RotationInterval=interval)
        self.secrets[name] = {"double": True, "login": dbs.login_redis, "initial_versions": 2}

    def populate(self, interval: str, pg_double: int, maria_double: int, redis: int, pg_single: int = 0):
        self.declare()
        if not dbs.skipped("POSTGRES"):
            for _ in range(pg_double):
                self.rds("postgres", "DoubleUsers", interval)
            for _ in range(pg_single):
                self.rds("postgres", "SingleUser", interval)
        if not dbs.skipped("MYSQL"):
            for _ in range(maria_double):
                self.rds("mariadb", "DoubleUsers", interval)
        if not dbs.skipped("REDIS"):
            for _ in range(redis):
                self.redis(interval)

    def stage(self, name: str, stage: str) -> Dict[str, Any]:
        got = self.kms().call("GetSecretValue", SecretName=name, VersionStage=stage)
        return {"VersionId": got["VersionId"], **json.loads(got["SecretData"])}

    def versions(self, name: str) -> List[Dict[str, Any]]:
        body = self.kms().call("ListSecretVersionIds", SecretName=name, IncludeDeprecated="true", PageSize=100)
        return [{"VersionId": v["VersionId"],
                 "Stages": sorted((v.get("VersionStages") or {}).get("VersionStage") or [])}
                for v in body["VersionIds"]["VersionId"]]

    def set_rotation(self, enabled: bool, interval: str = INTERVAL):
        for name in self.secrets:
            self.kms().call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=enabled,
                            RotationInterval=interval if enabled else None)

    def current_logs_on(self, name: str):
        """ACSCurrent of a DoubleUsers secret logs on; a failure counts only
        if the version was still current after it (no rotation in between)."""
        login = self.secrets[name]["login"]
        for _ in range(5):
            cur = self.stage(name, "ACSCurrent")
            if dbs.logs_on(login, cur):
                return
            if self.stage(name, "ACSCurrent")["VersionId"] == cur["VersionId"]:
                raise AssertionError(f"{name}: ACSCurrent {cur['VersionId']} ({cur['AccountName']}) does not log on")
        raise AssertionError(f"{name}: ACSCurrent kept changing")

    def cleanup(self):
        if self.pg_roles and not self.cluster.stopped:
            self.cluster.drop_roles(*self.pg_roles)
        if self.maria_users:
            dbs.mysql_drop_users(*self.maria_users)
        if self.redis_users:
            dbs.redis_drop_users(*self.redis_users)


def _pg_role_exists(cluster: dbs.PgCluster, name: str) -> bool:
    with cluster.connect() as c:
        return c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def _redis_user_exists(name: str) -> bool:
    r = dbs.redis_connect()
    try:
        return name.encode() in r.execute_command("ACL", "USERS")
    finally:
        r.close()


class Creations:
    """$Auto secrets (Redis; PolarDB for PostgreSQL) created while the server
    is being killed: each either exists and settles like the others, or does
    not exist and left no account behind."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.attempts: List[Dict[str, Any]] = []
        self.outcomes: Counter = Counter()

    def run(self, srv, stop: threading.Event):
        kinds = [k for k, engine in (("redis", "REDIS"), ("polardb", "POSTGRES")) if not dbs.skipped(engine)]
        i = 0
        while kinds and not stop.is_set():
            kind = kinds[i % len(kinds)]
            i += 1
            account = dbs.unique_name("kc")
            name = f"auto/crash-{kind}-{uuid.uuid4().hex[:6]}"
            if kind == "redis":
                self.fleet.redis_users += [account, f"{account}_clone"]
                params = {"SecretType": "Redis", "ExtendedConfig": json.dumps(
                    {"SecretSubType": "DoubleUsers", "InstanceId": "redis-crash", "AccountName": account,
                     "RegionId": REGION})}
            else:
                self.fleet.pg_roles += [account, f"{account}_clone"]
                params = {"SecretType": "PolarDB", "ExtendedConfig": json.dumps(
                    {"SecretSubType": "DoubleUsers", "DBClusterId": "pg-crash", "DBType": "PostgreSQL",
                     "AccountName": account, "RegionId": REGION})}
            self.attempts.append({"kind": kind, "name": name, "account": account})
            try:
                r = rpc_v1.signed_request(srv.base_url, "CreateSecret",
                                          {"SecretName": name, "VersionId": "v0", "SecretData": "$Auto", **params},
                                          srv.access_key_id, srv.access_key_secret, version=KMS_VERSION).send(
                    timeout=30)
                self.outcomes["created" if r.status_code == 200 else f"{r.status_code} {r.json().get('Code')}"] += 1
            except requests.RequestException:
                self.outcomes["server down"] += 1
            time.sleep(0.3)

    def settle(self):
        """Adds the secrets that exist to the fleet; checks the others left no
        account."""
        kms = self.fleet.kms()
        for a in self.attempts:
            try:
                kms.call("DescribeSecret", SecretName=a["name"])
            except ApiError as e:
                assert e.code == "Forbidden.ResourceNotFound", e
                for acc in (a["account"], f"{a['account']}_clone"):
                    exists = _redis_user_exists(acc) if a["kind"] == "redis" else \
                        _pg_role_exists(self.fleet.cluster, acc)
                    assert not exists, f"{a['name']} does not exist but its account {acc} does"
                continue
            login = dbs.login_redis if a["kind"] == "redis" else dbs.login_pg(self.fleet.cluster)
            self.fleet.secrets[a["name"]] = {"double": True, "login": login, "initial_versions": 2,
                                             "rotations_owed": 1}


def _check_settled(fleet: Fleet, store: dbs.StoreDb, min_rotations: int) -> Dict[str, int]:
    """The final invariants; returns the number of versions of each secret."""
    rows = store.query("SELECT secret_name, pending_version_id FROM secrets WHERE pending_version_id IS NOT NULL")
    assert rows == [], f"pending versions remain: {rows}"
    counts = {}
    for name, info in fleet.secrets.items():
        vs = fleet.versions(name)
        current = [v["VersionId"] for v in vs if "ACSCurrent" in v["Stages"]]
        previous = [v["VersionId"] for v in vs if "ACSPrevious" in v["Stages"]]
        assert len(current) == 1, f"{name}: versions claiming ACSCurrent: {current}"
        assert len(previous) <= 1, f"{name}: versions claiming ACSPrevious: {previous}"
        need = min_rotations - info.get("rotations_owed", 0)
        assert len(vs) - info["initial_versions"] >= need, f"{name} did not rotate: {vs}"
        cur = fleet.stage(name, "ACSCurrent")
        assert cur["VersionId"] == current[0]
        assert dbs.logs_on(info["login"], cur), f"{name}: ACSCurrent {cur['VersionId']} does not log on"
        if info["double"]:
            assert len(previous) == 1, f"{name}: no ACSPrevious: {vs}"
            prev = fleet.stage(name, "ACSPrevious")
            assert prev["AccountName"] != cur["AccountName"], f"{name}: both stages on {cur['AccountName']}"
            assert dbs.logs_on(info["login"], prev), f"{name}: ACSPrevious {prev['VersionId']} does not log on"
        counts[name] = len(vs)
    return counts


def _wait_settled(store: dbs.StoreDb, timeout: float) -> float:
    """Waits until no secret has a pending version or a live lease; returns
    the seconds waited."""
    start = time.monotonic()
    while True:
        now = int(time.time())
        busy = store.query("SELECT secret_name, pending_version_id, lease_until, rotation_failures, rotation_error "
                           "FROM secrets WHERE pending_version_id IS NOT NULL OR lease_until >= %s", (now,))
        if not busy:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not settled after {timeout:.0f} s: {busy}")
        time.sleep(1)


def test_kill_nine_during_database_rotations(tmp_path, store_db, pg_cluster):
    srv = dbs.RampartProc(tmp_path / "data", ["--min-rotation-interval", "1s"],
                          env={"RAMPART_DATABASE": store_db.url}).start()
    fleet = Fleet(srv, pg_cluster)
    stop = threading.Event()
    rotate_calls: Counter = Counter()
    try:
        fleet.populate(INTERVAL, pg_double=4, maria_double=3, redis=2, pg_single=1)
        names = list(fleet.secrets)
        assert names

        def load():
            # Immediate rotations in parallel with the scheduler's.
            rng = random.Random()
            while not stop.is_set():
                name = rng.choice(names)
                try:
                    r = rpc_v1.signed_request(srv.base_url, "RotateSecret",
                                              {"SecretName": name, "VersionId": "api-" + uuid.uuid4().hex[:12]},
                                              srv.access_key_id, srv.access_key_secret, version=KMS_VERSION).send(
                        timeout=30)
                    if r.status_code == 200:
                        rotate_calls["ok"] += 1
                    else:
                        rotate_calls[f"{r.status_code} {r.json().get('Code')}"] += 1
                        time.sleep(0.05)
                except requests.RequestException:
                    rotate_calls["server down"] += 1
                    time.sleep(0.2)

        creations = Creations(fleet)
        threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
        threads.append(threading.Thread(target=creations.run, args=(srv, stop), daemon=True))
        for t in threads:
            t.start()
        rng = random.Random()
        kills = interrupted = 0
        # At least 8 kills; more (up to 20) until 3 of them caught rotations
        # between sealing the pending version and making it current.
        while kills < 8 or (interrupted < 3 and kills < 20):
            time.sleep(rng.uniform(0.4, 2.5))
            srv.kill9()
            kills += 1
            if store_db.query("SELECT 1 FROM secrets WHERE pending_version_id IS NOT NULL LIMIT 1"):
                interrupted += 1
            srv.start()
            for name, info in fleet.secrets.items():
                if info["double"]:
                    fleet.current_logs_on(name)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert rotate_calls["ok"] > 0, rotate_calls
        assert interrupted > 0, f"no kill out of {kills} interrupted a rotation"
        unexpected = {k: n for k, n in rotate_calls.items()
                      if k not in ("ok", "server down", "409 Rejected.ResourceInUse")}
        assert not unexpected, f"RotateSecret answered {unexpected}"
        # Rotation off; interrupted rotations (and creations) are still finished.
        fleet.set_rotation(False)
        waited = _wait_settled(store_db, DB_LEASE + LEASE_AND_BACKOFF + 15)
        creations.settle()
        assert creations.outcomes["created"] > 0, creations.outcomes
        unexpected = {k: n for k, n in creations.outcomes.items() if k not in ("created", "server down")}
        assert not unexpected, f"CreateSecret answered {unexpected}"
        counts = _check_settled(fleet, store_db, min_rotations=1)
        # And the database secrets still rotate on demand afterwards.
        for name in fleet.secrets:
            fleet.kms().call("RotateSecret", SecretName=name, VersionId="after-" + uuid.uuid4().hex[:8])
        _check_settled(fleet, store_db, min_rotations=2)
        print(f"{kills} kills ({interrupted} mid-rotation), RotateSecret {dict(rotate_calls)}, "
              f"CreateSecret $Auto {dict(creations.outcomes)}, settled in {waited:.0f} s, versions {counts}")
    finally:
        stop.set()
        srv.kill9()
        fleet.cleanup()


def _rotations_logged(proc: dbs.RampartProc) -> List[str]:
    """The secrets a server's log says it rotated, once per rotation (a
    creation that makes the first version current is no rotation)."""
    return re.findall(r"the new password is current secret=(\S+) .*rotated=true", proc.log_text())


def test_two_replicas_rotate_each_due_secret_once(tmp_path, store_db, pg_cluster):
    env = {"RAMPART_DATABASE": store_db.url}
    a = dbs.RampartProc(tmp_path / "a", ["--min-rotation-interval", "1s"], env=env).start()
    key = str(tmp_path / "a" / "master.key")
    b = dbs.RampartProc(tmp_path / "b", ["--min-rotation-interval", "1s", "--master-key-file", key], env=env)
    fleet = Fleet(a, pg_cluster)
    try:
        # Due together, 20 s after creation: B is up by then.
        created = time.monotonic()
        fleet.populate("20s", pg_double=5, maria_double=2, redis=1)
        b.start()
        if b.access_key_id is None:
            b.account_id, b.access_key_id, b.access_key_secret = a.account_id, a.access_key_id, a.access_key_secret
        assert b.account_id == a.account_id
        names = list(fleet.secrets)
        deadline = created + 20 + 30
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                if len(fleet.versions(name)) > fleet.secrets[name]["initial_versions"]:
                    # Rotated: off before it falls due again (20 s later).
                    fleet.kms().call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=False)
                    pending.discard(name)
            time.sleep(0.3)
        fleet.set_rotation(False)
        assert not pending, f"not rotated within 30 s of falling due: {sorted(pending)}"
        _wait_settled(store_db, LEASE_AND_BACKOFF)
        counts = _check_settled(fleet, store_db, min_rotations=1)
        extra = {n: c - fleet.secrets[n]["initial_versions"] for n, c in counts.items()
                 if c - fleet.secrets[n]["initial_versions"] != 1}
        assert not extra, f"secrets rotated more than once: {extra}"
        by_a, by_b = _rotations_logged(a), _rotations_logged(b)
        for name in names:
            assert by_a.count(name) + by_b.count(name) == 1, \
                f"{name}: rotated {by_a.count(name)} times by one replica, {by_b.count(name)} by the other"
        print(f"rotations: {len(by_a)} by one replica, {len(by_b)} by the other")
        # Both replicas answer the same current version.
        kb = make_kms("core", b)
        for name in names:
            assert kb.call("GetSecretValue", SecretName=name)["VersionId"] == fleet.stage(name, "ACSCurrent")[
                "VersionId"]
    finally:
        a.kill9()
        b.kill9()
        fleet.cleanup()
