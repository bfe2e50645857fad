"""The RAM-secret plug-in for aliyunsdkcore (behaviour.md §7.3,
aliyun-openapi-python-sdk-managed-credentials-provider 0.1.4, in .venv-plugin):
an application whose key is a RAM secret keeps calling ListUsers across
RotateSecret and across the deletion of the old key after the grace period,
without restarting; after the deletion it must refetch the secret on
InvalidAccessKeyId.NotFound and retry.

The plug-in is configured only through its documented
managed_credentials_providers.properties (credentials_type=ak with the root key
for reading the secret, cache_client_region_id with the http endpoint,
secret_names). See sidecar_plugin.py for the Python 3.11 'Ur' shim it needs."""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROT_GRACE_SECONDS
from kmsclients import make_kms, ram_secret_params, ram_user_with_keys, seed_kms_role, user_keys
from ramclients import REGION, expect_error, make_client

COMPAT = Path(__file__).resolve().parents[1]
PLUGIN_PYTHON = Path(os.environ.get("RAMPART_PLUGIN_PYTHON") or COMPAT / ".venv-plugin" / "bin" / "python")


class App:
    def __init__(self, srv, secret_name, cwd: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("credentials_", "cache_client_"))}
        env["HOME"] = str(cwd)  # the plug-in logs to ~/secretsmanager/
        if srv.ca:
            # aliyunsdkcore's own CA setting, for the application's calls.
            env["ALIBABA_CLOUD_CA_BUNDLE"] = str(srv.ca)
        self.proc = subprocess.Popen(
            [str(PLUGIN_PYTHON), str(Path(__file__).with_name("sidecar_plugin.py")), secret_name, srv.endpoint,
             srv.scheme],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(cwd / "app.stderr", "wb"),
            text=True, cwd=cwd, env=env)
        self.cwd = cwd
        self.ready = self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise AssertionError(f"plug-in app exited ({self.proc.returncode}):\n"
                                 f"{(self.cwd / 'app.stderr').read_text(errors='replace')[-4000:]}")
        return json.loads(line)

    def call(self):
        self.proc.stdin.write(json.dumps({"op": "call"}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_plugin_survives_rotation_and_old_key_deletion(request, scheme, tmp_path, uniq):
    """Over HTTPS the application's calls verify the server against ca.pem
    (ALIBABA_CLOUD_CA_BUNDLE); the plug-in's own KMS client does not verify
    certificates at all (it is built with verify=False)."""
    if not PLUGIN_PYTHON.exists():
        pytest.fail(f"{PLUGIN_PYTHON} missing: run tests/compat/run.sh to create .venv-plugin", pytrace=False)
    srv = request.getfixturevalue("rot_server" if scheme == "http" else "https_rot_server")
    seed_kms_role(srv)
    user = uniq("app")
    keys = ram_user_with_keys(srv, user)  # with AliyunRAMReadOnlyAccess
    kms = make_kms("tea_v3", srv)
    name = kms.call("CreateSecret", **ram_secret_params(user, keys, interval="7d"))["SecretName"]

    (tmp_path / "managed_credentials_providers.properties").write_text(
        "credentials_type=ak\n"
        f"credentials_access_key_id={srv.access_key_id}\n"
        f"credentials_access_secret={srv.access_key_secret}\n"
        f'cache_client_region_id=[{{"regionId":"{REGION}","endpoint":"{srv.base_url}","vpc":false}}]\n'
        f"secret_names={name}\n")
    assert not (tmp_path / "secretsmanager.properties").exists()

    app = App(srv, name, tmp_path)
    try:
        assert app.ready["ak"] == keys[0][0]
        r = app.call()
        assert r["ok"] and r["ak"] == keys[0][0], r

        kms.call("RotateSecret", SecretName=name, VersionId="app-rot-1")
        rotated = time.monotonic()
        new = json.loads(kms.call("GetSecretValue", SecretName=name)["SecretData"])
        assert new["AccessKeyId"] != keys[0][0]

        # during the grace period the cached old key still works
        for _ in range(3):
            r = app.call()
            assert r["ok"], r

        # wait until the server has deleted the old key
        while time.monotonic() < rotated + ROT_GRACE_SECONDS + 15 and keys[0][0] in user_keys(srv, user):
            time.sleep(1)
        assert keys[0][0] not in user_keys(srv, user), "old key not deleted after the grace period"
        expect_error(lambda: make_client("core", srv, *keys[0]).call("ListUsers"),
                     404, "InvalidAccessKeyId.NotFound")

        # the same process keeps working: it refetches on InvalidAccessKeyId.NotFound
        for _ in range(3):
            r = app.call()
            assert r["ok"], f"{r}\nplug-in stderr:\n{(tmp_path / 'app.stderr').read_text(errors='replace')[-3000:]}"
            assert r["ak"] == new["AccessKeyId"], r
    finally:
        app.close()
