"""Runs inside .venv-plugin (aliyun-openapi-python-sdk-managed-credentials-provider
0.1.4): an application whose only credential is a RAM secret.

Configuration is the plug-in's documented one: managed_credentials_providers.properties
in the working directory (written by the test). Arguments: secret name, RAM
endpoint (host:port), protocol (http or https; over https aliyunsdkcore
trusts ALIBABA_CLOUD_CA_BUNDLE). Protocol on stdin/stdout, one JSON object per line:
  {"op": "call"} -> {"ok": true, "ak": <AccessKeyId used>, "users": n}
                    or {"ok": false, "ak": ..., "code": ..., "error": ...}
  {"op": "quit"} -> exits after client.shutdown()

Python 3.11 removed open() mode 'U'; alibaba_cloud_secretsmanager_client
(utils/config_utils.py) opens the properties file with 'Ur', so without the
shim below the documented configuration raises ValueError("invalid mode: 'Ur'")
before reading any setting. The shim drops the 'U' (universal newlines are the
default in Python 3) and changes nothing else.
"""
import builtins
import json
import sys

_open = builtins.open


def _open_without_u(file, mode="r", *args, **kwargs):
    if isinstance(mode, str) and "U" in mode:
        mode = mode.replace("U", "") or "r"
    return _open(file, mode, *args, **kwargs)


builtins.open = _open_without_u

from aliyun_sdk_secretsmanager_sdk_core_plugin.proxy_acs_client import ProxyAcsClient  # noqa: E402
from aliyunsdkcore.acs_exception.exceptions import ServerException  # noqa: E402
from aliyunsdkcore.request import CommonRequest  # noqa: E402


def current_ak(client):
    try:
        return client._signer._credential.access_key_id
    except AttributeError:
        return getattr(client, "_ak", None)


def main():
    secret_name, endpoint = sys.argv[1], sys.argv[2]
    # aliyunsdkcore compares the protocol with `is`: pass its own constant.
    from aliyunsdkcore.http import protocol_type
    protocol = protocol_type.HTTPS if sys.argv[3:] == ["https"] else protocol_type.HTTP
    client = ProxyAcsClient(secret_name=secret_name, region_id="cn-hangzhou", auto_retry=False)
    print(json.dumps({"ready": True, "ak": current_ak(client)}), flush=True)
    try:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "quit":
                break
            req = CommonRequest()
            req.set_domain(endpoint)
            req.set_protocol_type(protocol)
            req.set_version("2015-05-01")
            req.set_action_name("ListUsers")
            req.set_method("POST")
            req.set_accept_format("json")
            try:
                body = json.loads(client.do_action_with_exception(req))
                out = {"ok": True, "ak": current_ak(client), "users": len(body["Users"]["User"])}
            except ServerException as e:
                out = {"ok": False, "ak": current_ak(client), "code": e.get_error_code(),
                       "status": e.get_http_status(), "error": e.get_error_msg()}
            print(json.dumps(out), flush=True)
    finally:
        client.shutdown()


if __name__ == "__main__":
    main()
