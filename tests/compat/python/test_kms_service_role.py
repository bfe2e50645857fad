"""The legacy manual setup that authorises KMS to manage RAM users'
AccessKeys (behaviour.md §1.2; note the documented misspelling
"Crendentials"): custom policy, a role trusted by kms.aliyuncs.com, the
attachment, and ListPoliciesForRole showing it."""
import json

import pytest

from ramclients import assert_date, make_client

POLICY_NAME = "AliyunKMSManagedRAMCrendentialsRolePolicy"
ROLE_NAME = "AliyunKMSManagedRAMCrendentialsRole"
POLICY_DOCUMENT = ('{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey",'
                   '"ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}')
TRUST_DOCUMENT = ('{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
                  '"Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}')


def _seed(ram, server, policy_name, role_name):
    body = ram.call("CreatePolicy", PolicyName=policy_name, PolicyDocument=POLICY_DOCUMENT,
                    Description="Allows KMS to manage the AccessKeys of RAM users")
    p = body["Policy"]
    assert (p["PolicyName"], p["PolicyType"], p["DefaultVersion"]) == (policy_name, "Custom", "v1")

    body = ram.call("CreateRole", RoleName=role_name, AssumeRolePolicyDocument=TRUST_DOCUMENT,
                    Description="KMS manages RAM credentials")
    r = body["Role"]
    assert r["RoleName"] == role_name
    assert r["Arn"] == f"acs:ram::{server.account_id}:role/{role_name}"
    assert json.loads(r["AssumeRolePolicyDocument"]) == json.loads(TRUST_DOCUMENT)

    body = ram.call("AttachPolicyToRole", PolicyType="Custom", PolicyName=policy_name, RoleName=role_name)
    assert body.get("RequestId")

    body = ram.call("ListPoliciesForRole", RoleName=role_name)
    pols = body["Policies"]["Policy"]
    assert [x["PolicyName"] for x in pols] == [policy_name]
    assert pols[0]["PolicyType"] == "Custom"
    assert pols[0]["DefaultVersion"] == "v1"
    assert_date(pols[0].get("AttachDate"), "AttachDate")

    got = ram.call("GetPolicy", PolicyName=policy_name, PolicyType="Custom")
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"]) == json.loads(POLICY_DOCUMENT)
    assert got["Policy"]["AttachmentCount"] == 1
    assert json.loads(ram.call("GetRole", RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]) == \
        json.loads(TRUST_DOCUMENT)


def test_seed_exact_names_tea_v3(server):
    """The exact documented names, through the Tea V3 client."""
    _seed(make_client("tea_v3", server), server, POLICY_NAME, ROLE_NAME)


@pytest.mark.parametrize("flavour", ["core", "tea_v2"])
def test_seed_other_flavours(server, uniq, flavour):
    _seed(make_client(flavour, server), server, uniq(POLICY_NAME), uniq(ROLE_NAME))
