"""The main scenarios over HTTPS, against `rampart serve --tls-auto`.

Every client trusts only the server's local CA (`<data-dir>/tls/ca.pem`):
the Tea clients through `Config(ca=...)`, the core SDK through `verify=`,
the https-only credentials provider through `SSL_CERT_FILE`. Clients whose
endpoint is fixed to an Alibaba Cloud host name (`sts.aliyuncs.com`,
`kms.<region>.aliyuncs.com`) reach Rampart because, inside this process
only, that name resolves to it (conftest.resolve_to), as a hosts-file entry
would; the name is checked against the certificate as usual.

The secrets-manager cache client v2 and the RAM-secret plug-in run over
HTTPS in their own test files (parametrized by scheme).
"""
import json
import ssl
import urllib.error
import urllib.request

import pytest

from conftest import resolve_to
from iam import account_trust, role_arn
from kmsclients import make_kms, vid
from ramclients import FLAVOURS, REGION, ApiError, CoreRam, TeaRam, expect_error, make_client


def test_a_client_that_does_not_trust_the_ca_is_refused(https_server):
    srv = https_server
    # The Tea SDKs keep one `requests` session per endpoint for the process,
    # and its TLS context takes in the CA of any call made with `ca`: a
    # session an earlier test made would trust it still.
    from darabonba.core import DaraCore
    from Tea.core import TeaCore
    for sessions in (DaraCore._sessions, TeaCore._sessions):
        for key in [k for k in sessions if f"//{srv.endpoint}" in k]:
            sessions.pop(key).close()
    with pytest.raises(Exception) as ei:
        TeaRam(srv.endpoint, srv.access_key_id, srv.access_key_secret, protocol="https").call("ListUsers")
    assert not isinstance(ei.value, ApiError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(ei.value) or "certificate" in str(ei.value).lower(), ei.value
    with pytest.raises(Exception) as ei:
        CoreRam(srv.endpoint, srv.access_key_id, srv.access_key_secret, protocol="https").call("ListUsers")
    assert not isinstance(ei.value, ApiError)
    # Plain HTTP on the HTTPS port: no answer.
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/healthz", timeout=5)
    # HSTS on the answers.
    ctx = ssl.create_default_context(cafile=str(srv.ca))
    with urllib.request.urlopen(f"{srv.base_url}/healthz", context=ctx, timeout=5) as r:
        assert r.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ram_users_over_https(https_server, flavour, uniq):
    ram = make_client(flavour, https_server)
    name = uniq("tls")
    ram.call("CreateUser", UserName=name, DisplayName="over tls")
    assert ram.call("GetUser", UserName=name)["User"]["UserName"] == name
    ak = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    assert ak["AccessKeySecret"]
    ram.call("DeleteAccessKey", UserName=name, UserAccessKeyId=ak["AccessKeyId"])
    ram.call("DeleteUser", UserName=name)
    expect_error(lambda: ram.call("GetUser", UserName=name), 404, "EntityNotExist.User")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sts_assume_role_over_https(https_server, flavour, uniq):
    srv = https_server
    ram = make_client("tea_v3", srv)
    role = uniq("tlsrole")
    ram.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=account_trust(srv.account_id))
    ram.call("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", RoleName=role)
    sts = make_client(flavour, srv, product="sts")
    c = sts.call("AssumeRole", RoleArn=role_arn(srv.account_id, role), RoleSessionName="tls")["Credentials"]
    assert c["AccessKeyId"].startswith("STS.")
    session = make_client(flavour, srv, c["AccessKeyId"], c["AccessKeySecret"], security_token=c["SecurityToken"])
    assert isinstance(session.call("ListUsers")["IsTruncated"], bool)
    who = make_client(flavour, srv, c["AccessKeyId"], c["AccessKeySecret"], security_token=c["SecurityToken"],
                      product="sts").call("GetCallerIdentity")
    assert who["IdentityType"] == "AssumedRoleUser"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_kms_secrets_over_https(https_server, flavour, uniq):
    kms = make_kms(flavour, https_server)
    name = uniq("tls-secret")
    kms.call("CreateSecret", SecretName=name, VersionId="v1", SecretData="s3cr3t over tls")
    got = kms.call("GetSecretValue", SecretName=name)
    assert (got["SecretData"], got["VersionId"]) == ("s3cr3t over tls", "v1")
    kms.call("PutSecretValue", SecretName=name, VersionId=vid(), SecretData="second")
    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "second"
    key = kms.call("CreateKey", Description="tls")["KeyMetadata"]["KeyId"]
    blob = kms.call("Encrypt", KeyId=key, Plaintext="aGVsbG8=")["CiphertextBlob"]
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "aGVsbG8="


@pytest.fixture
def reader_role(https_server, uniq):
    srv = https_server
    ram = make_client("tea_v3", srv)
    name = uniq("credrole")
    ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=account_trust(srv.account_id))
    ram.call("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", RoleName=name)
    return role_arn(srv.account_id, name)


@pytest.fixture
def trust_only_ca(https_server, monkeypatch):
    """The process's default trust store is the server's ca.pem alone (the
    credentials provider has no CA option of its own)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(https_server.ca))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _provider_reads_with(srv, creds):
    ram = TeaRam(srv.endpoint, creds.get_access_key_id(), creds.get_access_key_secret(),
                 security_token=creds.get_security_token(), protocol="https", ca=str(srv.ca))
    body = ram.call("ListUsers")
    assert body.get("RequestId") and isinstance(body.get("IsTruncated"), bool)


def test_ram_role_arn_provider_over_https(https_server, reader_role, trust_only_ca):
    """alibabacloud_credentials' RamRoleArn speaks https only."""
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    srv = https_server
    provider = RamRoleArnCredentialsProvider(
        access_key_id=srv.access_key_id, access_key_secret=srv.access_key_secret,
        role_arn=reader_role, role_session_name="https-session", sts_endpoint=srv.endpoint)
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    _provider_reads_with(srv, creds)


def test_ram_role_arn_provider_at_its_fixed_endpoint(https_server, reader_role, trust_only_ca):
    """No endpoint given: the provider calls https://sts.aliyuncs.com, here
    resolved to Rampart in this process; the certificate carries the name."""
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    srv = https_server
    provider = RamRoleArnCredentialsProvider(
        access_key_id=srv.access_key_id, access_key_secret=srv.access_key_secret,
        role_arn=reader_role, role_session_name="fixed-endpoint")
    assert provider._sts_endpoint == "sts.aliyuncs.com"
    with resolve_to(srv, "sts.aliyuncs.com"):
        creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    _provider_reads_with(srv, creds)


@pytest.mark.parametrize("flavour", ["tea_v3", "tea_v2"])
def test_tea_clients_at_the_alibaba_host_names(https_server, flavour):
    """Tea clients given the real endpoints (sts.aliyuncs.com,
    kms.<region>.aliyuncs.com, ram.aliyuncs.com), resolved to Rampart."""
    srv = https_server
    sig = "v2" if flavour == "tea_v2" else None
    names = ("sts.aliyuncs.com", f"kms.{REGION}.aliyuncs.com", "ram.aliyuncs.com")
    with resolve_to(srv, *names):
        who = TeaRam("sts.aliyuncs.com", srv.access_key_id, srv.access_key_secret, signature_algorithm=sig,
                     product="sts", protocol="https", ca=str(srv.ca)).call("GetCallerIdentity")
        assert who["AccountId"] == srv.account_id
        kms = TeaRam(f"kms.{REGION}.aliyuncs.com", srv.access_key_id, srv.access_key_secret,
                     signature_algorithm=sig, product="kms", protocol="https", ca=str(srv.ca))
        assert "Keys" in kms.call("ListKeys")
        ram = TeaRam("ram.aliyuncs.com", srv.access_key_id, srv.access_key_secret, signature_algorithm=sig,
                     protocol="https", ca=str(srv.ca))
        assert isinstance(ram.call("ListUsers")["IsTruncated"], bool)
        # A name the certificate does not carry is refused by the client.
        with resolve_to(srv, "sts.example.com"):
            with pytest.raises(Exception) as ei:
                TeaRam("sts.example.com", srv.access_key_id, srv.access_key_secret, product="sts",
                       protocol="https", ca=str(srv.ca)).call("GetCallerIdentity")
            assert not isinstance(ei.value, ApiError)
            assert "match" in str(ei.value).lower() or "certificate" in str(ei.value).lower(), ei.value


def test_secrets_manager_v2_at_its_fixed_endpoint(https_server, trust_only_ca, clean_cwd):
    """The v2 cache client given only a region calls
    https://kms.<region>.aliyuncs.com."""
    from alibabacloud_secretsmanager_client_v2.model.region_info import RegionInfo
    from alibabacloud_secretsmanager_client_v2.secret_manager_cache_client_builder import \
        SecretManagerCacheClientBuilder
    from alibabacloud_secretsmanager_client_v2.service.default_secret_manager_client_builder import \
        DefaultSecretManagerClientBuilder

    srv = https_server
    name = "tls-fixed-" + vid()
    make_kms("tea_v3", srv).call("CreateSecret", SecretName=name, VersionId="f1",
                                 SecretData=json.dumps({"k": "v"}))
    with resolve_to(srv, f"kms.{REGION}.aliyuncs.com"):
        b = DefaultSecretManagerClientBuilder.standard().with_access_key(
            srv.access_key_id, srv.access_key_secret).add_region_info(RegionInfo(REGION))
        client = SecretManagerCacheClientBuilder.new_cache_client_builder(b.build()).build()
        try:
            assert json.loads(client.get_secret_value(name)) == {"k": "v"}
        finally:
            client.close()


@pytest.fixture
def clean_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
