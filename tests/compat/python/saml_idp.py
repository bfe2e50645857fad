"""A SAML 2.0 IdP for the federation tests: an RSA key pair and a
self-signed certificate (cryptography), its metadata, and role-SSO
responses for Alibaba Cloud signed with signxml (enveloped, exclusive
C14N, RSA-SHA256 / SHA-256 by default), the Assertion and/or the Response.
`xmlsec1_sign` signs the same template with Debian's xmlsec1, for
cross-checks."""
from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import uuid
from typing import Optional, Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from oidc_issuer import make_cert, pem

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
AUDIENCE = "urn:alibaba:cloudcomputing"
RECIPIENT = "https://signin.aliyun.com/saml-role/sso"
ROLE_ATTR = "https://www.aliyun.com/SAML-Role/Attributes/Role"
SESSION_ATTR = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
PLACEHOLDER = f'<ds:Signature xmlns:ds="{NS["ds"]}" Id="placeholder"/>'


def stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return "_" + uuid.uuid4().hex


class IdP:
    def __init__(self, entity_id: str = "https://idp.example.test/saml"):
        self.entity_id = entity_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert, _ = make_cert("idp.example.test", key=self.key, days=30)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def cert_pem(self) -> bytes:
        return pem(self.cert)

    def metadata(self) -> str:
        der = self.cert.public_bytes(serialization.Encoding.DER)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<md:EntityDescriptor xmlns:md="{NS["md"]}" xmlns:ds="{NS["ds"]}" entityID="{self.entity_id}">'
            f'<md:IDPSSODescriptor protocolSupportEnumeration="{NS["samlp"]}">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f'{base64.b64encode(der).decode()}'
            '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
            '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>'
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            'Location="https://idp.example.test/sso"/>'
            '</md:IDPSSODescriptor></md:EntityDescriptor>')

    def metadata_b64(self) -> str:
        return base64.b64encode(self.metadata().encode()).decode()

    def response_xml(self, roles: Sequence[str], session: str = "alice@example.test",
                     name_id: str = "alice@example.test", *, assertion_id: Optional[str] = None,
                     response_id: Optional[str] = None, recipient: str = RECIPIENT,
                     audience: str = AUDIENCE, issuer: Optional[str] = None,
                     not_on_or_after: Optional[dt.datetime] = None, issue_instant: Optional[dt.datetime] = None,
                     extra_assertion: str = "") -> str:
        """The unsigned Response. roles: values of the Role attribute
        (`RoleArn,SAMLProviderArn`)."""
        now = dt.datetime.now(dt.timezone.utc)
        ii = issue_instant or now
        noa = not_on_or_after or now + dt.timedelta(minutes=5)
        aid = assertion_id or new_id()
        rid = response_id or new_id()
        iss = issuer or self.entity_id
        role_values = "".join(f"<saml:AttributeValue>{r}</saml:AttributeValue>" for r in roles)
        assertion = (
            f'<saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{stamp(ii)}">'
            f'<saml:Issuer>{iss}</saml:Issuer>'
            '<saml:Subject>'
            f'<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id}</saml:NameID>'
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{stamp(noa)}" Recipient="{recipient}"/>'
            '</saml:SubjectConfirmation></saml:Subject>'
            f'<saml:Conditions NotBefore="{stamp(ii - dt.timedelta(minutes=1))}" NotOnOrAfter="{stamp(noa)}">'
            f'<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>'
            '</saml:Conditions>'
            f'<saml:AuthnStatement AuthnInstant="{stamp(ii)}" SessionIndex="{aid}">'
            '<saml:AuthnContext><saml:AuthnContextClassRef>'
            'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
            '</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
            '<saml:AttributeStatement>'
            f'<saml:Attribute Name="{ROLE_ATTR}">{role_values}</saml:Attribute>'
            f'<saml:Attribute Name="{SESSION_ATTR}"><saml:AttributeValue>{session}</saml:AttributeValue>'
            '</saml:Attribute>'
            '</saml:AttributeStatement>'
            '</saml:Assertion>')
        return (
            f'<samlp:Response xmlns:samlp="{NS["samlp"]}" xmlns:saml="{NS["saml"]}" ID="{rid}" Version="2.0" '
            f'IssueInstant="{stamp(ii)}" Destination="{recipient}">'
            f'<saml:Issuer>{iss}</saml:Issuer>'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f'{assertion}{extra_assertion}'
            '</samlp:Response>')

    def sign(self, xml: str, *, assertion: bool = True, response: bool = False, algorithm: str = "rsa-sha256",
             digest: str = "sha256", key=None, cert=None, unprefixed_signature: bool = False) -> bytes:
        """Sign with signxml: the Assertion, then the Response, each with an
        enveloped signature right after its Issuer (signxml fills a
        placeholder there) and Reference URI `#<ID>`."""
        from signxml import XMLSigner, methods
        from signxml.algorithms import SignatureMethod, DigestAlgorithm

        key_pem = (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()) if key is not None else self.key_pem)
        cert_pem = pem(cert) if cert is not None else self.cert_pem
        sig_alg = {"rsa-sha256": SignatureMethod.RSA_SHA256, "rsa-sha1": SignatureMethod.RSA_SHA1}[algorithm]
        dig_alg = {"sha256": DigestAlgorithm.SHA256, "sha1": DigestAlgorithm.SHA1}[digest]

        class Signer(XMLSigner):
            def check_deprecated_methods(self):
                # signxml refuses SHA-1 in its default configuration; its
                # documented way out is this override (rsa-sha1 providers).
                if algorithm == "rsa-sha256" and digest == "sha256":
                    super().check_deprecated_methods()

        def signer():
            s = Signer(method=methods.enveloped, signature_algorithm=sig_alg, digest_algorithm=dig_alg,
                       c14n_algorithm=EXC_C14N)
            if unprefixed_signature:
                # <Signature xmlns="...xmldsig#">: signxml then makes its
                # children unprefixed too, so the placeholder must be as well.
                s.namespaces = {None: NS["ds"]}
            return s

        placeholder = (f'<Signature xmlns="{NS["ds"]}" Id="placeholder"/>' if unprefixed_signature
                       else PLACEHOLDER)

        def placeholder_after_issuer(el):
            el.find("saml:Issuer", NS).addnext(etree.fromstring(placeholder))

        root = etree.fromstring(xml.encode())
        if assertion:
            a = root.find("saml:Assertion", NS)
            placeholder_after_issuer(a)
            root = signer().sign(root, key=key_pem, cert=cert_pem, reference_uri="#" + a.get("ID"))
        if response:
            placeholder_after_issuer(root)
            root = signer().sign(root, key=key_pem, cert=cert_pem, reference_uri="#" + root.get("ID"))
        return etree.tostring(root)

    def signed_b64(self, roles: Sequence[str], *, assertion: bool = True, response: bool = False,
                   algorithm: str = "rsa-sha256", digest: str = "sha256", **kw) -> str:
        xml = self.response_xml(roles, **kw)
        return base64.b64encode(self.sign(xml, assertion=assertion, response=response, algorithm=algorithm,
                                          digest=digest)).decode()


def xmlsec1_available() -> bool:
    return shutil.which("xmlsec1") is not None


def xmlsec1_sign(idp: IdP, xml_with_template: str, id_attr: str = "ID", node: str = "Assertion",
                 ns: str = NS["saml"]) -> bytes:
    """Sign a document holding a full ds:Signature template with xmlsec1
    (--sign, --id-attr:ID <ns>:<node>)."""
    tmp = tempfile.mkdtemp(prefix="rampart-xmlsec1-")
    try:
        src, keyf, certf = (os.path.join(tmp, n) for n in ("in.xml", "key.pem", "cert.pem"))
        with open(src, "w") as f:
            f.write(xml_with_template)
        with open(keyf, "wb") as f:
            f.write(idp.key_pem)
        with open(certf, "wb") as f:
            f.write(idp.cert_pem)
        r = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{keyf},{certf}",
                            f"--id-attr:{id_attr}", f"{ns}:{node}", src],
                           capture_output=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"xmlsec1 --sign failed: {r.stderr.decode(errors='replace')}")
        return r.stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def xmlsec1_verify(idp: IdP, signed: bytes, id_attr: str = "ID", node: str = "Assertion",
                   ns: str = NS["saml"]) -> subprocess.CompletedProcess:
    tmp = tempfile.mkdtemp(prefix="rampart-xmlsec1-")
    try:
        src, certf = os.path.join(tmp, "in.xml"), os.path.join(tmp, "cert.pem")
        with open(src, "wb") as f:
            f.write(signed)
        with open(certf, "wb") as f:
            f.write(idp.cert_pem)
        return subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", certf,
                               f"--id-attr:{id_attr}", f"{ns}:{node}", src],
                              capture_output=True, timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def signature_template(ref_id: str, algorithm: str = "rsa-sha256", prefix_list: Optional[str] = None) -> str:
    """A ds:Signature template for xmlsec1 (enveloped, exclusive C14N; with
    prefix_list, an InclusiveNamespaces PrefixList in both C14N methods)."""
    sig = {"rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
           "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1"}[algorithm]
    dig = {"rsa-sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
           "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#sha1"}[algorithm]
    inc = (f'<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{prefix_list}"/>'
           if prefix_list else "")
    return (f'<ds:Signature xmlns:ds="{NS["ds"]}"><ds:SignedInfo>'
            f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}">{inc}</ds:CanonicalizationMethod>'
            f'<ds:SignatureMethod Algorithm="{sig}"/>'
            f'<ds:Reference URI="#{ref_id}"><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            f'<ds:Transform Algorithm="{EXC_C14N}">{inc}</ds:Transform></ds:Transforms>'
            f'<ds:DigestMethod Algorithm="{dig}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>'
            '<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>')
