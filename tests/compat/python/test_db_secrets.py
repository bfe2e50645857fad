"""Database secrets (rds-redis-secrets.md; behaviour.md §7) through the official
SDKs, read by both secrets-manager cache clients, used by an application that
logs on to real databases with psycopg, PyMySQL and redis-py.

- Instances are declared as generic secrets `rampart/db-instances/<id>`: a
  private PostgreSQL cluster with scram-sha-256 passwords (dbservers.PgCluster),
  the shared MariaDB, the shared Redis.
- `Rds` secrets (SingleUser, DoubleUsers) are created with the Tea KMS client
  and with the core (V1) SDK; a `Redis` secret with `SecretData=$Auto`.
- The application reads credentials from the v1 client (in .venv-smc-v1,
  through python/sidecar_smc_v1_cache.py) and from the v2 client, and logs on
  as the JDBC wrapper does: on an authentication failure it calls
  `refresh_now(secret)` and tries again, at most 4 attempts. So a DoubleUsers
  secret keeps working from a stale cache through one rotation, and needs one
  refresh after two; a SingleUser secret needs one after each.
- The server runs with `--min-rotation-interval 1s` so automatic rotation can
  be watched.

Every database account a test creates is dropped at its end, failed or not.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import dbservers as dbs
from conftest import start_server
from kmsclients import make_kms, stages
from ramclients import REGION, ApiError, assert_date, expect_error, make_client

RDS_ROLE = "AliyunServiceRoleForKMSSecretsManagerForRDS"
REDIS_ROLE = "AliyunServiceRoleForKMSSecretsManagerForRedis"
WEEK = "604800s"


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Env:
    """The module's server, its declared instances and the passwords seen
    (none may reach the server's log)."""

    def __init__(self, srv):
        self.srv = srv
        self.tea = make_kms("tea_v3", srv)
        self.core = make_kms("core", srv)
        self.ram = make_client("tea_v3", srv)
        self.passwords: set = set()
        self.pg = None
        self.instances: Dict[str, str] = {}
        self.roles_before: Dict[str, bool] = {}

    def role_exists(self, name: str) -> bool:
        try:
            self.ram.call("GetRole", RoleName=name)
            return True
        except Exception as e:  # ApiError EntityNotExist.Role
            if "EntityNotExist.Role" in str(e):
                return False
            raise

    def declare(self, instance_id: str, decl: Dict[str, Any]):
        name = f"rampart/db-instances/{instance_id}"
        self.tea.call("CreateSecret", SecretName=name, VersionId="v1", SecretData=json.dumps(decl))
        if decl.get("AdminPassword"):
            self.passwords.add(decl["AdminPassword"])
        self.instances[instance_id] = name

    def redeclare(self, instance_id: str, decl: Dict[str, Any]):
        self.tea.call("PutSecretValue", SecretName=f"rampart/db-instances/{instance_id}",
                      VersionId="v" + uuid.uuid4().hex[:8], SecretData=json.dumps(decl))

    def value(self, name: str, stage: str = "ACSCurrent") -> Dict[str, Any]:
        got = self.tea.call("GetSecretValue", SecretName=name, VersionStage=stage)
        data = json.loads(got["SecretData"])
        self.passwords.add(data["AccountPassword"])
        return {"VersionId": got["VersionId"], "Stages": stages(got), **data}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    srv, stop = start_server("--min-rotation-interval", "1s")
    e = Env(srv)
    e.roles_before = {r: e.role_exists(r) for r in (RDS_ROLE, REDIS_ROLE)}
    try:
        yield e
    finally:
        stop()


@pytest.fixture(scope="module")
def pg(env):
    dbs.need("POSTGRES")
    cluster = dbs.PgCluster().start()
    try:
        env.pg = cluster
        env.passwords.add(cluster.admin_password)
        env.declare("pg-compat", cluster.instance())
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def maria(env):
    dbs.need("MYSQL")
    env.declare("maria-compat", dbs.mysql_instance("MariaDB"))
    return "maria-compat"


@pytest.fixture(scope="module")
def redis_instance(env):
    dbs.need("REDIS")
    env.declare("redis-compat", dbs.redis_instance())
    return "redis-compat"


@pytest.fixture(scope="module")
def caches(env, tmp_path_factory):
    """Both cache clients, built in a directory without secretsmanager.properties."""
    cwd = tmp_path_factory.mktemp("smc-cwd")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        v2 = dbs.smc_v2_cache(env.srv, REGION)
    finally:
        os.chdir(old)
    v1 = dbs.SmcV1Cache(env.srv, REGION, Path(cwd))
    try:
        yield {"v1": v1, "v2": v2}
    finally:
        v1.close()
        v2.close()


# --------------------------------------------------------------------------
# engines: how to make an account, log on, clean up
# --------------------------------------------------------------------------

class Engine:
    def __init__(self, key: str, instance_id: str, login: Callable[[str, str], None],
                 create: Callable[[str, str], None], drop: Callable[..., None], custom: Dict[str, str],
                 reads: Callable[[str, str], bool]):
        self.key, self.instance_id, self.login = key, instance_id, login
        self.create, self.drop, self.custom, self.reads = create, drop, custom, reads


@pytest.fixture
def engine(request, env):
    key = request.param
    if key == "postgres":
        cluster = request.getfixturevalue("pg")
        return Engine(key, "pg-compat", dbs.login_pg(cluster), cluster.create_role, cluster.drop_roles,
                      {"Endpoint": "127.0.0.1", "Port": str(cluster.port), "DBName": "postgres"},
                      dbs.reads_pg(cluster))
    request.getfixturevalue("maria")
    a = dbs.mysql_admin()
    return Engine(key, "maria-compat", dbs.login_mysql, dbs.mysql_create_user, dbs.mysql_drop_users,
                  {"Endpoint": a["host"], "Port": str(a["port"]), "DBName": "mysql"}, dbs.reads_mysql)


def _rds_params(name: str, sub: str, instance_id: str, accounts: List[Dict[str, str]],
                custom: Dict[str, str], interval: str = "7d", auto: bool = True) -> Dict[str, Any]:
    return dict(SecretName=name, SecretType="Rds", VersionId="v0",
                SecretData=json.dumps({"Accounts": accounts}),
                ExtendedConfig={"SecretSubType": sub, "DBInstanceId": instance_id, "CustomData": custom},
                EnableAutomaticRotation=auto, RotationInterval=interval if auto else None)


def _versions(env, name: str) -> List[Dict[str, Any]]:
    body = env.tea.call("ListSecretVersionIds", SecretName=name, IncludeDeprecated="true", PageSize=100)
    return [{"VersionId": v["VersionId"], "Stages": sorted((v.get("VersionStages") or {}).get("VersionStage") or [])}
            for v in body["VersionIds"]["VersionId"]]


def _both_clients_connect(caches, name: str, login, refreshes: int, account: str):
    for which, cache in caches.items():
        got = dbs.connect_with_refresh(cache, name, login)
        assert (got["account"], got["refreshes"]) == (account, refreshes), f"{which} client: {got}"


# --------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------

@pytest.mark.parametrize("engine,flavour", [("postgres", "tea_v3"), ("mariadb", "core")],
                         indirect=["engine"])
def test_double_users_rotate_and_clients_follow(env, caches, engine, flavour):
    kms = make_kms(flavour, env.srv)
    app = dbs.unique_name("dbl")
    clone = f"{app}_clone"
    initial = dbs.random_password()
    env.passwords.add(initial)
    engine.create(app, initial)
    try:
        name = f"db/{engine.key}-double-{uuid.uuid4().hex[:6]}"
        body = kms.call("CreateSecret", **_rds_params(name, "DoubleUsers", engine.instance_id,
                                                      [{"AccountName": app, "AccountPassword": initial}],
                                                      engine.custom))
        assert (body["SecretName"], body["SecretType"], body["VersionId"]) == (name, "Rds", "v0"), body
        assert (body["AutomaticRotation"], body["RotationInterval"]) == ("Enabled", WEEK), body
        assert abs((_parse(body["NextRotationDate"]) - _now()).total_seconds() - 604800) < 300, body

        # GetSecretValue: one account; ExtendedConfig only when asked for.
        got = kms.call("GetSecretValue", SecretName=name)
        assert json.loads(got["SecretData"]) == {"AccountName": app, "AccountPassword": initial}
        assert (got["SecretType"], got["SecretDataType"], stages(got)) == ("Rds", "text", ["ACSCurrent"])
        assert (got["AutomaticRotation"], got["RotationInterval"]) == ("Enabled", WEEK)
        assert_date(got["NextRotationDate"], "NextRotationDate")
        assert "ExtendedConfig" not in got
        got = kms.call("GetSecretValue", SecretName=name, FetchExtendedConfig=True)
        ext = json.loads(got["ExtendedConfig"])
        assert (ext["SecretSubType"], ext["DBInstanceId"], ext["CustomData"]) == \
            ("DoubleUsers", engine.instance_id, engine.custom), ext

        # Both cache clients read it, with the metadata the JDBC wrapper uses.
        info = dbs.v2_info(caches["v2"], name)
        v1info = caches["v1"].get_secret_info(name)
        for which, i in (("v2", info), ("v1", v1info)):
            assert (i["secret_type"], i["rotation_interval"], i["automatic_rotation"]) == ("Rds", WEEK, "Enabled"), \
                (which, i)
            assert json.loads(i["secret_value"]) == {"AccountName": app, "AccountPassword": initial}, which
            e = i["extended_config"]
            e = json.loads(e) if isinstance(e, str) else e
            assert e["CustomData"] == engine.custom, (which, e)
            assert i["next_rotation_date"], (which, i)
        _both_clients_connect(caches, name, engine.login, 0, app)

        # First rotation: the clone is created with the same privileges and
        # becomes current; the original keeps working as ACSPrevious, so the
        # clients' stale credentials still log on.
        body = kms.call("RotateSecret", SecretName=name, VersionId="r1")
        assert (body["SecretName"], body["VersionId"]) == (name, "r1"), body
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert (cur["AccountName"], cur["VersionId"], prev["AccountName"], prev["VersionId"]) == \
            (clone, "r1", app, "v0")
        assert prev["AccountPassword"] == initial
        assert dbs.logs_on(engine.login, cur) and dbs.logs_on(engine.login, prev)
        assert engine.reads(cur["AccountName"], cur["AccountPassword"]), "the clone lacks the original's privileges"
        _both_clients_connect(caches, name, engine.login, 0, app)

        # Idempotent by VersionId: the same id changes nothing.
        body = kms.call("RotateSecret", SecretName=name, VersionId="r1")
        assert body["VersionId"] == "r1"
        again = env.value(name)
        assert (again["VersionId"], again["AccountPassword"]) == ("r1", cur["AccountPassword"])
        assert len(_versions(env, name)) == 2

        d = kms.call("DescribeSecret", SecretName=name)
        assert (d["SecretType"], d["AutomaticRotation"], d["RotationInterval"]) == ("Rds", "Enabled", WEEK), d
        assert abs((_parse(d["LastRotationDate"]) - _now()).total_seconds()) < 300, d
        assert abs((_parse(d["NextRotationDate"]) - _parse(d["LastRotationDate"])).total_seconds() - 604800) < 5, d
        assert json.loads(d["ExtendedConfig"])["DBInstanceId"] == engine.instance_id, d

        # Second rotation: back to the original account with a new password;
        # the clients' cached one is dead, so each refreshes once.
        kms.call("RotateSecret", SecretName=name, VersionId="r2")
        cur2, prev2 = env.value(name), env.value(name, "ACSPrevious")
        assert (cur2["AccountName"], prev2["AccountName"], prev2["VersionId"]) == (app, clone, "r1")
        assert cur2["AccountPassword"] not in (initial, cur["AccountPassword"])
        assert dbs.logs_on(engine.login, cur2) and dbs.logs_on(engine.login, prev2)
        assert not dbs.logs_on(engine.login, {"AccountName": app, "AccountPassword": initial})
        _both_clients_connect(caches, name, engine.login, 1, app)
        vs = {v["VersionId"]: v["Stages"] for v in _versions(env, name)}
        assert vs == {"v0": [], "r1": ["ACSPrevious"], "r2": ["ACSCurrent"]}, vs
    finally:
        engine.drop(app, clone)


@pytest.mark.parametrize("engine,flavour", [("postgres", "core"), ("mariadb", "tea_v3")], indirect=["engine"])
def test_single_user_old_password_stops(env, caches, engine, flavour):
    kms = make_kms(flavour, env.srv)
    app = dbs.unique_name("sgl")
    initial = dbs.random_password()
    env.passwords.add(initial)
    engine.create(app, initial)
    try:
        name = f"db/{engine.key}-single-{uuid.uuid4().hex[:6]}"
        kms.call("CreateSecret", **_rds_params(name, "SingleUser", engine.instance_id,
                                               [{"AccountName": app, "AccountPassword": initial}],
                                               engine.custom, auto=False))
        d = kms.call("DescribeSecret", SecretName=name)
        assert d["AutomaticRotation"] == "Disabled", d
        assert json.loads(d["ExtendedConfig"])["SecretSubType"] == "SingleUser"
        _both_clients_connect(caches, name, engine.login, 0, app)

        kms.call("RotateSecret", SecretName=name, VersionId="r1")
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert (cur["AccountName"], cur["VersionId"], prev["VersionId"]) == (app, "r1", "v0")
        assert dbs.logs_on(engine.login, cur)
        assert not dbs.logs_on(engine.login, prev), "the old password of a SingleUser secret stops working"
        _both_clients_connect(caches, name, engine.login, 1, app)
    finally:
        engine.drop(app)


def test_double_users_with_two_accounts_and_deletion(env, pg):
    """Two imported accounts: the second is ACSPrevious and is the one the
    first rotation changes. Deleting the secret leaves the accounts alone."""
    a, b = dbs.unique_name("two_a"), dbs.unique_name("two_b")
    pa, pb = dbs.random_password(), dbs.random_password()
    env.passwords.update((pa, pb))
    pg.create_role(a, pa)
    pg.create_role(b, pb)
    login = dbs.login_pg(pg)
    try:
        name = f"db/two-{uuid.uuid4().hex[:6]}"
        env.core.call("CreateSecret", **_rds_params(name, "DoubleUsers", "pg-compat",
                                                    [{"AccountName": a, "AccountPassword": pa},
                                                     {"AccountName": b, "AccountPassword": pb}], {}, auto=False))
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert (cur["AccountName"], cur["AccountPassword"], prev["AccountName"], prev["AccountPassword"]) == \
            (a, pa, b, pb)
        env.tea.call("RotateSecret", SecretName=name, VersionId="r1")
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert (cur["AccountName"], prev["AccountName"], prev["AccountPassword"]) == (b, a, pa)
        assert cur["AccountPassword"] != pb
        assert dbs.logs_on(login, cur) and dbs.logs_on(login, prev)
        assert not dbs.logs_on(login, {"AccountName": b, "AccountPassword": pb})
        env.tea.call("DeleteSecret", SecretName=name, ForceDeleteWithoutRecovery="true")
        expect_error(lambda: env.tea.call("GetSecretValue", SecretName=name), 404, "Forbidden.ResourceNotFound")
        assert dbs.logs_on(login, cur) and dbs.logs_on(login, prev), "deleting the secret changed the accounts"
    finally:
        pg.drop_roles(a, b, f"{a}_clone", f"{b}_clone")


def test_default_minimum_rotation_interval(fresh_server):
    """Without --min-rotation-interval the smallest RotationInterval is 6h."""
    srv = fresh_server()
    kms = make_kms("tea_v3", srv)
    params = _rds_params("db/short", "SingleUser", "pg-any", [{"AccountName": "app", "AccountPassword": "x"}], {},
                         interval="1h")
    expect_error(lambda: kms.call("CreateSecret", **params), 400, "InvalidParameter.RotationInterval")


def test_list_secrets_filter_documented_rds_value(env, pg):
    app = dbs.unique_name("lst")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    try:
        name = f"db/list-{uuid.uuid4().hex[:6]}"
        env.tea.call("CreateSecret", **_rds_params(name, "SingleUser", "pg-compat",
                                                   [{"AccountName": app, "AccountPassword": initial}], {}, auto=False))
        listed = env.tea.call("ListSecrets", PageSize=100,
                              Filters=json.dumps([{"Key": "SecretType", "Values": ["Rds"]}]))
        assert name in [s["SecretName"] for s in listed["SecretList"]["Secret"]]
        listed = env.tea.call("ListSecrets", PageSize=100,
                              Filters=json.dumps([{"Key": "SecretType", "Values": ["RDS"]}]))
        assert name in [s["SecretName"] for s in listed["SecretList"]["Secret"]], \
            "Filters SecretType=RDS (the documented value) did not list the Rds secret"
    finally:
        pg.drop_roles(app)


def test_concurrent_creations_for_one_account(env, pg):
    """An account has one secret, also when its secrets are created at once."""
    app = dbs.unique_name("race")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    results: Dict[str, str] = {}
    barrier = threading.Barrier(6)

    def create(i: int):
        kms = make_kms("tea_v3", env.srv)
        name = f"db/race-{uuid.uuid4().hex[:6]}-{i}"
        barrier.wait(timeout=30)
        try:
            kms.call("CreateSecret", **_rds_params(name, "SingleUser", "pg-compat",
                                                   [{"AccountName": app, "AccountPassword": initial}], {},
                                                   auto=False))
            results[name] = "created"
        except ApiError as e:
            results[name] = f"{e.status} {e.code}"

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        created = sorted(n for n, r in results.items() if r == "created")
        assert len(created) == 1, f"{len(created)} secrets manage `{app}`: {results}"
        assert all(r == "409 Rejected.ResourceInUse" for r in results.values() if r != "created"), results
    finally:
        pg.drop_roles(app)


def test_existing_clone_account_is_not_taken_over(env, pg):
    """`<AccountName>_clone` already exists, unrelated and without the imported
    account's privileges: either the secret is refused, or the clone the
    application is switched to has the original's privileges."""
    app = dbs.unique_name("pre")
    initial = dbs.random_password()
    other = dbs.random_password()
    env.passwords.update((initial, other))
    pg.create_role(app, initial)
    with pg.connect() as c:
        from psycopg import sql
        c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(f"{app}_clone"),
                                                                   sql.Literal(other)))
    try:
        name = f"db/preclone-{uuid.uuid4().hex[:6]}"
        try:
            env.tea.call("CreateSecret", **_rds_params(name, "DoubleUsers", "pg-compat",
                                                       [{"AccountName": app, "AccountPassword": initial}], {},
                                                       auto=False))
        except ApiError as e:
            assert e.status in (400, 409), e
            return
        env.tea.call("RotateSecret", SecretName=name, VersionId="r1")
        cur = env.value(name)
        with pg.connect() as c:
            member = c.execute("SELECT pg_has_role(%s, 'pg_read_all_data', 'MEMBER')",
                               (cur["AccountName"],)).fetchone()[0]
        assert member, f"ACSCurrent `{cur['AccountName']}` lacks the privileges of `{app}`"
    finally:
        pg.drop_roles(app, f"{app}_clone")


def test_redis_auto_secret(env, caches, redis_instance):
    account = dbs.unique_name("cache")
    clone = f"{account}_clone"
    name = f"cache/app-{uuid.uuid4().hex[:6]}"
    ext = {"SecretSubType": "DoubleUsers", "InstanceId": redis_instance, "AccountName": account,
           "AccountPrivilege": "RoleReadWrite", "RegionId": REGION, "CustomData": {"Endpoint": "127.0.0.1"}}
    try:
        # RegionId must be the server's region; SecretData must be $Auto.
        expect_error(lambda: env.tea.call("CreateSecret", SecretName=name, SecretType="Redis", VersionId="v0",
                                          SecretData="$Auto", ExtendedConfig={**ext, "RegionId": "cn-beijing"}),
                     400, "InvalidParameter.ExtendedConfig")
        expect_error(lambda: env.tea.call("CreateSecret", SecretName=name, SecretType="Redis", VersionId="v0",
                                          SecretData='{"Accounts":[]}', ExtendedConfig=ext),
                     400, "InvalidParameter.SecretData")
        body = env.tea.call("CreateSecret", SecretName=name, SecretType="Redis", VersionId="v0", SecretData="$Auto",
                            ExtendedConfig=ext, EnableAutomaticRotation=True, RotationInterval="7d")
        assert (body["SecretType"], body["RotationInterval"]) == ("Redis", WEEK), body
        assert env.role_exists(REDIS_ROLE)
        # Both accounts were created with one password: current and clone.
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert (cur["AccountName"], prev["AccountName"]) == (account, clone)
        assert cur["AccountPassword"] == prev["AccountPassword"]
        assert dbs.logs_on(dbs.login_redis, cur) and dbs.logs_on(dbs.login_redis, prev)
        d = env.core.call("DescribeSecret", SecretName=name)
        assert (d["SecretType"], d["AutomaticRotation"], d["RotationInterval"]) == ("Redis", "Enabled", WEEK), d
        e = json.loads(d["ExtendedConfig"])
        assert (e["InstanceId"], e["AccountName"]) == (redis_instance, account), e
        _both_clients_connect(caches, name, dbs.login_redis, 0, account)

        env.core.call("RotateSecret", SecretName=name, VersionId="r1")
        cur1 = env.value(name)
        assert cur1["AccountName"] == clone and cur1["AccountPassword"] != cur["AccountPassword"]
        assert dbs.logs_on(dbs.login_redis, cur1) and dbs.logs_on(dbs.login_redis, env.value(name, "ACSPrevious"))
        _both_clients_connect(caches, name, dbs.login_redis, 0, account)
        env.core.call("RotateSecret", SecretName=name, VersionId="r2")
        assert env.value(name)["AccountName"] == account
        _both_clients_connect(caches, name, dbs.login_redis, 1, account)
        # Another secret may not take these accounts.
        expect_error(lambda: env.tea.call("CreateSecret", SecretName=name + "-2", SecretType="Redis", VersionId="v0",
                                          SecretData="$Auto", ExtendedConfig=ext), 409, "Rejected.ResourceInUse")
    finally:
        dbs.redis_drop_users(account, clone)


@pytest.mark.parametrize("kind", ["postgres", "mariadb", "redis"])
def test_automatic_rotation(env, caches, request, kind):
    """RotationInterval 3s: the scheduler rotates on its own; the clients'
    stale credentials are refreshed on the first authentication failure."""
    if kind == "redis":
        instance_id = request.getfixturevalue("redis_instance")
        account = dbs.unique_name("auto")
        login = dbs.login_redis
        params = dict(SecretType="Redis", SecretData="$Auto",
                      ExtendedConfig={"SecretSubType": "DoubleUsers", "InstanceId": instance_id,
                                      "AccountName": account, "RegionId": REGION})
        cleanup = lambda: dbs.redis_drop_users(account, f"{account}_clone")  # noqa: E731
    else:
        if kind == "postgres":
            cluster = request.getfixturevalue("pg")
            instance_id, login, create, drop = "pg-compat", dbs.login_pg(cluster), cluster.create_role, \
                cluster.drop_roles
        else:
            instance_id = request.getfixturevalue("maria")
            login, create, drop = dbs.login_mysql, dbs.mysql_create_user, dbs.mysql_drop_users
        account = dbs.unique_name("auto")
        initial = dbs.random_password()
        env.passwords.add(initial)
        create(account, initial)
        p = _rds_params("x", "DoubleUsers", instance_id, [{"AccountName": account, "AccountPassword": initial}], {})
        params = {k: p[k] for k in ("SecretType", "SecretData", "ExtendedConfig")}
        cleanup = lambda: drop(account, f"{account}_clone")  # noqa: E731
    name = f"db/auto-{kind}-{uuid.uuid4().hex[:6]}"
    try:
        body = env.tea.call("CreateSecret", SecretName=name, VersionId="v0", EnableAutomaticRotation=True,
                            RotationInterval="3s", **params)
        assert body["RotationInterval"] == "3s", body
        first = env.value(name)
        base = 2 if kind == "redis" else 1  # $Auto creates both accounts' versions
        _both_clients_connect(caches, name, login, 0, account)
        # At least two rotations within a bounded wait.
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(_versions(env, name)) < base + 2:
            time.sleep(0.5)
        env.tea.call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=False)
        time.sleep(1.5)  # a pass that had already claimed the secret finishes
        vs = _versions(env, name)
        assert len(vs) >= base + 2, f"fewer than two automatic rotations in 40 s: {vs}"
        d = env.tea.call("DescribeSecret", SecretName=name)
        assert (d["AutomaticRotation"], d["RotationInterval"]) == ("Disabled", "3s"), d
        assert _parse(d["LastRotationDate"]) > _parse(body["NextRotationDate"]) - dt.timedelta(seconds=1), d
        cur, prev = env.value(name), env.value(name, "ACSPrevious")
        assert cur["VersionId"] != first["VersionId"]
        assert dbs.logs_on(login, cur) and dbs.logs_on(login, prev)
        # Stale caches log on within the wrapper's four attempts, with the
        # current account once refreshed.
        for which, cache in caches.items():
            got = dbs.connect_with_refresh(cache, name, login)
            assert got["refreshes"] <= 1, (which, got)
            if got["refreshes"]:
                assert got["account"] == cur["AccountName"], (which, got)
    finally:
        cleanup()


def test_refused_operations(env, pg):
    app = dbs.unique_name("refuse")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    try:
        name = f"db/refused-{uuid.uuid4().hex[:6]}"
        env.core.call("CreateSecret", **_rds_params(name, "DoubleUsers", "pg-compat",
                                                    [{"AccountName": app, "AccountPassword": initial}], {}))
        for flavour in ("core", "tea_v3"):
            kms = make_kms(flavour, env.srv)
            expect_error(lambda: kms.call("PutSecretValue", SecretName=name, VersionId="p1", SecretData="x"),
                         400, "Rejected.UnsupportedOperation")
            expect_error(lambda: kms.call("GetSecretValue", SecretName=name, VersionStage="ACSPending"),
                         400, "InvalidParameter.VersionStage")
            expect_error(lambda: kms.call("UpdateSecretVersionStage", SecretName=name, VersionStage="ACSCurrent",
                                          MoveToVersion="v0"), 400, "Rejected.UnsupportedOperation")
        # A name under acs/, a missing or too long ExtendedConfig, an
        # undeclared instance, the admin account.
        params = _rds_params("acs/db/x", "SingleUser", "pg-compat", [{"AccountName": app, "AccountPassword": "x"}],
                             {})
        expect_error(lambda: env.tea.call("CreateSecret", **params), 400, "InvalidParameter.SecretName")
        params = _rds_params("db/x", "SingleUser", "pg-compat", [{"AccountName": app, "AccountPassword": "x"}], {})
        params.pop("ExtendedConfig")
        expect_error(lambda: env.core.call("CreateSecret", **params), 400, "MissingParameter")
        params = _rds_params("db/x", "SingleUser", "pg-compat", [{"AccountName": app, "AccountPassword": "x"}],
                             {"Note": "n" * 1100})
        expect_error(lambda: env.core.call("CreateSecret", **params), 400, "InvalidParameter.ExtendedConfig")
        params = _rds_params("db/x", "SingleUser", "pg-nowhere", [{"AccountName": app, "AccountPassword": "x"}], {})
        e = expect_error(lambda: env.core.call("CreateSecret", **params), 404, "Forbidden.ResourceNotFound")
        assert "rampart/db-instances/pg-nowhere" in e.message
        params = _rds_params("db/x", "SingleUser", "pg-compat",
                             [{"AccountName": dbs.PgCluster.ADMIN, "AccountPassword": "x"}], {})
        e = expect_error(lambda: env.core.call("CreateSecret", **params), 400, "InvalidParameter.SecretData")
        assert "admin account" in e.message
        # The account (and its clone to be) belong to that secret.
        params = _rds_params("db/y", "SingleUser", "pg-compat",
                             [{"AccountName": f"{app}_clone", "AccountPassword": "x"}], {})
        expect_error(lambda: env.core.call("CreateSecret", **params), 409, "Rejected.ResourceInUse")
    finally:
        pg.drop_roles(app, f"{app}_clone")


def test_service_linked_role_created_with_first_secret(env, pg):
    assert env.roles_before == {RDS_ROLE: False, REDIS_ROLE: False}
    app = dbs.unique_name("slr")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    try:
        env.tea.call("CreateSecret", **_rds_params(f"db/slr-{uuid.uuid4().hex[:6]}", "SingleUser", "pg-compat",
                                                   [{"AccountName": app, "AccountPassword": initial}], {},
                                                   auto=False))
        role = env.ram.call("GetRole", RoleName=RDS_ROLE)["Role"]
        assert role["RoleName"] == RDS_ROLE
        assert role.get("IsServiceLinkedRole") is True, role
        assert "secretsmanager-rds.kms.aliyuncs.com" in role["AssumeRolePolicyDocument"], role
    finally:
        pg.drop_roles(app)


def test_wrong_admin_password(env, pg):
    """A wrong admin password: a clear error naming no password, the current
    credentials untouched, AutomaticRotation Invalid; fixed, the next
    rotation succeeds and the status is Enabled again."""
    good = pg.instance()
    env.declare("pg-wrongpw", good)
    app = dbs.unique_name("wrongpw")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    wrong_pw = "Wrong-" + dbs.random_password(16)
    env.passwords.add(wrong_pw)
    try:
        name = f"db/wrongpw-{uuid.uuid4().hex[:6]}"
        env.tea.call("CreateSecret", **_rds_params(name, "SingleUser", "pg-wrongpw",
                                                   [{"AccountName": app, "AccountPassword": initial}], {}))
        env.redeclare("pg-wrongpw", {**good, "AdminPassword": wrong_pw})
        for flavour in ("tea_v3", "core"):
            kms = make_kms(flavour, env.srv)
            e = expect_error(lambda: kms.call("RotateSecret", SecretName=name, VersionId="r-" + flavour),
                             400, "Rotation.AdminAuthenticationFailed")
            assert wrong_pw not in (e.message or "") and good["AdminPassword"] not in (e.message or "")
            assert pg.ADMIN in (e.message or "") or "admin" in (e.message or "").lower(), e.message
        cur = env.value(name)
        assert (cur["VersionId"], cur["AccountPassword"]) == ("v0", initial)
        assert dbs.logs_on(dbs.login_pg(pg), cur)
        d = env.core.call("DescribeSecret", SecretName=name)
        assert d["AutomaticRotation"] == "Invalid", d
        assert wrong_pw not in json.dumps(d)
        # Creating on the badly declared instance fails the same way.
        other = dbs.unique_name("wrongpw2")
        e = expect_error(lambda: env.core.call("CreateSecret", **_rds_params(
            f"db/wrongpw2-{uuid.uuid4().hex[:6]}", "SingleUser", "pg-wrongpw",
            [{"AccountName": other, "AccountPassword": "x"}], {})), 400, "Rotation.AdminAuthenticationFailed")
        assert wrong_pw not in (e.message or "")
        # Fixed: the rotation goes through, the status is Enabled again.
        env.redeclare("pg-wrongpw", good)
        env.tea.call("RotateSecret", SecretName=name, VersionId="r-fixed")
        cur = env.value(name)
        assert cur["VersionId"] == "r-fixed" and dbs.logs_on(dbs.login_pg(pg), cur)
        assert not dbs.logs_on(dbs.login_pg(pg), {"AccountName": app, "AccountPassword": initial})
        d = env.core.call("DescribeSecret", SecretName=name)
        assert d["AutomaticRotation"] == "Enabled", d
    finally:
        pg.drop_roles(app)


def test_failed_automatic_rotation_is_visible(env, pg):
    """The scheduler's rotation fails on a wrong admin password: DescribeSecret
    shows AutomaticRotation Invalid and the error (naming no password); the
    current credentials keep working."""
    good = pg.instance()
    env.declare("pg-wrongauto", good)
    app = dbs.unique_name("wrongauto")
    initial = dbs.random_password()
    env.passwords.add(initial)
    pg.create_role(app, initial)
    wrong_pw = "Wrong-" + dbs.random_password(16)
    env.passwords.add(wrong_pw)
    name = f"db/wrongauto-{uuid.uuid4().hex[:6]}"
    try:
        env.core.call("CreateSecret", **_rds_params(name, "DoubleUsers", "pg-wrongauto",
                                                    [{"AccountName": app, "AccountPassword": initial}], {},
                                                    interval="2s"))
        env.redeclare("pg-wrongauto", {**good, "AdminPassword": wrong_pw})
        deadline = time.monotonic() + 20
        d = env.core.call("DescribeSecret", SecretName=name)
        while d.get("AutomaticRotation") != "Invalid" and time.monotonic() < deadline:
            time.sleep(0.5)
            d = env.core.call("DescribeSecret", SecretName=name)
        env.core.call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=False)
        assert d.get("AutomaticRotation") == "Invalid", d
        assert d.get("RotationStatus") == "Failed", d
        error = d.get("LastRotationError") or ""
        assert "Rotation.AdminAuthenticationFailed" in error, d
        assert wrong_pw not in json.dumps(d) and good["AdminPassword"] not in json.dumps(d)
        cur = env.value(name)
        assert cur["AccountPassword"] == initial or cur["VersionId"] != "v0"
        assert dbs.logs_on(dbs.login_pg(pg), cur)
    finally:
        pg.drop_roles(app, f"{app}_clone")


def test_no_password_in_server_log(env):
    """Runs last: no admin or account password seen by this module reached
    the server's log."""
    log = env.srv.log_path.read_text(errors="replace")
    leaked = [p for p in env.passwords if p and p in log]
    assert not leaked, f"{len(leaked)} password(s) in the server log"
