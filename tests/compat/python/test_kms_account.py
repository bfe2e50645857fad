"""KMS account-level actions (2016-01-20): DescribeRegions names the region
the server is configured for, DescribeAccountKmsStatus reports KMS enabled,
through each Python SDK flavour (aliyunsdkcore V1, Tea V3 and Tea V1)."""
import pytest

from iam import allow, user_with_key
from kmsclients import FLAVOURS, make_kms
from legacy import legacy_call
from ramclients import REGION, expect_error


@pytest.fixture(params=FLAVOURS)
def kms(request, server):
    return make_kms(request.param, server)


def test_describe_regions(kms):
    body = kms.call("DescribeRegions")
    assert body["Regions"]["Region"] == [{"RegionId": REGION}], body
    assert body["RequestId"]


def test_describe_account_kms_status(kms):
    body = kms.call("DescribeAccountKmsStatus")
    assert body["AccountStatus"] == "Enabled", body
    assert body["RequestId"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ram_user_permissions(server, root_core, uniq, flavour):
    """DescribeRegions needs no permission (as in the real service);
    DescribeAccountKmsStatus needs kms:DescribeAccountKmsStatus."""
    name = uniq("kmsacct")
    ak, sk = user_with_key(root_core, name)
    kms = make_kms(flavour, server, ak, sk)
    assert kms.call("DescribeRegions")["Regions"]["Region"][0]["RegionId"] == REGION
    expect_error(lambda: kms.call("DescribeAccountKmsStatus"), 403, "Forbidden.NoPermission")
    pol = uniq("kmsacctpol")
    root_core.call("CreatePolicy", PolicyName=pol, PolicyDocument=allow("kms:DescribeAccountKmsStatus"))
    root_core.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=name)
    assert kms.call("DescribeAccountKmsStatus")["AccountStatus"] == "Enabled"


def test_legacy_typed_requests(server):
    from aliyunsdkkms.request.v20160120.DescribeAccountKmsStatusRequest import DescribeAccountKmsStatusRequest
    from aliyunsdkkms.request.v20160120.DescribeRegionsRequest import DescribeRegionsRequest

    assert legacy_call(server, DescribeRegionsRequest())["Regions"]["Region"] == [{"RegionId": REGION}]
    assert legacy_call(server, DescribeAccountKmsStatusRequest())["AccountStatus"] == "Enabled"
