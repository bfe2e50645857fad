"""RAM tags on roles and policies (TagResources, UntagResources,
ListTagResources), as the Tea client (JSON-string ResourceNames, Tag,
TagKeys), aliyunsdkcore and Terraform send them."""
import json

import pytest

from ramclients import FLAVOURS, expect_error, make_client

TRUST = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": ["ecs.aliyuncs.com"]}}]})
DOC = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]})


def _tag_args(flavour, **kw):
    """The Tea clients take lists (and send them as JSON strings themselves);
    CommonRequest takes the JSON strings."""
    if flavour == "core":
        return {k: json.dumps(v) if isinstance(v, list) else v for k, v in kw.items()}
    return kw


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tags_on_roles_and_policies(server, flavour, uniq):
    ram = make_client(flavour, server)
    role, pol = uniq("TagRole"), uniq("tag-policy")
    ram.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=TRUST)
    ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=DOC)
    for kind, name in (("role", role), ("policy", pol)):
        ram.call("TagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name],
                                             Tag=[{"Key": "env", "Value": "prod"},
                                                  {"Key": "team", "Value": "a"}]))
        got = ram.call("ListTagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name]))
        assert sorted((t["ResourceName"], t["ResourceType"], t["TagKey"], t["TagValue"])
                      for t in got["TagResources"]) == [(name, kind, "env", "prod"), (name, kind, "team", "a")]
        ram.call("UntagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name], TagKeys=["env"]))
        got = ram.call("ListTagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name]))
        assert [t["TagKey"] for t in got["TagResources"]] == ["team"]
        ram.call("UntagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name], All=True))
        got = ram.call("ListTagResources", **_tag_args(flavour, ResourceType=kind, ResourceNames=[name]))
        assert got.get("TagResources") in ([], None)
    expect_error(lambda: ram.call("TagResources", **_tag_args(
        flavour, ResourceType="role", ResourceNames=[uniq("missing")], Tag=[{"Key": "k", "Value": "v"}])),
        404, "EntityNotExist.Role")
    ram.call("DeleteRole", RoleName=role)
    ram.call("DeletePolicy", PolicyName=pol)


def test_terraform_form_post_untag(raw, server, uniq):
    """Terraform's UntagResources sends TagKeys as JSON and TagKey.N too, in a
    form body."""
    role = uniq("TfRole")
    core = make_client("core", server)
    core.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=TRUST)
    core.call("TagResources", ResourceType="role", ResourceNames=json.dumps([role]),
              Tag=json.dumps([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]))
    import requests

    req = raw.request("UntagResources", {"ResourceType": "role", "ResourceNames": json.dumps([role]),
                                         "TagKeys": json.dumps(["a"]), "TagKey.1": "a"})
    r = requests.post(server.base_url + "/", data=req.params, timeout=10)
    assert r.status_code == 200, r.text
    got = core.call("ListTagResources", ResourceType="role", ResourceNames=json.dumps([role]))
    assert [t["TagKey"] for t in got["TagResources"]] == ["b"]
    core.call("UntagResources", ResourceType="role", ResourceNames=json.dumps([role]), All="true")
    core.call("DeleteRole", RoleName=role)
