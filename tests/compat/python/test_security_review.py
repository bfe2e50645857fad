"""The second security review, attacked again from outside.

Each of the review's nine findings is replayed the way the review found it
(official SDKs, hand-signed RPC V1 and V3 requests, the console's HTTP API),
together with the variants an attacker would try next around each fix.

Servers: the module's own server (`srv`) for everything that does not touch
account-wide settings; a fresh server per test for the password policy and
the security preference; one on the IPv6 loopback for the network masks.
The console is reached with plain HTTP from chosen loopback addresses
(127.0.0.x), so "another address" is a real peer address, not a header.

RAMPART_COMPAT_SLOW=1 also runs the one check that needs more than a minute
(an AccessKey's last use, which is recorded at most once a minute).
"""
from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import rpc_v1
from conftest import Server, _rampart_bin, start_server
from iam import account_trust, allow, deny, policy_doc, statement
from kmsclients import make_kms
from ramclients import KMS_VERSION, STS_VERSION, ApiError, expect_error, make_client

PASSWORD = "Review-Passw0rd!"
NEW_PASSWORD = "Review-Next-Passw0rd!1"
OTHER_ACCOUNT = "1234567890123456"
LOCKED = (429, "InvalidLogin.Locked")
WRONG_OLD = (400, "InvalidParameter.OldPassword")


@pytest.fixture(scope="module")
def srv():
    """This module's own server: its users, keys and policies meet no other test's."""
    s, stop = start_server()
    try:
        yield s
    finally:
        stop()


# --------------------------------------------------------------------------
# helpers: users, the console over HTTP, signed requests, TOTP
# --------------------------------------------------------------------------

def _root(s):
    return make_client("core", s)


def _user(root, name, password=None, key=True):
    """A RAM user, with a console password if given; its AccessKey (id, secret)."""
    root.call("CreateUser", UserName=name)
    if password:
        root.call("CreateLoginProfile", UserName=name, Password=password)
    if key:
        k = root.call("CreateAccessKey", UserName=name)["AccessKey"]
        return k["AccessKeyId"], k["AccessKeySecret"]
    return None


def _attach(root, user, document, prefix="p"):
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    root.call("CreatePolicy", PolicyName=name, PolicyDocument=document)
    root.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=name, UserName=user)
    return name


def _http(s, method, path, body=b"", headers=None, source=None):
    """One request over a new connection from `source` (a local address):
    (status, JSON body or {}, Set-Cookie)."""
    conn = http.client.HTTPConnection(s.host.strip("[]"), s.port, timeout=30,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        raw = r.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"_raw": raw.decode(errors="replace")}
        return r.status, data, r.getheader("Set-Cookie")
    finally:
        conn.close()


def _form(s, path, form, headers=None, source=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return _http(s, "POST", path, urllib.parse.urlencode(form).encode(), h, source)


class Console:
    """A console session: its cookie and CSRF token."""

    def __init__(self, s, cookie, csrf, source=None):
        self.s, self.cookie, self.csrf, self.source = s, cookie, csrf, source

    def call(self, product, action, **params):
        st, body, _ = _form(self.s, f"/console/api/{product}/{action}",
                            {k: v for k, v in params.items() if v is not None},
                            {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}, self.source)
        return st, body

    def simulate(self, **form):
        st, body, _ = _form(self.s, "/console/api/simulate", form,
                            {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}, self.source)
        return st, body


def logon(s, name, password, code=None, source=None, headers=None):
    """POST /console/api/login: (status, code or None, body, Console or None)."""
    form = {"LoginName": name, "Password": password}
    if code is not None:
        form["MFACode"] = code
    st, body, cookie = _form(s, "/console/api/login", form, headers, source)
    session = None
    if st == 200:
        session = Console(s, cookie.split(";", 1)[0], body["CsrfToken"], source)
    return st, body.get("Code"), body, session


def _upn(s, user):
    return f"{user}@{s.account_id}.onaliyun.com"


def _err(fn):
    """(status, code) of the call's error; (200, None) if it succeeded."""
    try:
        fn()
    except ApiError as e:
        return e.status, e.code
    return 200, None


def _v1(s, action, params, ak, sk, version=rpc_v1.RAM_VERSION, **kw):
    return rpc_v1.signed_request(s.base_url, action, params, ak, sk, version=version, **kw)


def _send_from(s, req, source=None, headers=None):
    """Sends a signed V1 request from `source`: (status, code)."""
    st, body, _ = _http(s, req.method, "/?" + req.query, b"", headers, source)
    return st, body.get("Code")


def _pe(v):
    return urllib.parse.quote(str(v), safe="-_.~")


class V3Request:
    """A request signed with ACS3-HMAC-SHA256 (the Tea SDKs' default),
    parameters in the query, sent verbatim as often as wanted."""

    def __init__(self, s, action, version, params, ak, sk, nonce=None):
        query = "&".join(f"{_pe(k)}={_pe(v)}" for k, v in sorted(params.items()))
        h = {
            "host": f"{s.host}:{s.port}",
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
            "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
        }
        names = sorted(h)
        canonical = "\n".join([
            "POST", "/", query,
            "".join(f"{n}:{h[n].strip()}\n" for n in names),
            ";".join(names),
            h["x-acs-content-sha256"],
        ])
        sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
        h["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={ak},"
                              f"SignedHeaders={';'.join(names)},Signature={sig}")
        self.headers = h
        self.url = f"{s.base_url}/?{query}"

    def send(self):
        return requests.post(self.url, headers=self.headers, data=b"", timeout=30)


def _totp(seed_b32, step):
    """RFC 6238: SHA-1, 6 digits, 30 s steps."""
    seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def _step():
    return int(time.time()) // 30


def _bind_mfa(root, user, device=None):
    """Binds a new virtual MFA device to `user` with the codes of the two
    previous time steps (so the current step's code is still unused);
    returns the seed."""
    d = root.call("CreateVirtualMFADevice", VirtualMFADeviceName=device or user)["VirtualMFADevice"]
    seed = d["Base32StringSeed"]
    now = _step()
    root.call("BindMFADevice", UserName=user, SerialNumber=d["SerialNumber"],
              AuthenticationCode1=_totp(seed, now - 2), AuthenticationCode2=_totp(seed, now - 1))
    return seed


def _mfa_logon(s, user, seed, password=PASSWORD):
    st, code, body, session = logon(s, f"{user}@{s.account_id}", password, _totp(seed, _step()))
    assert st == 200, (st, body)
    return session


def _wait_of(message):
    m = re.search(r"try again in (\d+) s", message or "")
    assert m, f"no wait in {message!r}"
    return int(m.group(1))


def _wrap(kms, key_id, material, alg="RSAES_OAEP_SHA_256"):
    """GetParametersForImport, then the material wrapped locally: (wrapped, token)."""
    p = kms.call("GetParametersForImport", KeyId=key_id, WrappingAlgorithm=alg, WrappingKeySpec="RSA_2048")
    public = serialization.load_der_public_key(base64.b64decode(p["PublicKey"]))
    h = hashes.SHA1() if alg.endswith("SHA_1") else hashes.SHA256()
    ct = public.encrypt(material, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    return base64.b64encode(ct).decode(), p["ImportToken"]


def _import(kms, key_id, material, alg="RSAES_OAEP_SHA_256", **kw):
    wrapped, token = _wrap(kms, key_id, material, alg)
    return kms.call("ImportKeyMaterial", KeyId=key_id, EncryptedKeyMaterial=wrapped, ImportToken=token, **kw)


def _resource_policy(effect, actions, principal):
    return json.dumps({"Version": "1", "Statement": [{
        "Effect": effect, "Action": list(actions), "Resource": ["*"], "Principal": principal}]})


# ==========================================================================
# 1. Password guessing through ChangePassword; UnbindMFADevice by AccessKey
# ==========================================================================

@pytest.mark.parametrize("product", ["ram", "ims"])
def test_f1_change_password_guesses_meet_the_logon_brake(srv, uniq, product):
    """Five wrong OldPassword guesses, then the right one is refused (429) on
    every channel: RAM and IMS ChangePassword and the console logon; a forged
    X-Forwarded-For is no other address. The owner still logs on from
    another address."""
    user = uniq("cp")
    ak, sk = _user(_root(srv), user, PASSWORD)
    guesser = make_client("core", srv, ak, sk, product=product)
    # Every client is built first: the brake's first wait is one second.
    others = (make_client("core", srv, ak, sk), make_client("tea_v3", srv, ak, sk, product="ims"))
    for i in range(5):
        assert _err(lambda: guesser.call("ChangePassword", OldPassword=f"Guess-{i}-Passw0rd",
                                         NewPassword=NEW_PASSWORD)) == WRONG_OLD
    for client in others:
        assert _err(lambda: client.call("ChangePassword", OldPassword=PASSWORD,
                                        NewPassword=NEW_PASSWORD)) == LOCKED
    st, code, body, _ = logon(srv, f"{user}@{srv.account_id}", PASSWORD)
    assert (st, code) == LOCKED, body
    forged = _v1(srv, "ChangePassword", {"OldPassword": PASSWORD, "NewPassword": NEW_PASSWORD}, ak, sk)
    assert _send_from(srv, forged, headers={"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.9"}) == LOCKED
    # The brake is per address: the owner, elsewhere, is not locked out.
    st, code, body, _ = logon(srv, f"{user}@{srv.account_id}", PASSWORD, source="127.0.0.2")
    assert st == 200, body


def test_f1_guesses_alternating_ram_ims_console_share_one_count(srv, uniq):
    """Alternating RAM (V1), IMS (V3), the console and RAM (V3) does not
    dodge the count: after five failures in all, the sixth attempt is refused
    whatever it goes through, the right password included."""
    user = uniq("alt")
    ak, sk = _user(_root(srv), user, PASSWORD)
    ram_v1 = make_client("core", srv, ak, sk)
    ims_v3 = make_client("tea_v3", srv, ak, sk, product="ims")
    ram_v3 = make_client("tea_v3", srv, ak, sk)
    name = f"{user}@{srv.account_id}"
    answers = [
        _err(lambda: ram_v1.call("ChangePassword", OldPassword="Guess-1-Passw0rd", NewPassword=NEW_PASSWORD)),
        _err(lambda: ims_v3.call("ChangePassword", OldPassword="Guess-2-Passw0rd", NewPassword=NEW_PASSWORD)),
        logon(srv, name, "Guess-3-Passw0rd")[:2],
        _err(lambda: ram_v3.call("ChangePassword", OldPassword="Guess-4-Passw0rd", NewPassword=NEW_PASSWORD)),
        logon(srv, f"{user}@{srv.account_id}.onaliyun.com", "Guess-5-Passw0rd")[:2],
    ]
    assert answers == [WRONG_OLD, WRONG_OLD, (401, "InvalidLogin"), WRONG_OLD, (401, "InvalidLogin")]
    assert logon(srv, name, PASSWORD)[:2] == LOCKED
    for client in (ims_v3, ram_v1):
        assert _err(lambda: client.call("ChangePassword", OldPassword=PASSWORD,
                                        NewPassword=NEW_PASSWORD)) == LOCKED


def test_f1_guesses_spread_over_time_wait_longer_each_time(srv, uniq):
    """Waiting out the brake buys one guess at a time, with a longer wait
    after each; a wrong guess while it holds is refused without being
    looked at, like the right one."""
    user = uniq("slow")
    ak, sk = _user(_root(srv), user, PASSWORD)
    ram = make_client("core", srv, ak, sk)
    for i in range(5):
        assert _err(lambda: ram.call("ChangePassword", OldPassword=f"Guess-{i}-Passw0rd",
                                     NewPassword=NEW_PASSWORD)) == WRONG_OLD
    try:
        ram.call("ChangePassword", OldPassword="Guess-x-Passw0rd", NewPassword=NEW_PASSWORD)
        raise AssertionError("a sixth guess right after five failures was looked at")
    except ApiError as e:
        assert (e.status, e.code) == LOCKED
        first_wait = _wait_of(e.message)
    time.sleep(first_wait + 0.1)
    assert _err(lambda: ram.call("ChangePassword", OldPassword="Guess-6-Passw0rd",
                                 NewPassword=NEW_PASSWORD)) == WRONG_OLD
    try:
        ram.call("ChangePassword", OldPassword=PASSWORD, NewPassword=NEW_PASSWORD)
        raise AssertionError("the seventh attempt went through at once")
    except ApiError as e:
        assert (e.status, e.code) == LOCKED
        assert _wait_of(e.message) >= 2, e.message


def test_f1_guesses_spread_over_addresses_meet_the_principal_brake(srv, uniq):
    """Four addresses, five guesses each (ChangePassword and console): the
    twenty-first attempt, from a fifth address, waits (the per-user brake);
    the owner's own earlier address still logs on."""
    user = uniq("spread")
    ak, sk = _user(_root(srv), user, PASSWORD)
    name = f"{user}@{srv.account_id}"
    assert logon(srv, name, PASSWORD, source="127.0.3.99")[0] == 200  # the owner's address
    for a in range(4):
        source = f"127.0.3.{a + 1}"
        for i in range(5):
            if i % 2:
                assert logon(srv, name, f"Guess-{a}{i}-Passw0rd", source=source)[:2] == (401, "InvalidLogin")
            else:
                req = _v1(srv, "ChangePassword", {"OldPassword": f"Guess-{a}{i}-Passw0rd",
                                                  "NewPassword": NEW_PASSWORD}, ak, sk)
                assert _send_from(srv, req, source) == WRONG_OLD
    st, code, body, _ = logon(srv, name, PASSWORD, source="127.0.3.50")
    assert (st, code) == LOCKED, body
    assert "from this address" not in body["Message"]
    req = _v1(srv, "ChangePassword", {"OldPassword": PASSWORD, "NewPassword": NEW_PASSWORD}, ak, sk)
    assert _send_from(srv, req, "127.0.3.51") == LOCKED
    assert logon(srv, name, PASSWORD, source="127.0.3.99")[0] == 200


def test_f1_max_login_attempts_counts_every_channel_and_locks_them_all(fresh_server):
    """MaxLoginAttemps=3: one wrong guess through RAM, one through IMS, one
    at the console from another address lock the user out of all three for
    the right password too, with the same answer as for a wrong one; an
    administrator's new password lifts the lock."""
    s = fresh_server()
    root = _root(s)
    root.call("SetPasswordPolicy", MaxLoginAttemps=3)
    ak, sk = _user(root, "bob", PASSWORD)
    ram = make_client("core", s, ak, sk)
    ims = make_client("core", s, ak, sk, product="ims")
    name = f"bob@{s.account_id}"
    for i, client in enumerate((ram, ims)):
        assert _err(lambda: client.call("ChangePassword", OldPassword=f"Guess-{i}-Passw0rd",
                                        NewPassword=NEW_PASSWORD)) == WRONG_OLD
    assert logon(s, name, "Guess-3-Passw0rd", source="127.0.0.2")[:2] == (401, "InvalidLogin")

    right = logon(s, name, PASSWORD)
    wrong = logon(s, name, "Guess-4-Passw0rd")
    assert right[:2] == wrong[:2] == LOCKED
    assert "MaxLoginAttemps" in right[2]["Message"]
    # The same answer (but for the seconds left) for the right password and a wrong one.
    assert re.sub(r"\d+", "N", right[2]["Message"]) == re.sub(r"\d+", "N", wrong[2]["Message"])
    assert logon(s, name, PASSWORD, source="127.0.0.3")[:2] == LOCKED
    assert _err(lambda: ram.call("ChangePassword", OldPassword=PASSWORD, NewPassword=NEW_PASSWORD)) == LOCKED
    assert _err(lambda: ims.call("ChangePassword", OldPassword=PASSWORD, NewPassword=NEW_PASSWORD)) == LOCKED
    root.call("UpdateLoginProfile", UserName="bob", Password="Admin-Set-Passw0rd!")
    assert logon(s, name, "Admin-Set-Passw0rd!")[0] == 200


def test_f1_change_password_refused_by_the_preference_counts_nothing(fresh_server):
    """AllowUserToChangePassword=false: ChangePassword is refused before the
    old password is looked at, the same for a right and a wrong one, and
    counts nothing (MaxLoginAttemps=2 does not lock after five)."""
    s = fresh_server()
    root = _root(s)
    root.call("SetPasswordPolicy", MaxLoginAttemps=2)
    ak, sk = _user(root, "carol", PASSWORD)
    ram = make_client("core", s, ak, sk)
    root.call("SetSecurityPreference", AllowUserToChangePassword=False)
    for old in ("Guess-1-Passw0rd", "Guess-2-Passw0rd", PASSWORD, "Guess-3-Passw0rd", "Guess-4-Passw0rd"):
        assert _err(lambda: ram.call("ChangePassword", OldPassword=old,
                                     NewPassword=NEW_PASSWORD)) == (403, "NoPermission")
    root.call("SetSecurityPreference", AllowUserToChangePassword=True)
    assert ram.call("ChangePassword", OldPassword=PASSWORD, NewPassword=NEW_PASSWORD).get("RequestId")
    assert logon(s, f"carol@{s.account_id}", NEW_PASSWORD)[0] == 200


def test_f1_ims_change_password_acts_on_the_caller_only(srv, uniq):
    """IMS ChangePassword takes no UserPrincipalName: naming another user
    (or RAM's UserName) still checks, and counts against, the caller's own
    password; the other user's password is untouched."""
    root = _root(srv)
    alice, bob = uniq("ua"), uniq("ub")
    ak, sk = _user(root, alice, PASSWORD)
    _user(root, bob, "Bobs-Own-Passw0rd!", key=False)
    ims = make_client("core", srv, ak, sk, product="ims")
    ram = make_client("core", srv, ak, sk)
    assert _err(lambda: ims.call("ChangePassword", UserPrincipalName=_upn(srv, bob),
                                 OldPassword="Bobs-Own-Passw0rd!", NewPassword=NEW_PASSWORD)) == WRONG_OLD
    assert _err(lambda: ram.call("ChangePassword", UserName=bob, OldPassword="Bobs-Own-Passw0rd!",
                                 NewPassword=NEW_PASSWORD)) == WRONG_OLD
    assert logon(srv, f"{bob}@{srv.account_id}", "Bobs-Own-Passw0rd!")[0] == 200
    assert ims.call("ChangePassword", UserPrincipalName=_upn(srv, bob), OldPassword=PASSWORD,
                    NewPassword=NEW_PASSWORD).get("RequestId")
    assert logon(srv, f"{alice}@{srv.account_id}", NEW_PASSWORD)[0] == 200
    assert logon(srv, f"{bob}@{srv.account_id}", "Bobs-Own-Passw0rd!")[0] == 200


def test_f1_unbind_mfa_by_access_key_needs_an_explicit_allow(srv, uniq):
    """AllowUserToManageMFADevices=true lets a console session (password +
    code) unbind its own device, never an AccessKey alone (RAM V1, RAM V3,
    IMS); an explicit allow of ram:UnbindMFADevice does; an explicit deny
    wins over the preference in a console session."""
    root = _root(srv)
    pref = root.call("GetSecurityPreference")["SecurityPreference"]
    assert pref["MFAPreference"]["AllowUserToManageMFADevices"] is True
    uid = srv.account_id

    user = uniq("mfa")
    ak, sk = _user(root, user, PASSWORD)
    seed = _bind_mfa(root, user)
    serial = f"acs:ram::{uid}:mfa/{user}"
    by_upn = {"UserPrincipalName": _upn(srv, user)}
    for client, params in ((make_client("core", srv, ak, sk), {"UserName": user}),
                           (make_client("tea_v3", srv, ak, sk), {"UserName": user}),
                           (make_client("core", srv, ak, sk, product="ims"), by_upn),
                           (make_client("tea_v3", srv, ak, sk, product="ims"), by_upn)):
        expect_error(lambda: client.call("UnbindMFADevice", **params), 403, "NoPermission")
    ram = make_client("core", srv, ak, sk)
    expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 409,
                 "DeleteConflict.VirtualMFADevice.User")
    assert ram.call("GetUserMFAInfo", UserName=user)["MFADevice"]["SerialNumber"] == serial

    # The console asks for the code; a wrong one is refused.
    assert logon(srv, f"{user}@{uid}", PASSWORD)[:2] == (401, "InvalidLogin.MFARequired")
    wrong = "%06d" % ((int(_totp(seed, _step())) + 1) % 1_000_000)
    assert logon(srv, f"{user}@{uid}", PASSWORD, wrong)[:2] == (401, "InvalidLogin.MFACode")
    session = _mfa_logon(srv, user, seed)
    st, body = session.call("ram", "UnbindMFADevice", UserName=user)
    assert st == 200 and body["MFADevice"]["SerialNumber"] == serial, body
    expect_error(lambda: root.call("GetUserMFAInfo", UserName=user), 404, "EntityNotExist.User.MFADevice")

    # An explicit allow: the AccessKey may.
    allowed = uniq("mfa")
    ak2, sk2 = _user(root, allowed)
    _bind_mfa(root, allowed)
    _attach(root, allowed, allow("ram:UnbindMFADevice", f"acs:ram:*:{uid}:user/{allowed}"))
    assert make_client("core", srv, ak2, sk2).call("UnbindMFADevice", UserName=allowed)["MFADevice"]

    # An explicit deny: not even the console session may.
    denied = uniq("mfa")
    _user(root, denied, PASSWORD, key=False)
    seed3 = _bind_mfa(root, denied)
    _attach(root, denied, deny("ram:UnbindMFADevice"))
    session = _mfa_logon(srv, denied, seed3)
    st, body = session.call("ram", "UnbindMFADevice", UserName=denied)
    assert (st, body.get("Code")) == (403, "NoPermission"), body


def test_f1_parallel_guesses_do_not_exceed_max_login_attempts(fresh_server):
    s = fresh_server()
    root = _root(s)
    root.call("SetPasswordPolicy", MaxLoginAttemps=3)
    _user(root, "dave", PASSWORD, key=False)
    n = 12
    bodies = [urllib.parse.urlencode({"LoginName": f"dave@{s.account_id}",
                                      "Password": f"Guess-{i}-Passw0rd"}).encode() for i in range(n)]
    barrier = threading.Barrier(n)
    answers = [None] * n

    def guess(i):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30,
                                          source_address=(f"127.0.4.{i + 1}", 0))
        try:
            conn.connect()
            barrier.wait()
            conn.request("POST", "/console/api/login", body=bodies[i],
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            answers[i] = (r.status, json.loads(r.read()).get("Code"))
        finally:
            conn.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = answers.count((401, "InvalidLogin"))
    assert all(a in ((401, "InvalidLogin"), LOCKED) for a in answers), answers
    # Whatever the interleaving, the lock follows.
    assert logon(s, f"dave@{s.account_id}", PASSWORD, source="127.0.4.200")[:2] == LOCKED
    assert checked <= 3, f"{checked} of {n} simultaneous guesses were checked with MaxLoginAttemps=3"


# ==========================================================================
# 2. Account-wide principals in key and secret policies
# ==========================================================================

ACCOUNT_WIDE = {
    "root": lambda uid: {"RAM": [f"acs:ram::{uid}:root"]},
    "root-any-region": lambda uid: {"RAM": [f"acs:ram:*:{uid}:root"]},
    "star-any-region": lambda uid: {"RAM": [f"acs:ram:*:{uid}:*"]},
    "star": lambda uid: {"RAM": [f"acs:ram::{uid}:*"]},
    "any-account-star": lambda uid: {"RAM": ["acs:ram::*:*"]},
    "bare-account-id": lambda uid: {"RAM": uid},
    "RAM-star": lambda uid: {"RAM": "*"},
    "anyone": lambda uid: "*",
}


@pytest.mark.parametrize("spelling", list(ACCOUNT_WIDE))
def test_f2_account_wide_allow_grants_nothing(srv, uniq, spelling):
    principal = ACCOUNT_WIDE[spelling](srv.account_id)
    kms = make_kms("core", srv)
    ak, sk = _user(_root(srv), uniq("kp"))
    user = make_kms("core", srv, ak, sk)
    grant = _resource_policy("Allow", ["kms:*"], principal)
    at_creation = kms.call("CreateKey", Policy=grant)["KeyMetadata"]["KeyId"]
    set_later = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    kms.call("SetKeyPolicy", KeyId=set_later, PolicyName="default", Policy=grant)
    for key_id in (at_creation, set_later):
        blob = kms.call("Encrypt", KeyId=key_id, Plaintext="s3cret")["CiphertextBlob"]
        expect_error(lambda: user.call("Decrypt", CiphertextBlob=blob), 403, "Forbidden.NoPermission")
        expect_error(lambda: user.call("Encrypt", KeyId=key_id, Plaintext="x"), 403, "Forbidden.NoPermission")
    name = uniq("sp")
    kms.call("CreateSecret", SecretName=name, VersionId="v1", SecretData="s3cret")
    kms.call("SetSecretPolicy", SecretName=name, PolicyName="default",
             Policy=_resource_policy("Allow", ["kms:*"], principal))
    expect_error(lambda: user.call("GetSecretValue", SecretName=name), 403, "Forbidden.NoPermission")


@pytest.mark.parametrize("spelling", list(ACCOUNT_WIDE))
def test_f2_account_wide_deny_still_denies(srv, uniq, spelling):
    principal = ACCOUNT_WIDE[spelling](srv.account_id)
    root = _root(srv)
    kms = make_kms("core", srv)
    name = uniq("kd")
    ak, sk = _user(root, name)
    _attach(root, name, allow("kms:*"))
    user = make_kms("core", srv, ak, sk)
    key_id = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    kms.call("SetKeyPolicy", KeyId=key_id, PolicyName="default",
             Policy=_resource_policy("Deny", ["kms:Decrypt"], principal))
    blob = user.call("Encrypt", KeyId=key_id, Plaintext="x")["CiphertextBlob"]
    expect_error(lambda: user.call("Decrypt", CiphertextBlob=blob), 403, "Forbidden.NoPermission")
    secret = uniq("sd")
    kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="s3cret")
    kms.call("SetSecretPolicy", SecretName=secret, PolicyName="default",
             Policy=_resource_policy("Deny", ["kms:GetSecretValue"], principal))
    expect_error(lambda: user.call("GetSecretValue", SecretName=secret), 403, "Forbidden.NoPermission")
    assert user.call("DescribeSecret", SecretName=secret)["SecretName"] == secret


# Principals that name the user (or users by a pattern) grant by themselves.
# A user wildcard (`user/*`, `user/<prefix>*`, in any account spelling) names
# RAM users specifically, as a role wildcard names role sessions: it grants,
# unlike the account-wide spellings above, which delegate.
NAMING_THE_USER = {
    "user-arn": "acs:ram::{uid}:user/{user}",
    "user-arn-any-region": "acs:ram:*:{uid}:user/{user}",
    "user-arn-any-account": "acs:ram::*:user/{user}",
    "user-wildcard": "acs:ram::{uid}:user/*",
    "user-prefix-wildcard": "acs:ram::{uid}:user/{prefix}*",
    "any-account-user-wildcard": "acs:ram::*:user/*",
}


@pytest.mark.parametrize("spelling", list(NAMING_THE_USER))
def test_f2_a_principal_naming_the_user_grants(srv, uniq, spelling):
    kms = make_kms("core", srv)
    user = uniq("grantee")
    ak, sk = _user(_root(srv), user)
    client = make_kms("core", srv, ak, sk)
    principal = {"RAM": [NAMING_THE_USER[spelling].format(uid=srv.account_id, user=user,
                                                          prefix=user[:9])]}
    key_id = kms.call("CreateKey", Policy=_resource_policy("Allow", ["kms:Decrypt"], principal)
                      )["KeyMetadata"]["KeyId"]
    blob = kms.call("Encrypt", KeyId=key_id, Plaintext="granted")["CiphertextBlob"]
    assert client.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "granted"
    secret = uniq("sg")
    kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="granted")
    kms.call("SetSecretPolicy", SecretName=secret, PolicyName="default",
             Policy=_resource_policy("Allow", ["kms:GetSecretValue"], principal))
    assert client.call("GetSecretValue", SecretName=secret)["SecretData"] == "granted"
    # Only the actions granted.
    expect_error(lambda: client.call("DescribeSecret", SecretName=secret), 403, "Forbidden.NoPermission")


@pytest.mark.parametrize("spelling", ["other-user", "name-in-upper-case", "role-wildcard",
                                      "other-prefix", "service"])
def test_f2_a_principal_naming_someone_else_grants_nothing(srv, uniq, spelling):
    kms = make_kms("core", srv)
    user = uniq("outsider")
    ak, sk = _user(_root(srv), user)
    uid = srv.account_id
    principal = {
        "other-user": {"RAM": [f"acs:ram::{uid}:user/{user}x"]},
        "name-in-upper-case": {"RAM": [f"acs:ram::{uid}:user/{user.upper()}"]},
        "role-wildcard": {"RAM": [f"acs:ram::{uid}:role/*", f"acs:ram::{uid}:assumed-role/*/*"]},
        "other-prefix": {"RAM": [f"acs:ram::{uid}:user/zz*"]},
        "service": {"Service": ["kms.aliyuncs.com"]},
    }[spelling]
    grant = _resource_policy("Allow", ["kms:*"], principal)
    key_id = kms.call("CreateKey", Policy=grant)["KeyMetadata"]["KeyId"]
    blob = kms.call("Encrypt", KeyId=key_id, Plaintext="x")["CiphertextBlob"]
    client = make_kms("core", srv, ak, sk)
    expect_error(lambda: client.call("Decrypt", CiphertextBlob=blob), 403, "Forbidden.NoPermission")
    secret = uniq("sn")
    kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="x")
    kms.call("SetSecretPolicy", SecretName=secret, PolicyName="default", Policy=grant)
    expect_error(lambda: client.call("GetSecretValue", SecretName=secret), 403, "Forbidden.NoPermission")


MALFORMED_PRINCIPALS = {
    "upper-case-prefix": "ACS:RAM::{uid}:root",
    "upper-case-root": "acs:ram::{uid}:ROOT",
    "trailing-space": "acs:ram::{uid}:root ",
    "leading-space": " acs:ram::{uid}:root",
    "spaced-account-id": " {uid}",
    "named-region": "acs:ram:cn-hangzhou:{uid}:root",
    "group": "acs:ram::{uid}:group/admins",
    "user-trailing-space": "acs:ram::{uid}:user/alice ",
    "other-service-prefix": "acs:kms::{uid}:root",
}


@pytest.mark.parametrize("spelling", list(MALFORMED_PRINCIPALS))
def test_f2_principal_spelling_variants_are_refused(srv, uniq, spelling):
    """Case and format variants of an account principal are not read as the
    account (nor as anyone): they are refused when set, and the policy in
    force stays as it was."""
    kms = make_kms("core", srv)
    principal = {"RAM": [MALFORMED_PRINCIPALS[spelling].format(uid=srv.account_id)]}
    doc = _resource_policy("Allow", ["kms:*"], principal)
    key_id = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    before = kms.call("GetKeyPolicy", KeyId=key_id, PolicyName="default")["Policy"]
    expect_error(lambda: kms.call("SetKeyPolicy", KeyId=key_id, PolicyName="default", Policy=doc),
                 400, "MalformedPolicyDocument")
    assert kms.call("GetKeyPolicy", KeyId=key_id, PolicyName="default")["Policy"] == before
    expect_error(lambda: kms.call("CreateKey", Policy=doc), 400, "MalformedPolicyDocument")
    secret = uniq("sm")
    kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="x")
    expect_error(lambda: kms.call("SetSecretPolicy", SecretName=secret, PolicyName="default", Policy=doc),
                 400, "MalformedPolicyDocument")


FOREIGN = {
    "root": lambda uid: [f"acs:ram::{OTHER_ACCOUNT}:root"],
    "star-any-region": lambda uid: [f"acs:ram:*:{OTHER_ACCOUNT}:*"],
    "bare-id": lambda uid: [OTHER_ACCOUNT],
    "user": lambda uid: [f"acs:ram::{OTHER_ACCOUNT}:user/alice"],
    "role": lambda uid: [f"acs:ram::{OTHER_ACCOUNT}:role/admin"],
    "own-id-with-leading-zero": lambda uid: [f"acs:ram::0{uid}:root"],
    "beside-an-own-user": lambda uid: [f"acs:ram::{uid}:user/alice", f"acs:ram::{OTHER_ACCOUNT}:root"],
}


@pytest.mark.parametrize("spelling", list(FOREIGN))
def test_f2_principals_of_another_account_are_refused(srv, uniq, spelling):
    kms = make_kms("core", srv)
    principal = {"RAM": FOREIGN[spelling](srv.account_id)}
    for effect in ("Allow", "Deny"):
        doc = _resource_policy(effect, ["kms:*"], principal)
        key_id = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
        expect_error(lambda: kms.call("SetKeyPolicy", KeyId=key_id, PolicyName="default", Policy=doc),
                     400, "InvalidParameter.Policy")
        expect_error(lambda: kms.call("CreateKey", Policy=doc), 400, "InvalidParameter.Policy")
        secret = uniq("sf")
        kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="x")
        expect_error(lambda: kms.call("SetSecretPolicy", SecretName=secret, PolicyName="default", Policy=doc),
                     400, "InvalidParameter.Policy")


def test_f2_create_secret_refuses_a_policy_naming_another_account(srv, uniq):
    kms = make_kms("core", srv)
    doc = _resource_policy("Allow", ["kms:*"], {"RAM": [f"acs:ram::{OTHER_ACCOUNT}:root"]})
    secret = uniq("cf")
    expect_error(lambda: kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="x",
                                  Policy=doc), 400, "InvalidParameter.Policy")


def test_f2_create_secret_policy_follows_the_same_grant_rule(srv, uniq):
    """A secret policy given at CreateSecret: account-wide grants nothing,
    naming the user grants."""
    kms = make_kms("core", srv)
    user = uniq("cs")
    ak, sk = _user(_root(srv), user)
    client = make_kms("core", srv, ak, sk)
    wide, named = uniq("cw"), uniq("cn")
    kms.call("CreateSecret", SecretName=wide, VersionId="v1", SecretData="wide",
             Policy=_resource_policy("Allow", ["kms:*"], {"RAM": [f"acs:ram::{srv.account_id}:*"]}))
    expect_error(lambda: client.call("GetSecretValue", SecretName=wide), 403, "Forbidden.NoPermission")
    kms.call("CreateSecret", SecretName=named, VersionId="v1", SecretData="named",
             Policy=_resource_policy("Allow", ["kms:GetSecretValue"],
                                     {"RAM": [f"acs:ram::{srv.account_id}:user/{user}"]}))
    assert client.call("GetSecretValue", SecretName=named)["SecretData"] == "named"


# ==========================================================================
# 3. Imported key material after DeleteKeyMaterial
# ==========================================================================

def test_f3_deleted_material_comes_back_only_the_same(srv):
    kms = make_kms("core", srv)
    key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material, other = os.urandom(32), os.urandom(32)
    _import(kms, key_id, material)
    blob = kms.call("Encrypt", KeyId=key_id, Plaintext="kept")["CiphertextBlob"]
    # Once imported, other material is refused even before any deletion.
    expect_error(lambda: _import(kms, key_id, other), 400, "InvalidParameter.EncryptedKeyMaterial")

    kms.call("DeleteKeyMaterial", KeyId=key_id)
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=blob), 409, "Rejected.PendingImport")
    for alg in ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"):
        expect_error(lambda: _import(kms, key_id, other, alg), 400, "InvalidParameter.EncryptedKeyMaterial")
    assert kms.call("DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"

    # Through a second EXTERNAL key: its token does not open this key, and
    # holding this key's material does not make it decrypt this key's data.
    second = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    wrapped, token = _wrap(kms, second, other)
    expect_error(lambda: kms.call("ImportKeyMaterial", KeyId=key_id, EncryptedKeyMaterial=wrapped,
                                  ImportToken=token), 400, "InvalidParameter.ImportToken")
    _import(kms, second, material)
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=blob), 409, "Rejected.PendingImport")
    expect_error(lambda: _import(kms, key_id, other), 400, "InvalidParameter.EncryptedKeyMaterial")

    _import(kms, key_id, material, "RSAES_OAEP_SHA_1")
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "kept"


def test_f3_expired_material_comes_back_only_the_same(srv):
    kms = make_kms("core", srv)
    key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    # The material is wrapped first (the wrapping key is generated on the
    # server, slowly on a loaded machine), so that the expiry is still ahead
    # when the import arrives.
    wrapped, token = _wrap(kms, key_id, material, "RSAES_OAEP_SHA_256")
    expires = int(time.time()) + 5
    kms.call("ImportKeyMaterial", KeyId=key_id, EncryptedKeyMaterial=wrapped, ImportToken=token,
             KeyMaterialExpireUnix=expires)
    blob = kms.call("Encrypt", KeyId=key_id, Plaintext="kept")["CiphertextBlob"]
    time.sleep(max(0.0, expires - time.time()) + 1.1)
    assert kms.call("DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    expect_error(lambda: _import(kms, key_id, os.urandom(32)), 400, "InvalidParameter.EncryptedKeyMaterial")
    _import(kms, key_id, material)
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "kept"


def test_f3_weak_material_is_refused_even_on_a_first_import(srv):
    kms = make_kms("core", srv)
    key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    for weak in (bytes(32), b"\xaa" * 32, b"\xff" * 32):
        expect_error(lambda: _import(kms, key_id, weak), 400, "InvalidParameter.EncryptedKeyMaterial")
    assert kms.call("DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    # A refusal binds the key to nothing: real material is still taken.
    _import(kms, key_id, os.urandom(32))
    sm4 = kms.call("CreateKey", KeySpec="Aliyun_SM4", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    expect_error(lambda: _import(kms, sm4, bytes(16)), 400, "InvalidParameter.EncryptedKeyMaterial")


def test_f3_simultaneous_first_imports_accept_one_material(srv):
    kms = make_kms("core", srv)
    n, rounds = 8, 10
    for _ in range(rounds):
        key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        p = kms.call("GetParametersForImport", KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                     WrappingKeySpec="RSA_2048")
        public = serialization.load_der_public_key(base64.b64decode(p["PublicKey"]))
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        reqs = [_v1(srv, "ImportKeyMaterial", {
            "KeyId": key_id, "ImportToken": p["ImportToken"],
            "EncryptedKeyMaterial": base64.b64encode(public.encrypt(os.urandom(32), oaep)).decode()},
            srv.access_key_id, srv.access_key_secret, version=KMS_VERSION) for _ in range(n)]
        barrier = threading.Barrier(n)
        answers = [None] * n

        def send(i):
            barrier.wait()
            answers[i] = reqs[i].send().status_code

        threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answers.count(200) == 1, f"{answers.count(200)} different materials were all accepted"


# ==========================================================================
# 4. Replays do no work
# ==========================================================================

def test_f4_replayed_get_parameters_for_import_does_no_work(srv):
    """A replay is answered SignatureNonceUsed before the RSA key generation:
    20 replays against 20 fresh calls."""
    kms = make_kms("core", srv)
    key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}

    def timed(req):
        t = time.perf_counter()
        r = req.send()
        return time.perf_counter() - t, r

    original = _v1(srv, "GetParametersForImport", params, srv.access_key_id, srv.access_key_secret,
                   version=KMS_VERSION)
    _, r = timed(original)
    assert r.status_code == 200 and r.json()["ImportToken"]
    replays = []
    for _ in range(20):
        took, r = timed(original)
        assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text
        assert "ImportToken" not in r.text and "PublicKey" not in r.text
        replays.append(took)
    fresh = []
    for _ in range(20):
        took, r = timed(_v1(srv, "GetParametersForImport", params, srv.access_key_id,
                            srv.access_key_secret, version=KMS_VERSION))
        assert r.status_code == 200, r.text
        fresh.append(took)
    replay_ms, fresh_ms = statistics.median(replays) * 1000, statistics.median(fresh) * 1000
    print(f"GetParametersForImport: median replay {replay_ms:.1f} ms, median fresh {fresh_ms:.1f} ms")
    assert replay_ms < fresh_ms / 3, (replay_ms, fresh_ms)


def test_f4_v3_replays_are_refused(srv, uniq):
    """ACS3-HMAC-SHA256 requests: a replayed read and a replayed write are
    refused, the write not done again; a V3 request cannot reuse a V1
    request's nonce either."""
    kms = make_kms("core", srv)
    root = _root(srv)
    ak, sk = srv.access_key_id, srv.access_key_secret
    key_id = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    req = V3Request(srv, "GetParametersForImport", KMS_VERSION,
                    {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                     "WrappingKeySpec": "RSA_2048"}, ak, sk)
    r = req.send()
    assert r.status_code == 200 and r.json()["ImportToken"], r.text
    r = req.send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text

    name = uniq("v3")
    req = V3Request(srv, "CreateUser", rpc_v1.RAM_VERSION, {"UserName": name}, ak, sk)
    assert req.send().status_code == 200
    root.call("DeleteUser", UserName=name)
    r = req.send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text
    expect_error(lambda: root.call("GetUser", UserName=name), 404, "EntityNotExist.User")

    nonce = uuid.uuid4().hex
    assert _v1(srv, "ListUsers", {}, ak, sk, nonce=nonce).send().status_code == 200
    r = V3Request(srv, "ListUsers", rpc_v1.RAM_VERSION, {}, ak, sk, nonce=nonce).send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text


def test_f4_replayed_write_does_nothing(srv, uniq):
    """A replayed CreateUser (in the query, or moved to a form body) is
    refused and creates nothing; a new request reusing the nonce is refused."""
    root = _root(srv)
    ak, sk = srv.access_key_id, srv.access_key_secret
    name = uniq("replay")
    req = _v1(srv, "CreateUser", {"UserName": name}, ak, sk)
    assert req.send().status_code == 200
    root.call("DeleteUser", UserName=name)
    r = req.send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text
    r = requests.post(srv.base_url + "/", data=req.params, timeout=10)
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text
    expect_error(lambda: root.call("GetUser", UserName=name), 404, "EntityNotExist.User")
    again = _v1(srv, "CreateUser", {"UserName": name + "b"}, ak, sk, nonce=req.params["SignatureNonce"])
    r = again.send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed"), r.text
    expect_error(lambda: root.call("GetUser", UserName=name + "b"), 404, "EntityNotExist.User")


# ==========================================================================
# 5. A refused replay leaves no trace (GetAccessKeyLastUsed)
# ==========================================================================

def _last_used(root, user, ak):
    body = root.call("GetAccessKeyLastUsed", UserName=user, UserAccessKeyId=ak)
    return body["AccessKeyLastUsed"].get("LastUsedDate")


def test_f5_refused_replays_leave_the_last_use_as_it_was(srv, uniq):
    """Within the minute after the original only: uses are recorded at most
    once a minute, so this cannot tell a recorded replay from an unrecorded
    one (the test below, RAMPART_COMPAT_SLOW=1, can)."""
    root = _root(srv)
    user = uniq("lu")
    ak, sk = _user(root, user)
    assert _last_used(root, user, ak) is None
    req = _v1(srv, "GetCallerIdentity", {}, ak, sk, version=STS_VERSION)
    assert req.send().status_code == 200
    first = _last_used(root, user, ak)
    assert first
    for _ in range(3):
        r = req.send()
        assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
    assert _last_used(root, user, ak) == first


@pytest.mark.skipif(os.environ.get("RAMPART_COMPAT_SLOW") != "1",
                    reason="takes more than a minute; RAMPART_COMPAT_SLOW=1 runs it")
def test_f5_a_replay_a_minute_later_records_no_use(srv, uniq):
    """The key is used at t0 (recorded); a request R is sent at t0+1 (not
    recorded: within the minute); R replayed after t0+61 is refused and the
    last use stays t0, while a fresh call then moves it."""
    root = _root(srv)
    user = uniq("lu")
    ak, sk = _user(root, user)
    t0 = time.monotonic()
    assert _v1(srv, "GetCallerIdentity", {}, ak, sk, version=STS_VERSION).send().status_code == 200
    first = _last_used(root, user, ak)
    time.sleep(1.1)
    original = _v1(srv, "GetCallerIdentity", {}, ak, sk, version=STS_VERSION)
    assert original.send().status_code == 200
    assert _last_used(root, user, ak) == first
    time.sleep(max(0.0, t0 + 62 - time.monotonic()))
    r = original.send()
    assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
    assert _last_used(root, user, ak) == first
    assert _v1(srv, "GetCallerIdentity", {}, ak, sk, version=STS_VERSION).send().status_code == 200
    assert _last_used(root, user, ak) != first


# ==========================================================================
# 6. LoginNetworkMasks: no password oracle from outside
# ==========================================================================

NETWORK_REFUSED = (403, "InvalidLogin.NetworkNotAllowed")
FORGED_ADDRESS_HEADERS = ({"X-Forwarded-For": "10.1.2.3"}, {"X-Real-IP": "10.1.2.3"},
                          {"Forwarded": "for=10.1.2.3"}, {"True-Client-IP": "10.1.2.3"},
                          {"X-Forwarded-For": "10.1.2.3, 127.0.0.1"})


def test_f6_logon_from_outside_the_networks_tells_nothing(fresh_server):
    s = fresh_server()
    root = _root(s)
    uid = s.account_id
    root.call("SetPasswordPolicy", MaxLoginAttemps=2)
    ak, sk = _user(root, "erin", PASSWORD)
    root.call("SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    answers = [logon(s, name, pw) for name, pw in (
        (f"erin@{uid}", PASSWORD), (f"erin@{uid}", "Wrong-Passw0rd!"),
        (f"erin@{uid}.onaliyun.com", PASSWORD), (f"nobody@{uid}", PASSWORD),
        (f"erin@{OTHER_ACCOUNT}", PASSWORD), ("no-at-sign", PASSWORD))]
    for st, code, body, _ in answers:
        assert (st, code) == NETWORK_REFUSED, body
        assert body == answers[0][2]
    for _ in range(10):
        assert logon(s, f"erin@{uid}", "Wrong-Passw0rd!")[:2] == NETWORK_REFUSED
    for headers in FORGED_ADDRESS_HEADERS:
        assert logon(s, f"erin@{uid}", PASSWORD, headers=headers)[:2] == NETWORK_REFUSED
    # Nothing was counted: MaxLoginAttemps=2 and the brake let the right
    # password through at once when the networks are cleared.
    root.call("SetSecurityPreference", LoginNetworkMasks="")
    assert logon(s, f"erin@{uid}", PASSWORD)[0] == 200

    # The peer address decides, never a header.
    root.call("SetSecurityPreference", LoginNetworkMasks="127.0.0.2/32")
    assert logon(s, f"erin@{uid}", PASSWORD, headers={"X-Forwarded-For": "127.0.0.2"})[:2] == NETWORK_REFUSED
    assert logon(s, f"erin@{uid}", PASSWORD, source="127.0.0.2")[0] == 200

    # The masks are about console logons: an AccessKey call from outside
    # them goes on, and its wrong guesses count as the review's fix wants.
    ram = make_client("core", s, ak, sk)
    for i in range(2):
        assert _err(lambda: ram.call("ChangePassword", OldPassword=f"Guess-{i}-Passw0rd",
                                     NewPassword=NEW_PASSWORD)) == WRONG_OLD
    assert _err(lambda: ram.call("ChangePassword", OldPassword=PASSWORD, NewPassword=NEW_PASSWORD)) == LOCKED
    assert logon(s, f"erin@{uid}", PASSWORD, source="127.0.0.2")[:2] == LOCKED


@contextlib.contextmanager
def _server_on_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback")
    tmp = Path(tempfile.mkdtemp(prefix="rampart-compat-v6-"))
    data = tmp / "data"
    data.mkdir()
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen([str(_rampart_bin()), "serve", "--listen", f"[::1]:{port}",
                             "--data-dir", str(data)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        creds_path = data / "root-credentials.json"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"server exited: {(tmp / 'server.log').read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"http://[::1]:{port}/healthz", timeout=2) as r:
                    if r.status == 200 and creds_path.exists():
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, "the IPv6 server did not start"
            time.sleep(0.2)
        creds = json.loads(creds_path.read_text())
        yield Server(host="[::1]", port=port, data_dir=data, account_id=str(creds["AccountId"]),
                     access_key_id=creds["AccessKeyId"], access_key_secret=creds["AccessKeySecret"],
                     credentials_mode=0, log_path=tmp / "server.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        if os.environ.get("RAMPART_KEEP_DATA") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


def test_f6_logon_networks_over_ipv6():
    with _server_on_ipv6_loopback() as s:
        def root(action, **params):
            r = _v1(s, action, params, s.access_key_id, s.access_key_secret).send()
            assert r.status_code == 200, r.text
            return r.json()

        root("CreateUser", UserName="frank")
        root("CreateLoginProfile", UserName="frank", Password=PASSWORD)
        root("SetPasswordPolicy", MaxLoginAttemps=2)
        name = f"frank@{s.account_id}"
        for masks in ("127.0.0.0/8", "::ffff:0:0/96", "fe80::/10", "0.0.0.0/0"):
            root("SetSecurityPreference", LoginNetworkMasks=masks)
            for pw in (PASSWORD, "Wrong-Passw0rd!", "Wrong-Passw0rd!"):
                answer = logon(s, name, pw, headers={"X-Forwarded-For": "127.0.0.1"})
                assert answer[:2] == NETWORK_REFUSED, masks
        root("SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8;::1/128")
        assert logon(s, name, PASSWORD)[0] == 200
        root("SetSecurityPreference", LoginNetworkMasks="::/0")
        assert logon(s, name, PASSWORD)[0] == 200


# ==========================================================================
# 7. No policy names in denials
# ==========================================================================

def _check_denial_text(text, policy_names, action, resource):
    assert action in text and resource in text and "ExplicitDeny" in text, text
    for name in policy_names:
        assert name not in text, f"{name} in {text}"
    assert "statement" not in text.lower(), text


def test_f7_denials_name_no_policy_and_only_root_decodes_them(srv, uniq):
    root = _root(srv)
    kms = make_kms("core", srv)
    uid = srv.account_id
    user = uniq("dn")
    ak, sk = _user(root, user, PASSWORD)
    deny_name = f"SecretDenyXYZ-{uuid.uuid4().hex[:6]}"
    allow_name = _attach(root, user, allow(["kms:*", "ram:ListUsers", "sts:AssumeRole", "ram:GetUser"]),
                         "AllowAllXYZ")
    root.call("CreatePolicy", PolicyName=deny_name, PolicyDocument=policy_doc(
        statement(["kms:GetSecretValue", "ram:ListUsers", "sts:AssumeRole"], "*", "Deny")))
    root.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=deny_name, UserName=user)
    names = (deny_name, allow_name)
    secret = uniq("ds")
    kms.call("CreateSecret", SecretName=secret, VersionId="v1", SecretData="x")
    role = uniq("dr")
    root.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=account_trust(uid))

    denials = [
        (_v1(srv, "ListUsers", {}, ak, sk), "NoPermission", "ram:ListUsers", f"acs:ram:*:{uid}:user/*"),
        (_v1(srv, "GetSecretValue", {"SecretName": secret}, ak, sk, version=KMS_VERSION),
         "Forbidden.NoPermission", "kms:GetSecretValue", f"acs:kms:cn-hangzhou:{uid}:secret/{secret}"),
        (_v1(srv, "AssumeRole", {"RoleArn": f"acs:ram::{uid}:role/{role}", "RoleSessionName": "review"},
             ak, sk, version=STS_VERSION), "NoPermission", "sts:AssumeRole", f"acs:ram::{uid}:role/{role}"),
    ]
    encoded = []
    for req, code, action, resource in denials:
        r = req.send()
        body = r.json()
        assert (r.status_code, body["Code"]) == (403, code), r.text
        _check_denial_text(body["Message"], names, action, resource)
        for name in names:
            assert name not in r.text
        detail = body["AccessDeniedDetail"]
        assert detail["NoPermissionType"] == "ExplicitDeny" and detail["AuthAction"] == action
        assert detail["EncodedDiagnosticMessage"]
        encoded.append(detail["EncodedDiagnosticMessage"])

    # Format=XML, the Tea SDK (V3) and the console say no more.
    r = _v1(srv, "ListUsers", {}, ak, sk, fmt="XML").send()
    assert r.status_code == 403
    _check_denial_text(ET.fromstring(r.text).findtext("Message"), names, "ram:ListUsers", "user/*")
    assert all(n not in r.text for n in names)
    try:
        make_client("tea_v3", srv, ak, sk).call("ListUsers")
        raise AssertionError("ListUsers was allowed")
    except ApiError as e:
        _check_denial_text(e.message, names, "ram:ListUsers", "user/*")
        assert all(n not in json.dumps(e.data, default=str) for n in names)
    st, code, _, session = logon(srv, f"{user}@{uid}", PASSWORD)
    assert st == 200
    st, body = session.call("ram", "ListUsers")
    assert (st, body["Code"]) == (403, "NoPermission")
    _check_denial_text(body["Message"], names, "ram:ListUsers", "user/*")
    # The denied user may not simulate itself to learn its policies.
    st, body = session.simulate(PrincipalType="User", PrincipalName=user, Action="ram:ListUsers",
                                Resource="*")
    assert (st, body.get("Code")) == (403, "NoPermission"), body
    assert all(n not in json.dumps(body) for n in names)
    # A batch lists a denied secret with the same plain message.
    r = _v1(srv, "BatchGetSecretValue", {"SecretsList": json.dumps([{"SecretName": secret}])}, ak, sk,
            version=KMS_VERSION).send()
    assert r.status_code == 200, r.text
    (error,) = r.json()["Errors"]
    assert (error["SecretName"], error["HttpStatus"], error["Code"]) == \
        (secret, 403, "Forbidden.NoPermission")
    _check_denial_text(error["Message"], names, "kms:GetSecretValue", f"secret/{secret}")
    assert all(n not in r.text for n in names)

    # The account decodes; the user (without ram:DecodeDiagnosticMessage) cannot.
    for message in encoded:
        decoded = root.call("DecodeDiagnosticMessage",
                            EncodedDiagnosticMessage=message)["DecodedDiagnosticMessage"]
        assert decoded["ExplicitDeny"] is True
        assert [m["PolicyIdentifier"] for m in decoded["MatchedPolicies"]] == [deny_name]
        assert decoded["MatchedPolicies"][0]["Effect"] == "Deny"
    r = _v1(srv, "DecodeDiagnosticMessage", {"EncodedDiagnosticMessage": encoded[0]}, ak, sk).send()
    assert (r.status_code, r.json()["Code"]) == (403, "NoPermission"), r.text
    assert all(n not in r.text for n in names)
    # A changed message is no message.
    tampered = encoded[0][:-6] + ("A" if encoded[0][-6] != "A" else "B") + encoded[0][-5:]
    expect_error(lambda: root.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=tampered),
                 400, "InvalidParameter.EncodedDiagnosticMessage")


def test_f7_another_accounts_diagnostic_message_is_not_decoded(srv, fresh_server, uniq):
    root = _root(srv)
    user = uniq("dx")
    ak, sk = _user(root, user)
    r = _v1(srv, "ListUsers", {}, ak, sk).send()
    encoded = r.json()["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
    other = fresh_server()
    expect_error(lambda: _root(other).call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded),
                 400, "InvalidParameter.EncodedDiagnosticMessage")
    # The other account's own denial is not decoded here either.
    theirs = _v1(other, "ListUsers", {}, *_user(_root(other), "someone")).send().json()
    theirs = theirs["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
    expect_error(lambda: root.call("DecodeDiagnosticMessage", EncodedDiagnosticMessage=theirs),
                 400, "InvalidParameter.EncodedDiagnosticMessage")


# ==========================================================================
# 8. acs:MFAPresent
# ==========================================================================

MFA_TRUE = {"Bool": {"acs:MFAPresent": "true"}}


def test_f8_mfa_present_only_after_a_logon_with_a_code(srv, uniq):
    root = _root(srv)
    uid = srv.account_id
    user = uniq("mp")
    ak, sk = _user(root, user, PASSWORD)
    seed = _bind_mfa(root, user)
    _attach(root, user, policy_doc(
        statement("ram:ListUsers", "*", condition=MFA_TRUE),
        statement("sts:AssumeRole", "*"),
        statement("ram:GetUser", "*"),
        statement("ram:GetUser", "*", "Deny", condition={"Bool": {"acs:MFAPresent": "false"}})))
    role = uniq("mr")
    root.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=account_trust(uid))
    role_policy = uniq("mrp")
    root.call("CreatePolicy", PolicyName=role_policy,
              PolicyDocument=allow("ram:ListUsers", condition=MFA_TRUE))
    root.call("AttachPolicyToRole", PolicyType="Custom", PolicyName=role_policy, RoleName=role)
    role_arn = f"acs:ram::{uid}:role/{role}"

    # AccessKey: MFAPresent is false, whatever the request says.
    key = make_client("core", srv, ak, sk)
    expect_error(lambda: key.call("ListUsers"), 403, "NoPermission")
    expect_error(lambda: key.call("GetUser", UserName=user), 403, "NoPermission")
    for forged in ({"MFAPresent": "true"}, {"acs:MFAPresent": "true"}, {"MFACode": _totp(seed, _step())}):
        r = _v1(srv, "ListUsers", forged, ak, sk).send()
        assert (r.status_code, r.json()["Code"]) == (403, "NoPermission"), (forged, r.text)
    r = requests.post(_v1(srv, "ListUsers", {}, ak, sk).url, timeout=10,
                      headers={"x-acs-mfa-present": "true", "x-acs-mfa": "true"})
    assert (r.status_code, r.json()["Code"]) == (403, "NoPermission")
    sts = make_client("core", srv, ak, sk, product="sts")
    c = sts.call("AssumeRole", RoleArn=role_arn, RoleSessionName="by-key")["Credentials"]
    by_key = make_client("core", srv, c["AccessKeyId"], c["AccessKeySecret"],
                         security_token=c["SecurityToken"])
    expect_error(lambda: by_key.call("ListUsers"), 403, "NoPermission")

    # Console logon with password + code: true, for the session and for a
    # role session assumed from it (used through the SDK, V1 and V3).
    session = _mfa_logon(srv, user, seed)
    st, body = session.call("ram", "ListUsers")
    assert st == 200 and body["Users"], body
    st, body = session.call("ram", "GetUser", UserName=user)
    assert st == 200, body
    st, body = session.call("sts", "AssumeRole", RoleArn=role_arn, RoleSessionName="by-console")
    assert st == 200, body
    c = body["Credentials"]
    for flavour in ("core", "tea_v3"):
        by_console = make_client(flavour, srv, c["AccessKeyId"], c["AccessKeySecret"],
                                 security_token=c["SecurityToken"])
        assert by_console.call("ListUsers")["Users"]


def test_f8_a_console_logon_without_a_code_is_no_mfa(srv, uniq):
    root = _root(srv)
    uid = srv.account_id
    user = uniq("np")
    _user(root, user, PASSWORD, key=False)
    _attach(root, user, policy_doc(statement("ram:ListUsers", "*", condition=MFA_TRUE),
                                   statement("sts:AssumeRole", "*")))
    role = uniq("nr")
    root.call("CreateRole", RoleName=role, AssumeRolePolicyDocument=account_trust(uid))
    role_policy = uniq("nrp")
    root.call("CreatePolicy", PolicyName=role_policy,
              PolicyDocument=allow("ram:ListUsers", condition=MFA_TRUE))
    root.call("AttachPolicyToRole", PolicyType="Custom", PolicyName=role_policy, RoleName=role)
    st, code, body, session = logon(srv, f"{user}@{uid}", PASSWORD)
    assert st == 200, body
    # A code sent by a user without a device proves nothing.
    st, _, _, session2 = logon(srv, f"{user}@{uid}", PASSWORD, "123456")
    for s in (session, session2):
        if s is None:
            continue
        st, body = s.call("ram", "ListUsers")
        assert (st, body["Code"]) == (403, "NoPermission"), body
        st, body = s.call("sts", "AssumeRole", RoleArn=f"acs:ram::{uid}:role/{role}",
                          RoleSessionName="no-mfa")
        assert st == 200, body
        c = body["Credentials"]
        assumed = make_client("core", srv, c["AccessKeyId"], c["AccessKeySecret"],
                              security_token=c["SecurityToken"])
        expect_error(lambda: assumed.call("ListUsers"), 403, "NoPermission")


# ==========================================================================
# 9. A Deny written with the ARN GetRole prints
# ==========================================================================

def test_f9_deny_on_the_printed_role_arn_matches_no_ram_action(srv, uniq):
    """The real service's semantics, kept on purpose: RAM authorizes its
    actions on roles as acs:ram:*:<uid>:role/X, while GetRole prints
    acs:ram::<uid>:role/X (the form sts:AssumeRole is checked on). A Deny
    copied from the printed ARN stops AssumeRole but no RAM action; written
    acs:ram:*: it stops them, whatever the case the role is named in."""
    root = _root(srv)
    uid = srv.account_id
    role = uniq("Ops")
    printed = root.call("CreateRole", RoleName=role,
                        AssumeRolePolicyDocument=account_trust(uid))["Role"]["Arn"]
    assert printed == f"acs:ram::{uid}:role/{role}"
    assert root.call("GetRole", RoleName=role)["Role"]["Arn"] == printed
    user = uniq("r9")
    ak, sk = _user(root, user)
    _attach(root, user, allow(["ram:*", "sts:AssumeRole"]))
    _attach(root, user, deny(["ram:UpdateRole", "ram:DeleteRole", "sts:AssumeRole"], printed))
    ram = make_client("core", srv, ak, sk)
    sts = make_client("core", srv, ak, sk, product="sts")
    for name in (role, role.lower(), role.upper()):
        assert ram.call("UpdateRole", RoleName=name, NewDescription="printed ARN denies nothing")["Role"]
        expect_error(lambda: sts.call("AssumeRole", RoleArn=f"acs:ram::{uid}:role/{name}",
                                      RoleSessionName="r9"), 403, "NoPermission")

    _attach(root, user, deny(["ram:UpdateRole", "ram:DeleteRole"], f"acs:ram:*:{uid}:role/{role}"))
    for name in (role, role.lower(), role.upper()):
        e = expect_error(lambda: ram.call("UpdateRole", RoleName=name, NewDescription="x"),
                         403, "NoPermission")
        assert f"acs:ram:*:{uid}:role/{role}" in e.message and "ExplicitDeny" in e.message
        expect_error(lambda: ram.call("DeleteRole", RoleName=name), 403, "NoPermission")
