"""Typed requests of the legacy per-product SDKs (aliyun-python-sdk-kms,
aliyun-python-sdk-ram) sent through aliyunsdkcore's AcsClient."""
from ramclients import REGION


def legacy_call(server, request):
    """A typed request of the legacy per-product SDK (aliyun-python-sdk-kms /
    -ram) through aliyunsdkcore's AcsClient, over plain HTTP to the server."""
    import json

    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.http import protocol_type

    client = AcsClient(server.access_key_id, server.access_key_secret, REGION,
                       auto_retry=False, max_retry_time=0)
    request.set_protocol_type(protocol_type.HTTP)
    request.set_endpoint(server.endpoint)
    request.set_accept_format("json")
    return json.loads(client.do_action_with_exception(request))

