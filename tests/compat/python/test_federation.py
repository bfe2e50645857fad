"""Federation end to end: IMS OIDC and SAML providers (2019-08-15) through the
Tea IMS client (V3 and V2) and aliyunsdkcore CommonRequest (V1); STS
AssumeRoleWithOIDC / AssumeRoleWithSAML (anonymous) through the Tea STS
client built without credentials, plain GET and form POST, and
alibabacloud_credentials' oidc_role_arn provider (token file, RRSA
environment variables) over HTTPS; the credentials they give used as role
sessions.

The OIDC issuers are local (oidc_issuer.py): HTTPS on 127.0.0.1 with a
certificate made here, trusted by the server through the provider's SHA-1
fingerprint. The SAML IdP (saml_idp.py) signs with signxml.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import _free_port, start_server
from iam import allow, role_arn, user_with_key
from oidc_issuer import Issuer, Key, jws, sha1_fingerprint
from ramclients import (DATE_RE, FLAVOURS, STS_VERSION, TeaRam, expect_error,
                        expect_error_prefix, make_client)
from saml_idp import (NS, RECIPIENT, IdP, new_id, signature_template, xmlsec1_available, xmlsec1_sign,
                      xmlsec1_verify)

CLIENT = "client-a"
ALT_RECIPIENT = "https://signin.alibabacloud.com/saml-role/sso"


# --------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fed():
    """A server of this module's own: its account holds only the providers
    and roles made here."""
    srv, stop = start_server()
    try:
        yield srv
    finally:
        stop()


@pytest.fixture(scope="module")
def issuer():
    i = Issuer()
    try:
        yield i
    finally:
        i.close()


def anonymous_sts(srv) -> TeaRam:
    """alibabacloud_sts20150401 built with no credentials at all (the two
    federation actions are `auth_type='Anonymous'` in the SDK)."""
    return TeaRam(srv.endpoint, None, None, product="sts", protocol=srv.scheme, ca=srv.ca)


def raw_sts(srv, action: str, params: dict, method: str = "GET"):
    """An unsigned RPC request: GET with everything in the query, or POST
    with everything in a form body. -> (status, json)."""
    p = {"Action": action, "Version": STS_VERSION, "Format": "JSON", **params}
    data = urllib.parse.urlencode(p).encode()
    if method == "GET":
        req = urllib.request.Request(f"{srv.base_url}/?{data.decode()}", method="GET")
    else:
        req = urllib.request.Request(f"{srv.base_url}/", data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def oidc_trust(provider_arn: str, equals=None, like=None) -> str:
    st = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [provider_arn]}}
    cond = {}
    if equals:
        cond["StringEquals"] = equals
    if like:
        cond["StringLike"] = like
    if cond:
        st["Condition"] = cond
    return json.dumps({"Version": "1", "Statement": [st]})


class Fed:
    """Setup on one server: providers, roles, calls."""

    def __init__(self, srv, uniq):
        self.srv = srv
        self.uniq = uniq
        self.ims = make_client("tea_v3", srv, product="ims")
        self.ram = make_client("tea_v3", srv)
        self.sts = anonymous_sts(srv)

    def oidc_provider(self, issuer_url: str, fingerprints: str = "", client_ids: str = CLIENT,
                      limit=None) -> str:
        p = self.ims.call("CreateOIDCProvider", OIDCProviderName=self.uniq("oidc"), IssuerUrl=issuer_url,
                          ClientIds=client_ids, Fingerprints=fingerprints or None,
                          IssuanceLimitTime=limit)["OIDCProvider"]
        return p["Arn"]

    def role(self, trust: str, policies=("AliyunRAMReadOnlyAccess",), prefix="fedrole") -> dict:
        name = self.uniq(prefix)
        r = self.ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
        for p in policies:
            self.ram.call("AttachPolicyToRole", PolicyType="System", PolicyName=p, RoleName=name)
        return {"name": name, "arn": role_arn(self.srv.account_id, name), "id": r["RoleId"]}

    def oidc(self, provider_arn: str, role: dict, token: str, session: str = "oidc-session", **kw):
        return self.sts.call("AssumeRoleWithOIDC", OIDCProviderArn=provider_arn, RoleArn=role["arn"],
                             OIDCToken=token, RoleSessionName=session, **kw)

    def saml(self, provider_arn: str, role: dict, assertion: str, **kw):
        return self.sts.call("AssumeRoleWithSAML", SAMLProviderArn=provider_arn, RoleArn=role["arn"],
                             SAMLAssertion=assertion, **kw)


def session_client(srv, creds, product="ram", flavour="tea_v3"):
    return make_client(flavour, srv, creds["AccessKeyId"], creds["AccessKeySecret"],
                       security_token=creds["SecurityToken"], product=product)


def parse_ts(s: str) -> dt.datetime:
    assert isinstance(s, str) and DATE_RE.match(s), s
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def main_oidc(fed, issuer):
    """The main issuer tenant (an RSA key `k1` and an EC P-256 key `e1`), its
    provider (IssuanceLimitTime 1 h, pinned by the leaf's fingerprint in
    upper case with colons) and a role trusting it for aud client-a."""
    import uuid

    f = Fed(fed, lambda p="t": f"{p}-{uuid.uuid4().hex[:10]}")
    t = issuer.tenant("main", keys=[Key("k1"), Key("e1", "EC")])
    arn = f.oidc_provider(t.url, fingerprints=sha1_fingerprint(issuer.cert, colons=True, upper=True), limit=1)
    role = f.role(oidc_trust(arn, equals={"oidc:iss": t.url, "oidc:aud": CLIENT}))
    return {"f": f, "tenant": t, "arn": arn, "role": role}


# --------------------------------------------------------------------------
# IMS: OIDC providers
# --------------------------------------------------------------------------

def _check_oidc_view(p, srv, name, issuer_url):
    assert p["Arn"] == f"acs:ram::{srv.account_id}:oidc-provider/{name}"
    assert p["OIDCProviderName"] == name and p["IssuerUrl"] == issuer_url
    for k in ("CreateDate", "UpdateDate"):
        assert DATE_RE.match(p[k]), (k, p[k])
    for k in ("GmtCreate", "GmtModified"):
        assert str(p[k]).isdigit(), (k, p[k])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_oidc_provider_crud(fed, flavour, uniq):
    ims = make_client(flavour, fed, product="ims")
    name = uniq("oidcp")
    url = f"https://oidc.example.test/{name}"
    fp1 = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"
    fp2 = "0123456789ABCDEF0123456789ABCDEF01234567"
    p = ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=url, ClientIds="app-1, app-2,app-1",
                 Fingerprints=f"{fp1},{fp2}", Description="made by " + flavour)["OIDCProvider"]
    _check_oidc_view(p, fed, name, url)
    assert p["ClientIds"] == "app-1,app-2"
    assert p["Fingerprints"] == ("abcdef0123456789abcdef0123456789abcdef01,"
                                 "0123456789abcdef0123456789abcdef01234567")
    assert p["IssuanceLimitTime"] == 12 and p["Description"] == "made by " + flavour
    assert ims.call("GetOIDCProvider", OIDCProviderName=name)["OIDCProvider"] == p

    listed = ims.call("ListOIDCProviders", MaxItems=100)
    assert [x for x in listed["OIDCProviders"]["OIDCProvider"] if x["OIDCProviderName"] == name] == [p]

    u = ims.call("UpdateOIDCProvider", OIDCProviderName=name, ClientIds="app-3", IssuanceLimitTime=168,
                 NewDescription="updated")["OIDCProvider"]
    assert (u["ClientIds"], u["IssuanceLimitTime"], u["Description"]) == ("app-3", 168, "updated")
    assert u["IssuerUrl"] == url and u["Fingerprints"] == p["Fingerprints"] and u["CreateDate"] == p["CreateDate"]

    u = ims.call("AddClientIdToOIDCProvider", OIDCProviderName=name, ClientId="sts.aliyuncs.com")["OIDCProvider"]
    assert u["ClientIds"] == "app-3,sts.aliyuncs.com"
    expect_error(lambda: ims.call("AddClientIdToOIDCProvider", OIDCProviderName=name, ClientId="app-3"),
                 409, "EntityAlreadyExists.OIDCProvider.ClientId")
    u = ims.call("RemoveClientIdFromOIDCProvider", OIDCProviderName=name, ClientId="app-3")["OIDCProvider"]
    assert u["ClientIds"] == "sts.aliyuncs.com"
    expect_error(lambda: ims.call("RemoveClientIdFromOIDCProvider", OIDCProviderName=name, ClientId="app-3"),
                 404, "EntityNotExist.OIDCProvider.ClientId")

    fp3 = "FE:DC:BA:98:76:54:32:10:FE:DC:BA:98:76:54:32:10:FE:DC:BA:98"
    u = ims.call("AddFingerprintToOIDCProvider", OIDCProviderName=name, Fingerprint=fp3)["OIDCProvider"]
    assert u["Fingerprints"].split(",")[-1] == "fedcba9876543210fedcba9876543210fedcba98"
    expect_error(lambda: ims.call("AddFingerprintToOIDCProvider", OIDCProviderName=name,
                                  Fingerprint=fp3.replace(":", "").lower()),
                 409, "EntityAlreadyExists.OIDCProvider.Fingerprint")
    # Removal by any spelling of the same fingerprint.
    u = ims.call("RemoveFingerprintFromOIDCProvider", OIDCProviderName=name,
                 Fingerprint=fp1.replace(":", "").lower())["OIDCProvider"]
    assert u["Fingerprints"] == "0123456789abcdef0123456789abcdef01234567,fedcba9876543210fedcba9876543210fedcba98"
    expect_error(lambda: ims.call("RemoveFingerprintFromOIDCProvider", OIDCProviderName=name, Fingerprint=fp1),
                 404, "EntityNotExist.OIDCProvider.Fingerprint")

    # Taken name, taken issuer.
    expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=url + "-other",
                                  ClientIds="x"), 409, "EntityAlreadyExists.OIDCProvider")
    expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name + "-2", IssuerUrl=url,
                                  ClientIds="x"), 409, "EntityAlreadyExists.OIDCProvider")

    ims.call("DeleteOIDCProvider", OIDCProviderName=name)
    expect_error(lambda: ims.call("GetOIDCProvider", OIDCProviderName=name), 404, "EntityNotExist.OIDCProvider")
    expect_error(lambda: ims.call("DeleteOIDCProvider", OIDCProviderName=name), 404, "EntityNotExist.OIDCProvider")
    expect_error(lambda: ims.call("UpdateOIDCProvider", OIDCProviderName=name, NewDescription="x"), 404,
                 "EntityNotExist.OIDCProvider")


@pytest.mark.parametrize("param,value,code", [
    ("IssuerUrl", "http://oidc.example.test/x", "InvalidParameter.IssuerUrl"),
    ("IssuerUrl", "https://oidc.example.test/x?q=1", "InvalidParameter.IssuerUrl"),
    ("IssuerUrl", "https://user@oidc.example.test/x", "InvalidParameter.IssuerUrl"),
    ("IssuanceLimitTime", 0, "InvalidParameter.IssuanceLimitTime"),
    ("IssuanceLimitTime", 169, "InvalidParameter.IssuanceLimitTime"),
    ("Fingerprints", "abc", "InvalidParameter.Fingerprint"),
    ("Fingerprints", "g" * 40, "InvalidParameter.Fingerprint"),
    ("OIDCProviderName", "-bad-", "InvalidParameter.OIDCProviderName"),
    ("Description", "d" * 257, "InvalidParameter.Description"),
])
def test_oidc_provider_invalid_parameters(fed, uniq, param, value, code):
    ims = make_client("tea_v3", fed, product="ims")
    params = dict(OIDCProviderName=uniq("badp"), IssuerUrl=f"https://oidc.example.test/{uniq('i')}",
                  ClientIds="a")
    params[param] = value
    expect_error(lambda: ims.call("CreateOIDCProvider", **params), 400, code)


def test_oidc_provider_limits(fed, uniq):
    ims = make_client("core", fed, product="ims")
    name = uniq("limp")
    fps = [f"{i:040x}" for i in range(1, 7)]
    ids = [f"client-{i}" for i in range(51)]
    # At create: 6 fingerprints, 51 client ids.
    expect_error_prefix(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name,
                                         IssuerUrl=f"https://oidc.example.test/{name}",
                                         Fingerprints=",".join(fps)), 409, "LimitExceeded.OIDCProvider.Fingerprint")
    expect_error_prefix(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name,
                                         IssuerUrl=f"https://oidc.example.test/{name}",
                                         ClientIds=",".join(ids)), 409, "LimitExceeded.OIDCProvider.ClientId")
    p = ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=f"https://oidc.example.test/{name}",
                 Fingerprints=",".join(fps[:5]), ClientIds=",".join(ids[:50]))["OIDCProvider"]
    assert len(p["Fingerprints"].split(",")) == 5 and len(p["ClientIds"].split(",")) == 50
    expect_error(lambda: ims.call("AddFingerprintToOIDCProvider", OIDCProviderName=name, Fingerprint=fps[5]),
                 409, "LimitExceeded.OIDCProvider.Fingerprint")
    expect_error(lambda: ims.call("AddClientIdToOIDCProvider", OIDCProviderName=name, ClientId=ids[50]),
                 409, "LimitExceeded.OIDCProvider.ClientId")
    expect_error_prefix(lambda: ims.call("UpdateOIDCProvider", OIDCProviderName=name, ClientIds=",".join(ids)),
                        409, "LimitExceeded.OIDCProvider.ClientId")
    ims.call("DeleteOIDCProvider", OIDCProviderName=name)


def test_oidc_provider_limit_codes_at_create(fed, uniq):
    ims = make_client("tea_v3", fed, product="ims")
    name = uniq("limc")
    url = f"https://oidc.example.test/{name}"
    expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=url,
                                  Fingerprints=",".join(f"{i:040x}" for i in range(1, 7))),
                 409, "LimitExceeded.OIDCProvider.Fingerprint")
    expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=url,
                                  ClientIds=",".join(f"c-{i}" for i in range(51))),
                 409, "LimitExceeded.OIDCProvider.ClientId")


def test_provider_paging_and_account_limit(fresh_server):
    srv = fresh_server()
    ims = make_client("core", srv, product="ims")
    tea = make_client("tea_v3", srv, product="ims")
    names = [f"page-{i:03d}" for i in range(100)]
    for n in names:
        ims.call("CreateOIDCProvider", OIDCProviderName=n, IssuerUrl=f"https://oidc.example.test/{n}",
                 ClientIds="a")
    expect_error(lambda: ims.call("CreateOIDCProvider", OIDCProviderName="page-100",
                                  IssuerUrl="https://oidc.example.test/page-100", ClientIds="a"),
                 409, "LimitExceeded.OIDCProvider")
    seen, marker, pages = [], None, 0
    while True:
        page = tea.call("ListOIDCProviders", MaxItems=30, Marker=marker)
        pages += 1
        seen += [p["OIDCProviderName"] for p in page["OIDCProviders"]["OIDCProvider"]]
        if not page["IsTruncated"]:
            assert not page.get("Marker")
            break
        marker = page["Marker"]
        assert marker
    assert (seen, pages) == (names, 4)
    # SAML providers are counted and paged on their own.
    idp = IdP()
    for i in range(3):
        tea.call("CreateSAMLProvider", SAMLProviderName=f"idp-{i}", EncodedSAMLMetadataDocument=idp.metadata_b64())
    page = tea.call("ListSAMLProviders", MaxItems=2)
    assert page["IsTruncated"] is True and [p["SAMLProviderName"] for p in
                                            page["SAMLProviders"]["SAMLProvider"]] == ["idp-0", "idp-1"]
    page = tea.call("ListSAMLProviders", MaxItems=2, Marker=page["Marker"])
    assert page["IsTruncated"] is False and [p["SAMLProviderName"] for p in
                                             page["SAMLProviders"]["SAMLProvider"]] == ["idp-2"]


# --------------------------------------------------------------------------
# IMS: SAML providers
# --------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_saml_provider_crud(fed, flavour, uniq):
    ims = make_client(flavour, fed, product="ims")
    idp, idp2 = IdP(), IdP("https://idp2.example.test/saml")
    name = uniq("samlp")
    p = ims.call("CreateSAMLProvider", SAMLProviderName=name, EncodedSAMLMetadataDocument=idp.metadata_b64(),
                 Description="idp one")["SAMLProvider"]
    assert p["Arn"] == f"acs:ram::{fed.account_id}:saml-provider/{name}"
    assert (p["SAMLProviderName"], p["AuthnSignAlgo"], p["Description"]) == (name, "rsa-sha1", "idp one")
    assert DATE_RE.match(p["CreateDate"]) and DATE_RE.match(p["UpdateDate"])
    got = ims.call("GetSAMLProvider", SAMLProviderName=name)["SAMLProvider"]
    assert got["EncodedSAMLMetadataDocument"] == idp.metadata_b64()
    assert {k: v for k, v in got.items() if k != "EncodedSAMLMetadataDocument"} == p
    listed = ims.call("ListSAMLProviders", MaxItems=100)["SAMLProviders"]["SAMLProvider"]
    # (the Tea model of a listed SAML provider has no AuthnSignAlgo)
    want = {k: v for k, v in p.items() if flavour == "core" or k != "AuthnSignAlgo"}
    assert [x for x in listed if x["SAMLProviderName"] == name] == [want]

    u = ims.call("UpdateSAMLProvider", SAMLProviderName=name, NewEncodedSAMLMetadataDocument=idp2.metadata_b64(),
                 NewDescription="idp two")["SAMLProvider"]
    assert u["Description"] == "idp two"
    got = ims.call("GetSAMLProvider", SAMLProviderName=name)["SAMLProvider"]
    assert got["EncodedSAMLMetadataDocument"] == idp2.metadata_b64()
    expect_error(lambda: ims.call("UpdateSAMLProvider", SAMLProviderName=name,
                                  NewEncodedSAMLMetadataDocument=base64.b64encode(b"<x/>").decode()),
                 400, "InvalidParameter.NewEncodedSAMLMetadataDocument")

    n256 = uniq("samlp")
    p = ims.call("CreateSAMLProvider", SAMLProviderName=n256, EncodedSAMLMetadataDocument=idp.metadata_b64(),
                 AuthnSignAlgo="rsa-sha256")["SAMLProvider"]
    assert p["AuthnSignAlgo"] == "rsa-sha256"
    expect_error(lambda: ims.call("CreateSAMLProvider", SAMLProviderName=n256,
                                  EncodedSAMLMetadataDocument=idp.metadata_b64()),
                 409, "EntityAlreadyExists.SAMLProvider")
    for n in (name, n256):
        ims.call("DeleteSAMLProvider", SAMLProviderName=n)
        expect_error(lambda: ims.call("GetSAMLProvider", SAMLProviderName=n), 404, "EntityNotExist.SAMLProvider")
    expect_error(lambda: ims.call("DeleteSAMLProvider", SAMLProviderName=name), 404, "EntityNotExist.SAMLProvider")


def _weak_idp_metadata() -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from oidc_issuer import make_cert

    idp = IdP()
    idp.key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    idp.cert, _ = make_cert("weak.example.test", key=idp.key)
    return idp.metadata()


@pytest.mark.parametrize("case", ["not-base64", "not-xml", "no-idpsso", "no-cert", "rsa-1024", "doctype",
                                  "bad-algo"])
def test_saml_provider_invalid(fed, uniq, case):
    ims = make_client("tea_v3", fed, product="ims")
    md = IdP().metadata()
    param, algo = "EncodedSAMLMetadataDocument", None
    if case == "not-base64":
        doc = "%%% not base64 %%%"
    else:
        xml = {
            "not-xml": "this is not xml",
            "no-idpsso": md.replace("md:IDPSSODescriptor", "md:SPSSODescriptor"),
            "no-cert": md[:md.index("<md:KeyDescriptor")] + md[md.index("</md:KeyDescriptor>") + 19:],
            "rsa-1024": _weak_idp_metadata(),
            "doctype": md.replace('<md:EntityDescriptor', '<!DOCTYPE md:EntityDescriptor [<!ENTITY e "x">]>'
                                                          '<md:EntityDescriptor', 1),
            "bad-algo": md,
        }[case]
        doc = base64.b64encode(xml.encode()).decode()
    if case == "bad-algo":
        param, algo = "AuthnSignAlgo", "rsa-md5"
    expect_error(lambda: ims.call("CreateSAMLProvider", SAMLProviderName=uniq("badidp"),
                                  EncodedSAMLMetadataDocument=doc, AuthnSignAlgo=algo),
                 400, f"InvalidParameter.{param}")


def test_provider_actions_are_authorized_per_resource(fed, uniq):
    """ram:<Action> on acs:ram::<uid>:oidc-provider/<name> (saml-provider/<name>)."""
    ims = make_client("tea_v3", fed, product="ims")
    ram = make_client("tea_v3", fed)
    mine, other, saml_mine = uniq("authp"), uniq("authp"), uniq("auths")
    for n in (mine, other):
        ims.call("CreateOIDCProvider", OIDCProviderName=n, IssuerUrl=f"https://oidc.example.test/{n}", ClientIds="a")
    ims.call("CreateSAMLProvider", SAMLProviderName=saml_mine, EncodedSAMLMetadataDocument=IdP().metadata_b64())
    user = uniq("fedu")
    ak, sk = user_with_key(ram, user)
    pol = uniq("fedpol")
    ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ram:GetOIDCProvider", "ram:UpdateOIDCProvider"],
         "Resource": f"acs:ram::{fed.account_id}:oidc-provider/{mine}"},
        {"Effect": "Allow", "Action": "ram:GetSAMLProvider",
         "Resource": f"acs:ram::{fed.account_id}:saml-provider/{saml_mine}"},
        {"Effect": "Allow", "Action": "ram:ListOIDCProviders", "Resource": "*"}]}))
    ram.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=user)
    me = make_client("tea_v3", fed, ak, sk, product="ims")
    assert me.call("GetOIDCProvider", OIDCProviderName=mine)["OIDCProvider"]["OIDCProviderName"] == mine
    me.call("UpdateOIDCProvider", OIDCProviderName=mine, NewDescription="by the user")
    assert me.call("GetSAMLProvider", SAMLProviderName=saml_mine)["SAMLProvider"]["SAMLProviderName"] == saml_mine
    me.call("ListOIDCProviders")
    expect_error(lambda: me.call("GetOIDCProvider", OIDCProviderName=other), 403, "NoPermission")
    expect_error(lambda: me.call("DeleteOIDCProvider", OIDCProviderName=mine), 403, "NoPermission")
    expect_error(lambda: me.call("CreateOIDCProvider", OIDCProviderName=uniq("authp"),
                                 IssuerUrl="https://oidc.example.test/x", ClientIds="a"), 403, "NoPermission")
    expect_error(lambda: me.call("ListSAMLProviders"), 403, "NoPermission")
    for n in (mine, other):
        ims.call("DeleteOIDCProvider", OIDCProviderName=n)
    ims.call("DeleteSAMLProvider", SAMLProviderName=saml_mine)


# --------------------------------------------------------------------------
# STS AssumeRoleWithOIDC: good tokens, every way in
# --------------------------------------------------------------------------

def test_oidc_tea_anonymous_and_the_session(main_oidc):
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    srv = f.srv
    before = dt.datetime.now(dt.timezone.utc)
    tok = t.token(sub="system:serviceaccount:ns:app")
    body = f.oidc(arn, role, tok, session="pod-session", DurationSeconds=900)
    c = body["Credentials"]
    assert c["AccessKeyId"].startswith("STS.") and c["AccessKeySecret"] and c["SecurityToken"]
    assert abs((parse_ts(c["Expiration"]) - before).total_seconds() - 900) <= 60
    assert body["AssumedRoleUser"] == {"Arn": f"{role['arn']}/pod-session",
                                       "AssumedRoleId": f"{role['id']}:pod-session"}
    info = body["OIDCTokenInfo"]
    assert (info["Subject"], info["Issuer"], info["ClientIds"]) == ("system:serviceaccount:ns:app", t.url, CLIENT)
    assert parse_ts(info["ExpirationTime"]) > parse_ts(info["IssuanceTime"])
    assert info["VerificationInfo"]
    assert "SourceIdentity" in body
    assert body["RequestId"]

    who = session_client(srv, c, product="sts").call("GetCallerIdentity")
    assert who["IdentityType"] == "AssumedRoleUser"
    assert who["Arn"] == f"acs:ram::{srv.account_id}:assumed-role/{role['name']}/pod-session"
    assert who["AccountId"] == srv.account_id
    ram = session_client(srv, c)
    assert isinstance(ram.call("ListUsers")["IsTruncated"], bool)   # AliyunRAMReadOnlyAccess
    expect_error(lambda: ram.call("CreateUser", UserName="not-allowed"), 403, "NoPermission")

    # A session Policy narrows the role's.
    narrow = allow("ram:GetRole")
    c = f.oidc(arn, role, t.token(), session="narrow", Policy=narrow)["Credentials"]
    ram = session_client(srv, c, flavour="core")
    ram.call("GetRole", RoleName=role["name"])
    expect_error(lambda: ram.call("ListUsers"), 403, "NoPermission")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"])
def test_oidc_algorithms(fed, issuer, uniq, alg):
    f = Fed(fed, uniq)
    key = Key("ec384", "EC", curve="P-384") if alg == "ES384" else (
        Key("ec256", "EC") if alg == "ES256" else Key("rsa", jwk_alg=alg))
    t = issuer.tenant(uniq("alg"), keys=[key])
    arn = f.oidc_provider(t.url, fingerprints=issuer.fingerprint)
    role = f.role(oidc_trust(arn), policies=())
    body = f.oidc(arn, role, t.token(alg=alg))
    assert body["OIDCTokenInfo"]["Issuer"] == t.url
    # One key in the set: a token without kid is accepted too.
    f.oidc(arn, role, t.token(alg=alg, kid=None))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_oidc_raw_get_query_and_post_form(main_oidc, method):
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    params = {"OIDCProviderArn": arn, "RoleArn": role["arn"], "OIDCToken": t.token(sub="raw"),
              "RoleSessionName": f"raw-{method.lower()}", "DurationSeconds": "1200"}
    status, body = raw_sts(f.srv, "AssumeRoleWithOIDC", params, method)
    assert status == 200, body
    assert body["OIDCTokenInfo"]["Subject"] == "raw"
    assert body["AssumedRoleUser"]["Arn"] == f"{role['arn']}/raw-{method.lower()}"
    who = session_client(f.srv, body["Credentials"], product="sts", flavour="core").call("GetCallerIdentity")
    assert who["Arn"] == f"acs:ram::{f.srv.account_id}:assumed-role/{role['name']}/raw-{method.lower()}"
    # An anonymous action ignores a stray signature-less AccessKeyId.
    status, body = raw_sts(f.srv, "AssumeRoleWithOIDC", {**params, "OIDCToken": ""}, method)
    assert (status, body.get("Code")) == (401, "AuthenticationFail.OIDCToken.Invalid"), body


def test_oidc_parameter_errors(main_oidc, uniq):
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    srv = f.srv
    tok = t.token()
    base = {"OIDCProviderArn": arn, "RoleArn": role["arn"], "OIDCToken": tok, "RoleSessionName": "s-1"}

    def raw(**over):
        p = {k: v for k, v in {**base, **over}.items() if v is not None}
        status, body = raw_sts(srv, "AssumeRoleWithOIDC", p, "POST")
        return status, body.get("Code")

    assert raw(OIDCProviderArn=None) == (400, "MissingParameter.OIDCProviderArn")
    assert raw(RoleArn=None) == (400, "MissingParameter.RoleArn")
    status, code = raw(RoleSessionName=None)
    assert status == 400 and code.startswith("MissingParameter"), code
    assert raw(OIDCToken=None) == (401, "AuthenticationFail.OIDCToken.Invalid")
    assert raw(RoleSessionName="a b") == (400, "InvalidParameter.RoleSessionName")
    assert raw(DurationSeconds="60") == (400, "InvalidParameter.DurationSeconds")
    assert raw(DurationSeconds="soon") == (400, "InvalidParameter.DurationSeconds")
    assert raw(DurationSeconds="43201") == (400, "InvalidParameter.DurationSeconds")
    assert raw(Policy="{not json") == (400, "InvalidParameter.PolicyGrammar")
    assert raw(OIDCToken="not-a-jwt") == (401, "AuthenticationFail.OIDCToken.Invalid")
    assert raw(OIDCToken="a.b.c") == (401, "AuthenticationFail.OIDCToken.Invalid")
    assert raw(OIDCProviderArn=f"acs:ram::{srv.account_id}:oidc-provider/nobody") == \
        (401, "AuthenticationFail.NoPermission")
    assert raw(OIDCProviderArn=arn.replace(srv.account_id, "1234567890123456")) == \
        (401, "AuthenticationFail.NoPermission")
    assert raw(RoleArn=role_arn(srv.account_id, uniq("norole"))) == (404, "EntityNotExist.Role")
    e = expect_error(lambda: f.sts.call("AssumeRoleWithOIDC", OIDCProviderArn=f"{arn}-gone", RoleArn=role["arn"],
                                        OIDCToken=tok, RoleSessionName="s-1"),
                     401, "AuthenticationFail.NoPermission")
    assert "No such OIDC Provider registered." in (e.message or "")


def test_oidc_trust_conditions(main_oidc):
    """StringLike on oidc:sub, StringEquals on oidc:aud: a subject outside
    the pattern, or a provider the trust policy does not name, is refused."""
    f, t, arn = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"]
    role = f.role(oidc_trust(arn, equals={"oidc:aud": CLIENT},
                             like={"oidc:sub": "system:serviceaccount:prod:*"}), policies=())
    f.oidc(arn, role, t.token(sub="system:serviceaccount:prod:web"))
    for sub in ("system:serviceaccount:dev:web", "system:serviceaccount:prodx:web"):
        expect_error(lambda: f.oidc(arn, role, t.token(sub=sub)), 401, "AuthenticationFail.NoPermission")
    # A role trusting the account root (not the provider) cannot be federated into.
    plain = f.role(json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                              "Principal": {"RAM": [f"acs:ram::{f.srv.account_id}:root"]}}]}),
                   policies=())
    expect_error(lambda: f.oidc(arn, plain, t.token()), 401, "AuthenticationFail.NoPermission")
    # aud as an array: one value among the ClientIds suffices.
    f.oidc(arn, main_oidc["role"], t.token(aud=["other", CLIENT]))


def test_oidc_signed_clients_and_bounds(main_oidc, fed, uniq):
    """Clients that sign every request (aliyunsdkcore has no anonymous mode)
    are served too, whatever key they sign with; RoleSessionName 2-64
    characters; DurationSeconds up to the role's MaxSessionDuration."""
    from ramclients import CoreRam

    f, t, arn = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"]
    name = uniq("longrole")
    f.ram.call("CreateRole", RoleName=name, MaxSessionDuration=7200, AssumeRolePolicyDocument=oidc_trust(arn))
    role = {"name": name, "arn": role_arn(fed.account_id, name)}
    p = dict(OIDCProviderArn=arn, RoleArn=role["arn"], RoleSessionName="core-signed")
    core = make_client("core", fed, product="sts")
    assert core.call("AssumeRoleWithOIDC", OIDCToken=t.token(), **p)["AssumedRoleUser"]["Arn"] == \
        f"{role['arn']}/core-signed"
    stranger = CoreRam(fed.endpoint, "LTAI" + "x" * 20, "not-a-secret", version=STS_VERSION)
    assert stranger.call("AssumeRoleWithOIDC", OIDCToken=t.token(), **p)["Credentials"]["AccessKeyId"]
    before = dt.datetime.now(dt.timezone.utc)
    c = f.oidc(arn, role, t.token(), session="s" * 64, DurationSeconds=7200)["Credentials"]
    assert abs((parse_ts(c["Expiration"]) - before).total_seconds() - 7200) <= 60
    for session in ("s", "s" * 65):
        expect_error(lambda: f.oidc(arn, role, t.token(), session=session), 400, "InvalidParameter.RoleSessionName")
    expect_error(lambda: f.oidc(arn, role, t.token(), DurationSeconds=7201), 400, "InvalidParameter.DurationSeconds")
    expect_error(lambda: f.oidc(arn, {"arn": "not-an-arn"}, t.token()), 400, "InvalidParameter.RoleArn")


def test_oidc_missing_role_session_name_code(main_oidc):
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    status, body = raw_sts(f.srv, "AssumeRoleWithOIDC", {"OIDCProviderArn": arn, "RoleArn": role["arn"],
                                                         "OIDCToken": t.token()}, "POST")
    assert (status, body.get("Code")) == (400, "MissingParameter.RoleSessionName")


def test_oidc_provider_deleted_or_replaced(fed, issuer, uniq):
    """A deleted provider federates no one (its cached keys go with it); a
    provider re-created under the same name for another issuer refuses the
    old issuer's tokens."""
    f = Fed(fed, uniq)
    t1, t2 = issuer.tenant(uniq("del")), issuer.tenant(uniq("del"))
    name = uniq("delp")
    arn = f.ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=t1.url, ClientIds=CLIENT,
                     Fingerprints=issuer.fingerprint)["OIDCProvider"]["Arn"]
    role = f.role(oidc_trust(arn), policies=())
    f.oidc(arn, role, t1.token())
    f.ims.call("DeleteOIDCProvider", OIDCProviderName=name)
    e = expect_error(lambda: f.oidc(arn, role, t1.token()), 401, "AuthenticationFail.NoPermission")
    assert "No such OIDC Provider registered." in (e.message or "")
    f.ims.call("CreateOIDCProvider", OIDCProviderName=name, IssuerUrl=t2.url, ClientIds=CLIENT,
               Fingerprints=issuer.fingerprint)
    expect_error(lambda: f.oidc(arn, role, t1.token()), 401, "AuthenticationFail.OIDCToken.IssuerNotMatch")
    f.oidc(arn, role, t2.token())
    # Its last fingerprint removed: the self-signed issuer is checked against
    # the public roots, and fails.
    f.ims.call("RemoveFingerprintFromOIDCProvider", OIDCProviderName=name, Fingerprint=issuer.fingerprint)
    expect_error(lambda: f.oidc(arn, role, t2.token()), 401, "AuthenticationFail.OIDCToken.HttpsUrlInvalid")


def test_oidc_concurrent_first_calls_fetch_once(fed, issuer, uniq):
    import threading

    f = Fed(fed, uniq)
    name = uniq("burst")
    t = issuer.tenant(name)
    arn = f.oidc_provider(t.url, fingerprints=issuer.fingerprint)
    role = f.role(oidc_trust(arn), policies=())
    n = 12
    barrier, results = threading.Barrier(n), []

    def call(i):
        sts = anonymous_sts(fed)
        tok = t.token(sub=f"burst-{i}")
        barrier.wait()
        try:
            sts.call("AssumeRoleWithOIDC", OIDCProviderArn=arn, RoleArn=role["arn"], OIDCToken=tok,
                     RoleSessionName=f"burst-{i}")
            results.append("ok")
        except Exception as e:  # noqa: BLE001
            results.append(repr(e))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert results == ["ok"] * n, results
    assert (issuer.count(f"/{name}/.well-known/"), issuer.count(f"/{name}/keys")) == (1, 1)


# --------------------------------------------------------------------------
# STS AssumeRoleWithOIDC: the attacks
# --------------------------------------------------------------------------

def _attack_token(t, case, foreign):
    now = int(time.time())
    k1 = t.keys[0]
    if case == "alg-none":
        return jws({"alg": "none", "kid": "k1", "typ": "JWT"},
                   {"iss": t.url, "sub": "alice", "aud": CLIENT, "iat": now, "exp": now + 600})
    if case == "hs256-with-public-pem":
        return jws({"alg": "HS256", "kid": "k1", "typ": "JWT"},
                   {"iss": t.url, "sub": "alice", "aud": CLIENT, "iat": now, "exp": now + 600},
                   hmac_secret=k1.public_pem())
    if case == "foreign-key-under-issuer-kid":
        return t.token(key=foreign, kid="k1")
    if case == "no-kid-two-keys":
        return t.token(kid=None)
    if case == "expired":
        return t.token(iat=now - 1200, exp=now - 600)
    if case == "iat-in-future":
        return t.token(iat=now + 600, exp=now + 1200)
    if case == "iat-older-than-issuance-limit":
        return t.token(iat=now - 2 * 3600, exp=now + 600)
    if case == "iat-missing":
        return t.token(omit=["iat"])
    if case == "iat-as-string":
        return t.token(claims={"iat": str(now)})
    if case == "nbf-in-future":
        return t.token(nbf=now + 900, exp=now + 1800)
    if case == "sub-missing":
        return t.token(omit=["sub"])
    if case == "wrong-audience":
        return t.token(aud="client-z")
    if case == "issuer-with-trailing-slash":
        return t.token(iss=t.url + "/")
    if case == "issuer-other-case":
        return t.token(iss=t.url.upper().replace("HTTPS", "https"))
    if case == "signature-tampered":
        tok = t.token()
        h, p, s = tok.split(".")
        claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        claims["sub"] = "admin"
        p2 = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{h}.{p2}.{s}"
    if case == "es256-header-on-rsa-kid":
        return t.token(key=t.keys[1], kid="k1", alg="ES256")
    if case == "unknown-kid":
        return t.token(key=foreign, kid="nobody")
    if case == "longer-than-20000-characters":
        return t.token(claims={"pad": "x" * 20000})
    raise ValueError(case)


ATTACKS = {
    "alg-none": "AuthenticationFail.OIDCToken.Invalid",
    "hs256-with-public-pem": "AuthenticationFail.OIDCToken.Invalid",
    "foreign-key-under-issuer-kid": "AuthenticationFail.OIDCToken.InvalidSignature",
    "no-kid-two-keys": "AuthenticationFail.OIDCToken.InvalidSignature",
    "expired": "AuthenticationFail.OIDCToken.Expired",
    "iat-in-future": "AuthenticationFail.OIDCToken.Invalid",
    "iat-older-than-issuance-limit": "AuthenticationFail.OIDCToken.Invalid",
    "iat-missing": "AuthenticationFail.OIDCToken.Invalid",
    "iat-as-string": "AuthenticationFail.OIDCToken.Invalid",
    "nbf-in-future": "AuthenticationFail.OIDCToken.Invalid",
    "sub-missing": "AuthenticationFail.OIDCToken.Invalid",
    "wrong-audience": "AuthenticationFail.OIDCToken.AudienceNotMatch",
    "issuer-with-trailing-slash": "AuthenticationFail.OIDCToken.IssuerNotMatch",
    "issuer-other-case": "AuthenticationFail.OIDCToken.IssuerNotMatch",
    "signature-tampered": "AuthenticationFail.OIDCToken.InvalidSignature",
    "es256-header-on-rsa-kid": "AuthenticationFail.OIDCToken.InvalidSignature",
    "unknown-kid": "AuthenticationFail.OIDCToken.InvalidSignature",
    "longer-than-20000-characters": "AuthenticationFail.OIDCToken.Invalid",
}


@pytest.fixture(scope="module")
def foreign_key():
    return Key("k1")


@pytest.mark.parametrize("case", list(ATTACKS))
def test_oidc_token_attacks(main_oidc, foreign_key, case):
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    tok = _attack_token(t, case, foreign_key)
    expect_error(lambda: f.oidc(arn, role, tok), 401, ATTACKS[case])


def test_oidc_within_limits_is_accepted(main_oidc):
    """The edges the attacks straddle: iat 50 min ago (limit 1 h), exp 30 s
    ago and iat 30 s ahead (60 s leeway), aud as an array."""
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    now = int(time.time())
    f.oidc(arn, role, t.token(iat=now - 3000, exp=now + 600))
    f.oidc(arn, role, t.token(iat=now - 600, exp=now - 30))
    f.oidc(arn, role, t.token(iat=now + 30, exp=now + 600))
    f.oidc(arn, role, t.token(aud=["x", CLIENT], key=t.keys[1]))


def test_oidc_jku_is_never_fetched(main_oidc, uniq):
    """A token naming its own key set (jku, x5u, jwk) under an unknown kid:
    refused, and the listener it names is never called."""
    f, t, arn, role = main_oidc["f"], main_oidc["tenant"], main_oidc["arn"], main_oidc["role"]
    trap = Issuer(tls=False)
    trap_tls = Issuer()
    try:
        evil = Key("evil")
        trap.tenant("trap", keys=[evil])
        trap_tls.tenant("trap", keys=[evil])
        for hdr in ({"jku": f"{trap.base}/trap/keys"}, {"jku": f"{trap_tls.base}/trap/keys"},
                    {"x5u": f"{trap_tls.base}/trap/cert"}, {"jwk": evil.jwk()}):
            tok = t.token(key=evil, kid="evil", header=hdr)
            expect_error(lambda: f.oidc(arn, role, tok), 401, "AuthenticationFail.OIDCToken.InvalidSignature")
            # The same under the issuer's own kid.
            tok = t.token(key=evil, kid="k1", header=hdr)
            expect_error(lambda: f.oidc(arn, role, tok), 401, "AuthenticationFail.OIDCToken.InvalidSignature")
        assert trap.requests == [] and trap_tls.requests == []
    finally:
        trap.close()
        trap_tls.close()


def _issuer_case(f, issuer, uniq, case):
    """-> (provider arn, token, expected code or None for success, extra check)."""
    name = uniq("iss")
    if case == "fingerprint-matches-nothing":
        t = issuer.tenant(name)
        return f.oidc_provider(t.url, fingerprints="00" * 20), t.token(), \
            "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch"
    if case == "no-fingerprint-self-signed":
        t = issuer.tenant(name)
        return f.oidc_provider(t.url), t.token(), "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    if case == "jwks-uri-on-another-port":
        other = Issuer()
        f.cleanup.append(other.close)
        other.tenant(name)
        t = issuer.tenant(name, jwks_uri=f"{other.base}/{name}/keys")
        f.checks.append(lambda: other.requests == [])
        return f.oidc_provider(t.url, fingerprints=f"{issuer.fingerprint},{other.fingerprint}"), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "jwks-uri-on-another-host":
        t = issuer.tenant(name, jwks_uri=f"https://localhost:{issuer.port}/{name}/keys")
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "jwks-uri-plain-http":
        t = issuer.tenant(name, jwks_uri=f"http://127.0.0.1:{issuer.port}/{name}/keys")
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "discovery-redirects":
        target = issuer.tenant(name + "-target")
        t = issuer.tenant(name, keys=target.keys,
                          redirect_to=f"{target.url}/.well-known/openid-configuration")
        f.checks.append(lambda: issuer.count(f"/{name}-target/") == 0)
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "discovery-names-another-issuer":
        t = issuer.tenant(name, discovery_issuer=f"{issuer.base}/someone-else")
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "issuer-unreachable":
        url = f"https://127.0.0.1:{_free_port()}/{name}"
        now = int(time.time())
        tok = jws({"alg": "RS256", "kid": "k1"}, {"iss": url, "sub": "a", "aud": CLIENT, "iat": now,
                                                  "exp": now + 600}, Key("k1"))
        return f.oidc_provider(url, fingerprints=issuer.fingerprint), tok, \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "certificate-for-another-name":
        wrong = Issuer(cert="wrong-san")
        f.cleanup.append(wrong.close)
        t = wrong.tenant(name)
        return f.oidc_provider(t.url, fingerprints=wrong.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    if case in ("pinned-on-the-ca", "pinned-on-the-leaf-of-a-ca-chain"):
        chained = Issuer(cert="ca")
        f.cleanup.append(chained.close)
        t = chained.tenant(name)
        fp = chained.ca_fingerprint if case == "pinned-on-the-ca" else chained.fingerprint
        return f.oidc_provider(t.url, fingerprints=fp), t.token(), None
    if case == "issuer-url-with-trailing-slash":
        t = issuer.tenant(name)
        t.discovery_issuer = t.url + "/"
        return f.oidc_provider(t.url + "/", fingerprints=issuer.fingerprint), t.token(iss=t.url + "/"), None
    if case == "jwks-with-33-keys":
        t = issuer.tenant(name, keys=[Key(f"e{i}", "EC") for i in range(33)])
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "jwks-key-for-encryption-only":
        enc = Key("k1")
        enc.jwk_use = "enc"
        t = issuer.tenant(name, keys=[enc])
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "localhost-issuer":
        named = Issuer(cert="wrong-san")   # SAN DNS:localhost
        f.cleanup.append(named.close)
        t = named.tenant(name)
        t.url = f"https://localhost:{named.port}/{name}"
        return f.oidc_provider(t.url, fingerprints=named.fingerprint), t.token(), None
    if case in ("metadata-address", "non-canonical-loopback"):
        host = "100.100.100.200" if case == "metadata-address" else "127.1"
        url = f"https://{host}:{issuer.port}/{name}"
        now = int(time.time())
        tok = jws({"alg": "RS256", "kid": "k1"}, {"iss": url, "sub": "a", "aud": CLIENT, "iat": now,
                                                  "exp": now + 600}, Key("k1"))
        return f.oidc_provider(url, fingerprints=issuer.fingerprint), tok, \
            "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
    if case == "pinned-on-an-unrelated-ca":
        chained = Issuer(cert="ca")
        f.cleanup.append(chained.close)
        t = chained.tenant(name)
        return f.oidc_provider(t.url, fingerprints=issuer.fingerprint), t.token(), \
            "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch"
    raise ValueError(case)


ISSUER_CASES = ["fingerprint-matches-nothing", "no-fingerprint-self-signed", "jwks-uri-on-another-port",
                "jwks-uri-on-another-host", "jwks-uri-plain-http", "discovery-redirects",
                "discovery-names-another-issuer", "issuer-unreachable", "certificate-for-another-name",
                "pinned-on-the-ca", "pinned-on-the-leaf-of-a-ca-chain", "pinned-on-an-unrelated-ca",
                "issuer-url-with-trailing-slash", "jwks-with-33-keys", "jwks-key-for-encryption-only",
                "localhost-issuer", "metadata-address", "non-canonical-loopback"]


@pytest.mark.parametrize("case", ISSUER_CASES)
def test_oidc_issuer_attacks(fed, issuer, uniq, case):
    f = Fed(fed, uniq)
    f.cleanup, f.checks = [], []
    try:
        arn, tok, code = _issuer_case(f, issuer, uniq, case)
        role = f.role(oidc_trust(arn), policies=())
        if code is None:
            body = f.oidc(arn, role, tok)
            assert body["Credentials"]["AccessKeyId"].startswith("STS.")
        else:
            expect_error(lambda: f.oidc(arn, role, tok), 401, code)
        assert all(check() for check in f.checks), "a URL that must not be fetched was fetched"
    finally:
        for c in f.cleanup:
            c()


def test_oidc_keys_fetched_once_and_warm_timing(fed, issuer, uniq):
    """N calls with one provider: the discovery document and the JWKS are
    fetched once; then AssumeRoleWithOIDC (warm) against AssumeRole, N each,
    same client library, median latency."""
    f = Fed(fed, uniq)
    name = uniq("warm")
    t = issuer.tenant(name, keys=[Key("w1"), Key("w2", "EC")])
    arn = f.oidc_provider(t.url, fingerprints=issuer.fingerprint)
    role = f.role(json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [arn]}},
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"RAM": [f"acs:ram::{fed.account_id}:root"]}}]}), policies=())
    n = 30
    tokens = [t.token(sub=f"s{i}", key=t.keys[i % 2]) for i in range(n)]
    f.oidc(arn, role, tokens[0])  # cold: fetches
    signed = make_client("tea_v3", fed, product="sts")
    signed.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="warmup")
    oidc_ms, ar_ms = [], []
    for i in range(n):
        t0 = time.perf_counter()
        f.oidc(arn, role, tokens[i])
        oidc_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        signed.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="plain")
        ar_ms.append((time.perf_counter() - t0) * 1000)
    disc, keys = issuer.count(f"/{name}/.well-known/"), issuer.count(f"/{name}/keys")
    mo, ma = statistics.median(oidc_ms), statistics.median(ar_ms)
    print(f"\n[federation] {n + 1} AssumeRoleWithOIDC calls: discovery fetched {disc}x, JWKS fetched {keys}x; "
          f"median AssumeRoleWithOIDC (warm) {mo:.2f} ms, AssumeRole {ma:.2f} ms, ratio {mo / ma:.2f}")
    assert (disc, keys) == (1, 1)
    assert mo < 20 * ma + 50, "a warm AssumeRoleWithOIDC must not fetch anything"

    # An unknown kid does not refetch within 60 s of the last fetch.
    stray = Key("w3")
    for _ in range(3):
        expect_error(lambda: f.oidc(arn, role, t.token(key=stray)), 401,
                     "AuthenticationFail.OIDCToken.InvalidSignature")
    assert issuer.count(f"/{name}/keys") == 1

    # Updating the provider (new fingerprint set) drops the cached keys.
    f.ims.call("AddFingerprintToOIDCProvider", OIDCProviderName=arn.rsplit("/", 1)[1], Fingerprint="11" * 20)
    f.oidc(arn, role, t.token())
    assert issuer.count(f"/{name}/keys") == 2


# --------------------------------------------------------------------------
# alibabacloud_credentials: oidc_role_arn over HTTPS, token file, RRSA env
# --------------------------------------------------------------------------

@pytest.fixture
def https_oidc(https_server, issuer, uniq, tmp_path):
    srv = https_server
    f = Fed(srv, uniq)
    f.ims = TeaRam(srv.endpoint, srv.access_key_id, srv.access_key_secret, product="ims", protocol="https",
                   ca=srv.ca)
    f.ram = TeaRam(srv.endpoint, srv.access_key_id, srv.access_key_secret, protocol="https", ca=srv.ca)
    t = issuer.tenant(uniq("rrsa"))
    arn = f.oidc_provider(t.url, fingerprints=issuer.fingerprint, client_ids="sts.aliyuncs.com")
    role = f.role(oidc_trust(arn, equals={"oidc:aud": "sts.aliyuncs.com"},
                             like={"oidc:sub": "system:serviceaccount:prod:*"}))
    token_file = tmp_path / "token"
    token_file.write_text(t.token(sub="system:serviceaccount:prod:app", aud="sts.aliyuncs.com"))
    yield {"srv": srv, "f": f, "tenant": t, "arn": arn, "role": role, "token_file": token_file}
    f.ims.call("DeleteOIDCProvider", OIDCProviderName=arn.rsplit("/", 1)[1])


@pytest.fixture
def trust_only_ca(https_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(https_server.ca))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _reads_with(srv, creds):
    who = TeaRam(srv.endpoint, creds.get_access_key_id(), creds.get_access_key_secret(),
                 security_token=creds.get_security_token(), product="sts", protocol="https",
                 ca=str(srv.ca)).call("GetCallerIdentity")
    assert who["IdentityType"] == "AssumedRoleUser"
    return who


def test_oidc_role_arn_provider_refreshes_from_the_token_file(https_oidc, trust_only_ca):
    from alibabacloud_credentials.exceptions import CredentialException
    from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

    x = https_oidc
    srv, t = x["srv"], x["tenant"]
    provider = OIDCRoleArnCredentialsProvider(
        role_arn=x["role"]["arn"], oidc_provider_arn=x["arn"], oidc_token_file_path=str(x["token_file"]),
        role_session_name="provider-session", duration_seconds=900, sts_endpoint=srv.endpoint)
    c1 = provider.get_credentials()
    assert c1.get_access_key_id().startswith("STS.") and c1.get_provider_name() == "oidc_role_arn"
    who = _reads_with(srv, c1)
    assert who["Arn"] == f"acs:ram::{srv.account_id}:assumed-role/{x['role']['name']}/provider-session"
    # 900 s sessions are stale at once for this provider (15 min margin):
    # every call refreshes, reading the file again.
    x["token_file"].write_text(t.token(sub="system:serviceaccount:dev:app", aud="sts.aliyuncs.com"))
    with pytest.raises(CredentialException) as ei:
        provider.get_credentials()
    assert "AuthenticationFail.NoPermission" in str(ei.value), str(ei.value)
    x["token_file"].write_text(t.token(sub="system:serviceaccount:prod:other", aud="sts.aliyuncs.com"))
    c2 = provider.get_credentials()
    assert c2.get_access_key_id() != c1.get_access_key_id()
    _reads_with(srv, c2)


def test_credential_client_oidc_role_arn_drives_tea_clients(https_oidc, trust_only_ca):
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_credentials.models import Config as CredentialConfig

    x = https_oidc
    srv = x["srv"]
    cred = CredentialClient(CredentialConfig(
        type="oidc_role_arn", role_arn=x["role"]["arn"], oidc_provider_arn=x["arn"],
        oidc_token_file_path=str(x["token_file"]), role_session_name="client-session",
        role_session_expiration=3600, sts_endpoint=srv.endpoint))
    m = cred.get_credential()
    assert m.access_key_id.startswith("STS.") and m.security_token and m.type == "oidc_role_arn"
    for sig in (None, "v2"):
        ram = TeaRam(srv.endpoint, None, None, signature_algorithm=sig, credential=cred, protocol="https",
                     ca=str(srv.ca))
        assert isinstance(ram.call("ListUsers")["IsTruncated"], bool)
        expect_error(lambda: ram.call("CreateUser", UserName="nope"), 403, "NoPermission")


RRSA_SCRIPT = r"""
import json, os, socket, sys
port = int(sys.argv[1])
real = socket.getaddrinfo
def fake(host, p, *a, **k):
    h = (host.decode() if isinstance(host, bytes) else host or '').lower()
    if h == 'sts.aliyuncs.com':
        return real('127.0.0.1', port, *a, **k)
    if h.endswith('.aliyuncs.com'):
        raise socket.gaierror(socket.EAI_NONAME, h)
    return real(host, p, *a, **k)
socket.getaddrinfo = fake
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider
out = {}
m = Client().get_credential()   # the default chain: RRSA variables
out['default'] = [m.type, m.access_key_id, m.access_key_secret, m.security_token, m.provider_name]
p = OIDCRoleArnCredentialsProvider(duration_seconds=900)   # the same variables, 900 s sessions
tokens = json.loads(open(sys.argv[2]).read())
out['refresh'] = []
for tok in tokens:
    with open(os.environ['ALIBABA_CLOUD_OIDC_TOKEN_FILE'], 'w') as f:
        f.write(tok)
    try:
        c = p.get_credentials()
        out['refresh'].append(['ok', c.get_access_key_id()])
    except Exception as e:
        out['refresh'].append(['error', str(e)[:400]])
print(json.dumps(out))
"""


def test_rrsa_environment_variables(https_oidc, tmp_path):
    """The default credential chain in a fresh process with only the RRSA
    variables set (as an ACK pod has them), STS at its fixed endpoint
    sts.aliyuncs.com mapped to the server; the token file rotated between
    refreshes."""
    x = https_oidc
    srv, t = x["srv"], x["tenant"]
    good = lambda sub: t.token(sub=f"system:serviceaccount:prod:{sub}", aud="sts.aliyuncs.com")  # noqa: E731
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps([good("a"), t.token(sub="system:serviceaccount:dev:a", aud="sts.aliyuncs.com"),
                                  good("b")]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    env.update(ALIBABA_CLOUD_ROLE_ARN=x["role"]["arn"], ALIBABA_CLOUD_OIDC_PROVIDER_ARN=x["arn"],
               ALIBABA_CLOUD_OIDC_TOKEN_FILE=str(x["token_file"]), ALIBABA_CLOUD_ROLE_SESSION_NAME="rrsa-pod",
               ALIBABA_CLOUD_CLI_PROFILE_DISABLED="true", ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
               HOME=str(tmp_path), SSL_CERT_FILE=str(srv.ca))
    env.pop("SSL_CERT_DIR", None)
    r = subprocess.run([sys.executable, "-c", RRSA_SCRIPT, str(srv.port), str(tokens)], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    typ, ak, sk, st, pname = out["default"]
    assert (typ, pname) == ("default", "default/oidc_role_arn") and ak.startswith("STS."), out
    who = TeaRam(srv.endpoint, ak, sk, security_token=st, product="sts", protocol="https",
                 ca=str(srv.ca)).call("GetCallerIdentity")
    assert who["Arn"] == f"acs:ram::{srv.account_id}:assumed-role/{x['role']['name']}/rrsa-pod"
    (s1, a1), (s2, e2), (s3, a3) = out["refresh"]
    assert (s1, s2, s3) == ("ok", "error", "ok"), out["refresh"]
    assert "AuthenticationFail.NoPermission" in e2 and a1 != a3


# --------------------------------------------------------------------------
# STS AssumeRoleWithSAML
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saml_env(fed):
    """Two providers of one IdP (rsa-sha256 and the default rsa-sha1), a
    role trusting both for the aliyun recipient, an attacker IdP."""
    import uuid

    f = Fed(fed, lambda p="t": f"{p}-{uuid.uuid4().hex[:10]}")
    idp = IdP()
    p256 = f.ims.call("CreateSAMLProvider", SAMLProviderName=f.uniq("idp256"), EncodedSAMLMetadataDocument=idp.metadata_b64(),
                      AuthnSignAlgo="rsa-sha256")["SAMLProvider"]["Arn"]
    p1 = f.ims.call("CreateSAMLProvider", SAMLProviderName=f.uniq("idp1"),
                    EncodedSAMLMetadataDocument=idp.metadata_b64())["SAMLProvider"]["Arn"]
    trust = json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [p256, p1]},
         "Condition": {"StringEquals": {"saml:recipient": [RECIPIENT, ALT_RECIPIENT]}}}]})
    role = f.role(trust, prefix="samlrole")
    return {"f": f, "idp": idp, "p256": p256, "p1": p1, "role": role, "attacker": IdP(idp.entity_id)}


def test_saml_tea_anonymous_session_and_replay(saml_env):
    x = saml_env
    f, idp, arn, role = x["f"], x["idp"], x["p256"], x["role"]
    srv = f.srv
    assertion = idp.signed_b64([f"{role['arn']},{arn}"], session="alice.saml", name_id="alice@idp.test")
    body = f.saml(arn, role, assertion, DurationSeconds=1800)
    c = body["Credentials"]
    assert c["AccessKeyId"].startswith("STS.")
    assert body["AssumedRoleUser"] == {"Arn": f"{role['arn']}/alice.saml",
                                       "AssumedRoleId": f"{role['id']}:alice.saml"}
    assert body["SAMLAssertionInfo"] == {"SubjectType": "persistent", "Subject": "alice@idp.test",
                                         "Recipient": RECIPIENT, "Issuer": idp.entity_id}
    who = session_client(srv, c, product="sts").call("GetCallerIdentity")
    assert (who["IdentityType"], who["Arn"]) == (
        "AssumedRoleUser", f"acs:ram::{srv.account_id}:assumed-role/{role['name']}/alice.saml")
    ram = session_client(srv, c, flavour="tea_v2")
    ram.call("ListRoles")
    expect_error(lambda: ram.call("CreateUser", UserName="nope"), 403, "NoPermission")
    # Accepted once.
    expect_error(lambda: f.saml(arn, role, assertion), 401, "AuthenticationFail.SAMLAssertion.Invalid")
    # A session Policy narrows it.
    c = f.saml(arn, role, idp.signed_b64([f"{role['arn']},{arn}"]), Policy=allow("ram:GetRole"))["Credentials"]
    ram = session_client(srv, c)
    ram.call("GetRole", RoleName=role["name"])
    expect_error(lambda: ram.call("ListRoles"), 403, "NoPermission")


@pytest.mark.parametrize("signed", ["assertion", "response", "both"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_saml_raw_form_post_and_query(saml_env, signed, method):
    x = saml_env
    f, idp, arn, role = x["f"], x["idp"], x["p256"], x["role"]
    assertion = idp.signed_b64([f"{role['arn']},{arn}"], assertion=signed in ("assertion", "both"),
                               response=signed in ("response", "both"), recipient=ALT_RECIPIENT,
                               session=f"raw-{method.lower()}")
    params = {"SAMLProviderArn": arn, "RoleArn": role["arn"], "SAMLAssertion": assertion}
    status, body = raw_sts(f.srv, "AssumeRoleWithSAML", params, method)
    assert status == 200, body
    assert body["SAMLAssertionInfo"]["Recipient"] == ALT_RECIPIENT
    assert body["AssumedRoleUser"]["Arn"] == f"{role['arn']}/raw-{method.lower()}"
    status, body = raw_sts(f.srv, "AssumeRoleWithSAML", params, method)
    assert (status, body.get("Code")) == (401, "AuthenticationFail.SAMLAssertion.Invalid")


def _saml_attack(x, case) -> tuple:
    """-> (provider arn, base64 assertion, expected (status, code))."""
    idp, arn, role = x["idp"], x["p256"], x["role"]
    pair = f"{role['arn']},{arn}"
    invalid = (401, "AuthenticationFail.SAMLAssertion.Invalid")
    b64 = lambda b: base64.b64encode(b if isinstance(b, bytes) else b.encode()).decode()  # noqa: E731
    if case == "edited-after-signing":
        signed = idp.sign(idp.response_xml([pair], name_id="alice@idp.test"))
        return arn, b64(signed.replace(b">alice@idp.test<", b">admin@idp.test<")), invalid
    if case == "session-name-edited-after-signing":
        signed = idp.sign(idp.response_xml([pair], session="alice"))
        return arn, b64(signed.replace(b">alice<", b">admin<")), invalid
    if case == "unsigned":
        return arn, b64(idp.response_xml([pair])), invalid
    if case == "signed-by-another-key":
        return arn, x["attacker"].signed_b64([pair]), invalid
    if case == "response-signed-by-another-key-assertion-unsigned":
        return arn, x["attacker"].signed_b64([pair], assertion=False, response=True), invalid
    if case == "expired":
        now = dt.datetime.now(dt.timezone.utc)
        return arn, idp.signed_b64([pair], issue_instant=now - dt.timedelta(minutes=20),
                                   not_on_or_after=now - dt.timedelta(minutes=10)), \
            (401, "AuthenticationFail.SAMLAssertion.Expired")
    if case == "wrong-recipient":
        return arn, idp.signed_b64([pair], recipient="https://evil.example.test/saml/acs"), invalid
    if case == "wrong-audience":
        return arn, idp.signed_b64([pair], audience="urn:amazon:webservices"), invalid
    if case == "wrong-issuer":
        return arn, idp.signed_b64([pair], issuer="https://other-idp.example.test"), invalid
    if case in ("second-unsigned-assertion-before", "second-unsigned-assertion-after"):
        evil = idp.response_xml([pair], name_id="admin@idp.test", session="admin")
        evil_assertion = evil[evil.index("<saml:Assertion"):evil.index("</saml:Assertion>") + 17]
        signed = idp.sign(idp.response_xml([pair])).decode()
        if case.endswith("before"):
            i = signed.index("<saml:Assertion")
            doc = signed[:i] + evil_assertion + signed[i:]
        else:
            i = signed.index("</saml:Assertion>") + 17
            doc = signed[:i] + evil_assertion + signed[i:]
        return arn, b64(doc), invalid
    if case == "doctype":
        signed = idp.sign(idp.response_xml([pair])).decode()
        return arn, b64('<!DOCTYPE samlp:Response [<!ENTITY x "y">]>' + signed), invalid
    if case == "role-attribute-lacks-the-pair":
        other = role["arn"].rsplit("/", 1)[0] + "/someone-else"
        return arn, idp.signed_b64([f"{other},{arn}", f"{role['arn']},{x['p1']}"]), invalid
    if case == "rsa-sha1-to-an-rsa-sha256-provider":
        return arn, idp.signed_b64([pair], algorithm="rsa-sha1", digest="sha1"), invalid
    if case == "rsa-sha1-to-an-rsa-sha1-provider":
        return x["p1"], idp.signed_b64([f"{role['arn']},{x['p1']}"], algorithm="rsa-sha1", digest="sha1"), None
    if case == "rsa-sha256-to-an-rsa-sha1-provider":
        return x["p1"], idp.signed_b64([f"{role['arn']},{x['p1']}"]), None
    if case == "not-base64":
        return arn, "%%%%", invalid
    if case == "comment-in-nameid":
        # Exclusive C14N drops comments, so the signature still verifies; a
        # reader that stops at the comment would see "admin@idp.test".
        signed = idp.sign(idp.response_xml([pair], name_id="admin@idp.test<!---->.evil.test"))
        return arn, b64(signed), invalid
    if case == "assertion-good-response-signed-by-another-key":
        signed = idp.sign(idp.response_xml([pair]))
        return arn, b64(x["attacker"].sign(signed.decode(), assertion=False, response=True)), invalid
    if case == "session-name-invalid":
        return arn, idp.signed_b64([pair], session="a b"), (400, "InvalidParameter.RoleSessionName")
    raise ValueError(case)


SAML_CASES = ["edited-after-signing", "session-name-edited-after-signing", "unsigned", "signed-by-another-key",
              "response-signed-by-another-key-assertion-unsigned", "expired", "wrong-recipient",
              "wrong-audience", "wrong-issuer", "second-unsigned-assertion-before",
              "second-unsigned-assertion-after", "doctype", "role-attribute-lacks-the-pair",
              "rsa-sha1-to-an-rsa-sha256-provider", "rsa-sha1-to-an-rsa-sha1-provider",
              "rsa-sha256-to-an-rsa-sha1-provider", "not-base64", "session-name-invalid", "comment-in-nameid",
              "assertion-good-response-signed-by-another-key"]


@pytest.mark.parametrize("case", SAML_CASES)
def test_saml_attacks(saml_env, case):
    x = saml_env
    arn, assertion, expected = _saml_attack(x, case)
    if expected is None:
        body = x["f"].saml(arn, x["role"], assertion)
        assert body["Credentials"]["AccessKeyId"].startswith("STS.")
    else:
        expect_error(lambda: x["f"].saml(arn, x["role"], assertion), *expected)


def test_saml_parameter_and_trust_errors(saml_env, uniq):
    x = saml_env
    f, idp, arn, role = x["f"], x["idp"], x["p256"], x["role"]
    srv = f.srv
    good = lambda r=role, a=arn: idp.signed_b64([f"{r['arn']},{a}"])  # noqa: E731

    def raw(**over):
        p = {"SAMLProviderArn": arn, "RoleArn": role["arn"], "SAMLAssertion": good(), **over}
        p = {k: v for k, v in p.items() if v is not None}
        status, body = raw_sts(srv, "AssumeRoleWithSAML", p, "POST")
        return status, body.get("Code")

    assert raw(SAMLProviderArn=None) == (400, "MissingParameter.SAMLProviderArn")
    assert raw(RoleArn=None) == (400, "MissingParameter.RoleArn")
    assert raw(SAMLAssertion=None) == (400, "MissingParameter.SAMLAssertion")
    assert raw(DurationSeconds="100") == (400, "InvalidParameter.DurationSeconds")
    assert raw(Policy="{") == (400, "InvalidParameter.PolicyGrammar")
    assert raw(SAMLProviderArn=f"acs:ram::{srv.account_id}:saml-provider/nobody") == \
        (404, "EntityNotExist.SAMLProvider")
    missing_role = {"arn": role_arn(srv.account_id, uniq("norole"))}
    assert raw(RoleArn=missing_role["arn"], SAMLAssertion=good(missing_role)) == (404, "EntityNotExist.Role")
    # The trust policy's saml:recipient condition.
    strict = f.role(json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": [arn]},
         "Condition": {"StringEquals": {"saml:recipient": ALT_RECIPIENT,
                                        "saml:iss": idp.entity_id}}}]}), policies=(), prefix="samlstrict")
    expect_error(lambda: f.saml(arn, strict, idp.signed_b64([f"{strict['arn']},{arn}"])), 401,
                 "AuthenticationFail.NoPermission")
    f.saml(arn, strict, idp.signed_b64([f"{strict['arn']},{arn}"], recipient=ALT_RECIPIENT))
    # A role trusting the other provider only.
    only_p1 = f.role(oidc_trust(x["p1"]), policies=(), prefix="samlp1")
    expect_error(lambda: f.saml(arn, only_p1, idp.signed_b64([f"{only_p1['arn']},{arn}"])), 401,
                 "AuthenticationFail.NoPermission")


def _shape(idp, pair, shape) -> bytes:
    xml = idp.response_xml([pair])
    if shape == "pretty-printed":
        from lxml import etree
        return idp.sign(etree.tostring(etree.fromstring(xml.encode()), pretty_print=True).decode())
    if shape == "xml-declaration":
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + idp.sign(xml)
    if shape == "default-namespace-assertion":
        # ADFS: <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion">.
        i, j = xml.index("<saml:Assertion"), xml.index("</saml:Assertion>") + len("</saml:Assertion>")
        a = xml[i:j].replace("<saml:", "<").replace("</saml:", "</")
        a = a.replace("<Assertion ", f'<Assertion xmlns="{NS["saml"]}" ', 1)
        return idp.sign(xml[:i] + a + xml[j:])
    if shape == "unprefixed-signature":
        return idp.sign(xml, unprefixed_signature=True)
    if shape == "fractional-seconds":
        import re
        return idp.sign(re.sub(r'(Instant|NotBefore|NotOnOrAfter)="([^"]+)Z"', r'\1="\2.123Z"', xml))
    if shape == "xsi-type-values":
        x = xml.replace("<samlp:Response ", '<samlp:Response xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')
        return idp.sign(x.replace("<saml:AttributeValue>", '<saml:AttributeValue xsi:type="xs:string">'))
    if shape == "extra-attributes":
        return idp.sign(xml.replace(
            "</saml:AttributeStatement>",
            '<saml:Attribute Name="https://www.aliyun.com/SAML-Role/Attributes/SessionDuration">'
            '<saml:AttributeValue>1800</saml:AttributeValue></saml:Attribute>'
            '<saml:Attribute Name="email"><saml:AttributeValue>a@idp.test</saml:AttributeValue></saml:Attribute>'
            "</saml:AttributeStatement>"))
    raise ValueError(shape)


@pytest.mark.parametrize("shape", ["pretty-printed", "xml-declaration", "default-namespace-assertion",
                                   "unprefixed-signature", "fractional-seconds", "xsi-type-values",
                                   "extra-attributes"])
def test_saml_idp_shapes_accepted(saml_env, shape):
    """Shapes real IdPs send, signed with signxml."""
    x = saml_env
    f, idp, arn, role = x["f"], x["idp"], x["p256"], x["role"]
    signed = _shape(idp, f"{role['arn']},{arn}", shape)
    body = f.saml(arn, role, base64.b64encode(signed).decode())
    assert body["SAMLAssertionInfo"]["Subject"] == "alice@example.test"


@pytest.mark.skipif(not xmlsec1_available(), reason="xmlsec1 is not installed")
@pytest.mark.parametrize("prefix_list", [None, "xs", "xs xsi", "#default xs"])
@pytest.mark.parametrize("declared_on", ["Response", "Assertion"])
def test_saml_signed_by_xmlsec1(saml_env, prefix_list, declared_on):
    """A second, independent signer: xmlsec1 (libxmlsec1) fills a template
    (enveloped, exclusive C14N, RSA-SHA256) in the Assertion, whose values
    carry xsi:type="xs:string" (xs visibly unused, so it is rendered only
    through an InclusiveNamespaces PrefixList), with xs declared on the
    Response or on the Assertion. (signxml 5.2.0 cannot make this case: given
    inclusive_ns_prefixes it writes the PrefixList into SignedInfo's
    CanonicalizationMethod only, not into the Reference's exc-c14n Transform,
    yet digests with it, so xmlsec1 and the server both refuse its output.)"""
    x = saml_env
    f, idp, arn, role = x["f"], x["idp"], x["p256"], x["role"]
    aid = new_id()
    xml = idp.response_xml([f"{role['arn']},{arn}"], assertion_id=aid, session="xmlsec1")
    tag = "<samlp:Response " if declared_on == "Response" else "<saml:Assertion "
    xml = xml.replace(tag, tag + 'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ', 1)
    xml = xml.replace("<saml:AttributeValue>", '<saml:AttributeValue xsi:type="xs:string">')
    i = xml.index("</saml:Issuer>", xml.index("<saml:Assertion")) + len("</saml:Issuer>")
    xml = xml[:i] + signature_template(aid, prefix_list=prefix_list) + xml[i:]
    signed = xmlsec1_sign(idp, xml)
    assert xmlsec1_verify(idp, signed).returncode == 0
    body = f.saml(arn, role, base64.b64encode(signed).decode())
    assert body["AssumedRoleUser"]["Arn"].endswith("/xmlsec1")
