"""alibabacloud_credentials' ram_role_arn provider against Rampart's STS:
it sends a hand-built GET RPC V1 AssumeRole canonicalised with quote_plus
(behaviour.md §6.1), and a Tea RAM client built on it works."""
import pytest

from iam import account_trust, role_arn
from ramclients import TeaRam, expect_error


@pytest.fixture
def reader_role(server, root_core, uniq):
    name = uniq("credrole")
    root_core.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=account_trust(server.account_id))
    root_core.call("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", RoleName=name)
    return role_arn(server.account_id, name)


# a session policy with spaces: quote_plus turns them into '+' when signing
SPACED_POLICY = ('{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ram:ListUsers", '
                 '"ram:GetUser"], "Resource": "*"}]}')


@pytest.mark.parametrize("policy", [None, SPACED_POLICY], ids=["no-policy", "policy-with-spaces"])
def test_ram_role_arn_provider(server, reader_role, policy):
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    provider = RamRoleArnCredentialsProvider(
        access_key_id=server.access_key_id, access_key_secret=server.access_key_secret,
        role_arn=reader_role, role_session_name="provider-session", duration_seconds=1800,
        policy=policy, sts_endpoint=server.base_url)
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    assert creds.get_access_key_secret() and creds.get_security_token()
    assert creds.get_provider_name() == "ram_role_arn/static_ak"

    ram = TeaRam(server.endpoint, creds.get_access_key_id(), creds.get_access_key_secret(),
                 security_token=creds.get_security_token())
    body = ram.call("ListUsers")
    assert body.get("RequestId") and isinstance(body.get("IsTruncated"), bool)


@pytest.mark.parametrize("policy", [None, SPACED_POLICY], ids=["no-policy", "policy-with-spaces"])
def test_credential_client_drives_tea_ram(server, reader_role, policy):
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_credentials.models import Config as CredentialConfig

    cred = CredentialClient(CredentialConfig(
        type="ram_role_arn", access_key_id=server.access_key_id, access_key_secret=server.access_key_secret,
        role_arn=reader_role, role_session_name="credential-client", role_session_expiration=3600,
        policy=policy, sts_endpoint=server.base_url))
    model = cred.get_credential()
    assert model.access_key_id.startswith("STS.") and model.security_token
    assert model.type == "ram_role_arn"

    for sig in (None, "v2"):
        ram = TeaRam(server.endpoint, None, None, signature_algorithm=sig, credential=cred)
        body = ram.call("ListUsers")
        assert body.get("RequestId")
        assert isinstance(body.get("Users", {}).get("User"), list)


def test_provider_session_policy_limits_the_session(server, reader_role):
    """The spaced session policy allows ListUsers/GetUser only: GetRole is
    refused although the role's AliyunRAMReadOnlyAccess allows it."""
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    provider = RamRoleArnCredentialsProvider(
        access_key_id=server.access_key_id, access_key_secret=server.access_key_secret,
        role_arn=reader_role, role_session_name="narrow-session", policy=SPACED_POLICY,
        sts_endpoint=server.base_url)
    c = provider.get_credentials()
    ram = TeaRam(server.endpoint, c.get_access_key_id(), c.get_access_key_secret(),
                 security_token=c.get_security_token())
    ram.call("ListUsers")
    expect_error(lambda: ram.call("GetRole", RoleName=reader_role.rsplit("/", 1)[1]), 403, "NoPermission")


def test_provider_refuses_bad_role(server):
    from alibabacloud_credentials.exceptions import CredentialException
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    provider = RamRoleArnCredentialsProvider(
        access_key_id=server.access_key_id, access_key_secret=server.access_key_secret,
        role_arn=role_arn(server.account_id, "no-such-role-for-provider"), role_session_name="x-session",
        sts_endpoint=server.base_url)
    with pytest.raises(CredentialException) as ei:
        provider.get_credentials()
    assert "404" in str(ei.value) and "EntityNotExist.Role" in str(ei.value), str(ei.value)
