"""Nothing secret reaches the disk or the log in clear: after storing generic
secret values, encrypting, generating data keys and managing RAM secrets
(including a rotation), neither the server's data dir (root-credentials.json
aside, which holds the root key by design) nor its captured log contains any
plaintext secret value or RAM-user AccessKey secret that was used."""
import base64
import json
import os

from conftest import start_server
from kmsclients import FLAVOURS, make_kms, ram_secret_params, ram_user_with_keys, seed_kms_role


def _files(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            yield os.path.join(dirpath, f)


def test_no_plaintext_at_rest_or_in_log():
    srv, stop = start_server("--rotation-grace-period", "20s", "--min-rotation-interval", "30s")
    try:
        needles = []
        for flavour in FLAVOURS:
            kms = make_kms(flavour, srv)
            tag = os.urandom(6).hex()
            values = [f"generic-secret-{tag}-one", f"generic-secret-{tag}-two", f"label-secret-{tag}"]
            name = f"np-{flavour}-{tag}"
            kms.call("CreateSecret", SecretName=name, VersionId="v1", SecretData=values[0],
                     Description="np")
            kms.call("PutSecretValue", SecretName=name, VersionId="v2", SecretData=values[1])
            kms.call("PutSecretValue", SecretName=name, VersionId="v3", SecretData=values[2],
                     VersionStages='["MyLabel"]')
            assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == values[1]
            needles += values

            key = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
            plain = f"encrypt-me-{tag}"
            blob = kms.call("Encrypt", KeyId=key, Plaintext=plain)["CiphertextBlob"]
            assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == plain
            needles.append(plain)
            dk = kms.call("GenerateDataKey", KeyId=key, NumberOfBytes=32)
            needles.append(dk["Plaintext"])
            needles.append(base64.b64decode(dk["Plaintext"]).hex())

        seed_kms_role(srv)
        kms = make_kms("tea_v3", srv)
        for i in range(2):
            user = f"np-user-{i}-{os.urandom(4).hex()}"
            keys = ram_user_with_keys(srv, user)
            name = kms.call("CreateSecret", **ram_secret_params(user, keys))["SecretName"]
            kms.call("RotateSecret", SecretName=name, VersionId="r1")
            new = json.loads(kms.call("GetSecretValue", SecretName=name)["SecretData"])
            needles += [keys[0][1], new["AccessKeySecret"]]

        stop_needles = [n.encode() for n in needles]
        hits = []
        for path in _files(srv.data_dir):
            if os.path.basename(path) == "root-credentials.json":
                continue
            with open(path, "rb") as f:
                data = f.read()
            hits += [(path, n.decode()) for n in stop_needles if n in data]
        log = srv.log_path.read_bytes()
        hits += [("server log", n.decode()) for n in stop_needles if n in log]
        assert not hits, "plaintext found:\n" + "\n".join(f"{os.path.basename(p)}: {n}" for p, n in hits)
        assert sum(1 for _ in _files(srv.data_dir)) > 1, "data dir unexpectedly empty"
    finally:
        stop()
