"""RAM actions tools call around the entities, through each Python SDK
flavour: DecodeDiagnosticMessage decodes the AccessDeniedDetail a denial
carries (only for this account, only with ram:DecodeDiagnosticMessage), and
DeleteServiceLinkedRole deletes Secrets Manager's service-linked role."""
import pytest

from iam import allow, policy_doc, statement, user_with_key
from legacy import legacy_call
from ramclients import FLAVOURS, expect_error, make_client

SLR = "AliyunKMSManageRAMCredentialsRole"
SLR_SERVICE = "ramcredentials.kms.aliyuncs.com"


def _denied_detail(server, root_core, uniq):
    """A RAM user denied ListUsers by an explicit Deny -> (user, its Tea V3
    client, AccessDeniedDetail of the denial)."""
    name = uniq("diag")
    ak, sk = user_with_key(root_core, name)
    pol = uniq("diagpol")
    root_core.call("CreatePolicy", PolicyName=pol, PolicyDocument=policy_doc(
        statement("ram:ListUsers", effect="Deny"), statement("ram:Get*")))
    root_core.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=name)
    tea = make_client("tea_v3", server, ak, sk)
    e = expect_error(lambda: tea.call("ListUsers"), 403, "NoPermission")
    detail = e.data["AccessDeniedDetail"]
    assert detail["NoPermissionType"] == "ExplicitDeny", detail
    assert detail["AuthAction"] == "ram:ListUsers", detail
    return name, pol, tea, detail


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_decode_diagnostic_message(server, root_core, uniq, flavour):
    name, pol, _, detail = _denied_detail(server, root_core, uniq)
    encoded = detail["EncodedDiagnosticMessage"]
    assert pol not in encoded and "ListUsers" not in encoded, "the message must be opaque"
    ram = make_client(flavour, server)
    m = ram.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)["DecodedDiagnosticMessage"]
    assert m["AuthAction"] == "ram:ListUsers"
    assert m["AuthResource"] == f"acs:ram:*:{server.account_id}:user/*"
    assert m["ExplicitDeny"] is True
    assert m["NoPermissionPolicyType"] == "AccountLevelIdentityBasedPolicy"
    p = m["AuthPrincipal"]
    assert (p["AuthPrincipalType"], p["AuthPrincipalOwnerId"]) == ("SubUser", server.account_id)
    assert root_core.call("GetUser", UserName=name)["User"]["UserId"] == p["AuthPrincipalDisplayName"]
    [mp] = m["MatchedPolicies"]
    assert (mp["PolicyIdentifier"], mp["PolicyType"], mp["PolicyVersion"], mp["Effect"]) == \
        (pol, "Custom", "v1", "Deny")
    keys = {c["ConditionKey"] for c in m["AuthConditions"]}
    assert {"acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport"} <= keys, keys


def test_decode_needs_permission_and_a_real_message(server, root_core, uniq):
    name, _, tea, detail = _denied_detail(server, root_core, uniq)
    encoded = detail["EncodedDiagnosticMessage"]
    e = expect_error(lambda: tea.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded),
                     403, "NoPermission")
    assert e.data["AccessDeniedDetail"]["AuthAction"] == "ram:DecodeDiagnosticMessage"
    pol = uniq("diagdecode")
    root_core.call("CreatePolicy", PolicyName=pol, PolicyDocument=allow("ram:DecodeDiagnosticMessage"))
    root_core.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=name)
    m = tea.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)["DecodedDiagnosticMessage"]
    assert m["AuthAction"] == "ram:ListUsers"
    root = make_client("core", server)
    for bad in (encoded[:-3], encoded[:12] + ("A" if encoded[12] != "A" else "B") + encoded[13:], "plain text"):
        expect_error(lambda: root.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=bad),
                     400, "InvalidParameter.EncodedDiagnosticMessage")


def test_another_account_cannot_decode(server, fresh_server, root_core, uniq):
    _, _, _, detail = _denied_detail(server, root_core, uniq)
    other = fresh_server()
    expect_error(lambda: make_client("tea_v3", other).call(
        "DecodeDiagnosticMessage", EncodedDiagnosticMessage=detail["EncodedDiagnosticMessage"]),
        400, "InvalidParameter.EncodedDiagnosticMessage")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_delete_service_linked_role(fresh_server, flavour):
    srv = fresh_server()
    ram = make_client(flavour, srv)
    expect_error(lambda: ram.call("DeleteServiceLinkedRole", RoleName=SLR), 404, "EntityNotExist.Role")
    r = ram.call("CreateServiceLinkedRole", ServiceName=SLR_SERVICE)["Role"]
    assert r["RoleName"] == SLR
    assert ram.call("GetRole", RoleName=SLR)["Role"]["IsServiceLinkedRole"] is True
    task = ram.call("DeleteServiceLinkedRole", RoleName=SLR)["DeletionTaskId"]
    assert task.startswith(f"task/acs-service-role/{SLR_SERVICE}/{SLR}/"), task
    expect_error(lambda: ram.call("GetRole", RoleName=SLR), 404, "EntityNotExist.Role")
    # An ordinary role is not deleted this way.
    trust = ('{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
             '"Principal":{"Service":["ecs.aliyuncs.com"]}}],"Version":"1"}')
    ram.call("CreateRole", RoleName="ordinary", AssumeRolePolicyDocument=trust)
    expect_error(lambda: ram.call("DeleteServiceLinkedRole", RoleName="ordinary"),
                 404, "EntityNotExist.ServiceLinkedRole")
    ram.call("GetRole", RoleName="ordinary")


def test_service_linked_role_in_use_by_a_ram_secret(fresh_server):
    from kmsclients import make_kms
    import json

    srv = fresh_server()
    ram = make_client("tea_v3", srv)
    ram.call("CreateServiceLinkedRole", ServiceName=SLR_SERVICE)
    ak, sk = user_with_key(ram, "rotated")
    kms = make_kms("tea_v3", srv)
    kms.call("CreateSecret", SecretName="acs/ram/user/rotated", SecretType="RAMCredentials", VersionId="v0",
             SecretData=json.dumps({"AccessKeys": [{"AccessKeyId": ak, "AccessKeySecret": sk}]}),
             ExtendedConfig={"SecretSubType": "RamUserAccessKey", "UserName": "rotated"})
    e = expect_error(lambda: ram.call("DeleteServiceLinkedRole", RoleName=SLR),
                     409, "DeleteConflict.ServiceLinkedRole.InUse")
    assert "secret/acs/ram/user/rotated" in (e.message or ""), e.message
    assert ram.call("GetRole", RoleName=SLR)["Role"]["IsServiceLinkedRole"] is True
    kms.call("DeleteSecret", SecretName="acs/ram/user/rotated", ForceDeleteWithoutRecovery="true")
    assert ram.call("DeleteServiceLinkedRole", RoleName=SLR)["DeletionTaskId"]


def test_decode_with_the_legacy_typed_request(server, root_core, uniq):
    from aliyunsdkram.request.v20150501.DecodeDiagnosticMessageRequest import DecodeDiagnosticMessageRequest

    _, pol, _, detail = _denied_detail(server, root_core, uniq)
    req = DecodeDiagnosticMessageRequest()
    req.set_EncodedDiagnosticMessage(detail["EncodedDiagnosticMessage"])
    m = legacy_call(server, req)["DecodedDiagnosticMessage"]
    assert m["AuthAction"] == "ram:ListUsers"
    assert m["MatchedPolicies"][0]["PolicyIdentifier"] == pol
