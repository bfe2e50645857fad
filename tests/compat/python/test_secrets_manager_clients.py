"""The official secrets-manager cache clients (behaviour.md §7.1, §7.2) read
Rampart through their documented endpoint settings only: a generic secret and
a RAM secret each.

- v1, `aliyun-secret-manager-client` 0.1.5: its dependency pins conflict with
  the main virtualenv, so it runs in `.venv-smc-v1` (python/sidecar_smc_v1.py).
- v2, `alibabacloud-secretsmanager-client-v2` 2.0.0: in-process, in both the
  RegionInfo form and the add_config(Config(..., protocol="http")) form; and
  both again over HTTPS (`--tls-auto`), trusting only the server's ca.pem
  (SSL_CERT_FILE for the RegionInfo form, Config(ca=...) for the other).

Every client runs with a working directory that has no secretsmanager.properties.
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import rpc_v1
from kmsclients import KMS_VERSION, make_kms, ram_secret_params, ram_user_with_keys, seed_kms_role
from ramclients import REGION

COMPAT = Path(__file__).resolve().parents[1]
SMC_V1_PYTHON = Path(os.environ.get("RAMPART_SMC_V1_PYTHON") or COMPAT / ".venv-smc-v1" / "bin" / "python")


def _make_secrets(srv):
    kms = make_kms("tea_v3", srv)
    generic = "smc-generic-" + os.urandom(4).hex()
    kms.call("CreateSecret", SecretName=generic, VersionId="g1", SecretData='{"user":"app","password":"pw 1"}')
    user = "smc-user-" + os.urandom(4).hex()
    keys = ram_user_with_keys(srv, user)
    ram_name = kms.call("CreateSecret", **ram_secret_params(user, keys, interval="7d"))["SecretName"]
    return {"generic": generic, "ram": ram_name, "keys": keys, "user": user}


@pytest.fixture(scope="module")
def secrets(server_for_clients):
    return _make_secrets(server_for_clients)


@pytest.fixture(scope="module")
def server_for_clients(rot_server):
    seed_kms_role(rot_server)
    return rot_server


@pytest.fixture(scope="module")
def https_clients(https_rot_server):
    seed_kms_role(https_rot_server)
    return https_rot_server, _make_secrets(https_rot_server)


@pytest.fixture
def clean_cwd(tmp_path, monkeypatch):
    assert not (tmp_path / "secretsmanager.properties").exists()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check_generic(info, name):
    assert info["secret_name"] == name
    assert info["version_id"] == "g1"
    assert json.loads(info["secret_value"]) == {"user": "app", "password": "pw 1"}
    assert (info["secret_data_type"], info["secret_type"]) == ("text", "Generic")


def _check_ram(info, secrets):
    assert info["secret_name"] == secrets["ram"]
    assert info["secret_type"] == "RAMCredentials"
    data = json.loads(info["secret_value"])
    assert (data["AccessKeyId"], data["AccessKeySecret"]) == secrets["keys"][0]
    ext = info["extended_config"]
    ext = json.loads(ext) if isinstance(ext, str) else ext
    assert (ext["SecretSubType"], ext["UserName"]) == ("RamUserAccessKey", secrets["user"])
    assert (info["automatic_rotation"], info["rotation_interval"]) == ("Enabled", "604800s")
    assert info["next_rotation_date"]


def test_v1_client(server_for_clients, secrets, clean_cwd):
    if not SMC_V1_PYTHON.exists():
        pytest.fail(f"{SMC_V1_PYTHON} missing: run tests/compat/run.sh to create .venv-smc-v1", pytrace=False)
    srv = server_for_clients
    args = {"endpoint": srv.base_url, "region": REGION, "ak": srv.access_key_id, "sk": srv.access_key_secret,
            "names": [secrets["generic"], secrets["ram"]], "text_names": [secrets["generic"]]}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("credentials_", "cache_client_"))}
    env["HOME"] = str(clean_cwd)
    p = subprocess.run([str(SMC_V1_PYTHON), str(Path(__file__).with_name("sidecar_smc_v1.py"))],
                       input=json.dumps(args), capture_output=True, text=True, timeout=120, cwd=clean_cwd, env=env)
    assert p.returncode == 0, f"v1 client sidecar failed:\n{p.stderr[-4000:]}"
    out = json.loads(p.stdout)
    assert out["errors"] == {}, out["errors"]
    _check_generic(out["info"][secrets["generic"]], secrets["generic"])
    _check_ram(out["info"][secrets["ram"]], secrets)
    assert json.loads(out["value"][secrets["generic"]]) == {"user": "app", "password": "pw 1"}


def _v2_info(client, name):
    info = client.get_secret_info(name)
    return {f: getattr(info, f, None) for f in ("secret_name", "version_id", "secret_value", "secret_data_type",
                                                 "secret_type", "automatic_rotation", "extended_config",
                                                 "rotation_interval", "next_rotation_date")}


@pytest.mark.parametrize("form", ["region_info", "add_config"])
def test_v2_client(server_for_clients, secrets, clean_cwd, form):
    _v2_client(server_for_clients, secrets, form)


@pytest.mark.parametrize("form", ["region_info", "add_config"])
def test_v2_client_over_https(https_clients, clean_cwd, form, monkeypatch):
    srv, secrets = https_clients
    if form == "region_info":
        # RegionInfo has no CA option for a custom endpoint: the default trust store.
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.ca))
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    _v2_client(srv, secrets, form)


def _v2_client(srv, secrets, form):
    from alibabacloud_secretsmanager_client_v2.model.region_info import RegionInfo
    from alibabacloud_secretsmanager_client_v2.secret_manager_cache_client_builder import \
        SecretManagerCacheClientBuilder
    from alibabacloud_secretsmanager_client_v2.service.default_secret_manager_client_builder import \
        DefaultSecretManagerClientBuilder
    from alibabacloud_tea_openapi.utils_models import Config

    b = DefaultSecretManagerClientBuilder.standard()
    if form == "region_info":
        b = b.with_access_key(srv.access_key_id, srv.access_key_secret).add_region_info(
            RegionInfo(REGION, endpoint=srv.base_url))
    else:
        extra = {"ca": str(srv.ca)} if srv.ca else {}
        b = b.add_config(Config(access_key_id=srv.access_key_id, access_key_secret=srv.access_key_secret,
                                endpoint=srv.endpoint, protocol=srv.scheme, region_id=REGION, **extra))
    client = SecretManagerCacheClientBuilder.new_cache_client_builder(b.build()).build()
    try:
        _check_generic(_v2_info(client, secrets["generic"]), secrets["generic"])
        _check_ram(_v2_info(client, secrets["ram"]), secrets)
        assert json.loads(client.get_secret_value(secrets["generic"])) == {"user": "app", "password": "pw 1"}
    finally:
        client.close()


def test_get_secret_value_xml(server_for_clients, secrets):
    """The Java client asks Format=XML: the body must be XML carrying SecretData."""
    srv = server_for_clients
    r = rpc_v1.signed_request(srv.base_url, "GetSecretValue", {"SecretName": secrets["generic"],
                                                               "RegionId": REGION},
                              srv.access_key_id, srv.access_key_secret, version=KMS_VERSION, fmt="XML").send()
    assert r.status_code == 200, r.text[:500]
    root = ET.fromstring(r.content)
    assert root.findtext("SecretData") == '{"user":"app","password":"pw 1"}', r.text[:500]
    assert root.findtext("SecretName") == secrets["generic"]
    assert root.findtext("RequestId")
    assert [e.text for e in root.iter("VersionStage")] == ["ACSCurrent"], r.text[:500]
