"""Runs inside .venv-smc-v1 (aliyun-secret-manager-client 0.1.5): one
long-lived cache client, built as behaviour.md §7.1 documents
(RegionInfo(region, endpoint="http://host:port")), driven with JSON lines.

stdin, first line: {"endpoint", "region", "ak", "sk"}; answered {"result": null}.
Then one request a line, one answer a line:
  {"op": "value", "name"}   -> {"result": get_secret_value(name)}
  {"op": "info", "name"}    -> {"result": {fields of get_secret_info(name)}}
  {"op": "refresh", "name"} -> {"result": refresh_now(name)}
  {"op": "close"}           -> {"result": null}, then the process ends
An exception answers {"error": "<type>: <message>"}."""
import json
import sys

from alibaba_cloud_secretsmanager_client.model.region_info import RegionInfo
from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import SecretManagerCacheClientBuilder
from alibaba_cloud_secretsmanager_client.service.default_secret_manager_client_builder import \
    DefaultSecretManagerClientBuilder

FIELDS = ("secret_name", "version_id", "secret_value", "secret_data_type", "create_time", "secret_type",
          "automatic_rotation", "extended_config", "rotation_interval", "next_rotation_date")


def answer(obj):
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def main():
    args = json.loads(sys.stdin.readline())
    client = SecretManagerCacheClientBuilder.new_cache_client_builder(
        DefaultSecretManagerClientBuilder.standard()
        .with_access_key(args["ak"], args["sk"])
        .add_region_info(RegionInfo(args["region"], endpoint=args["endpoint"]))
        .build()).build()
    answer({"result": None})
    try:
        for line in sys.stdin:
            req = json.loads(line)
            op = req.get("op")
            try:
                if op == "value":
                    answer({"result": client.get_secret_value(req["name"])})
                elif op == "info":
                    info = client.get_secret_info(req["name"])
                    answer({"result": {f: getattr(info, f, None) for f in FIELDS}})
                elif op == "refresh":
                    answer({"result": client.refresh_now(req["name"])})
                elif op == "close":
                    answer({"result": None})
                    break
                else:
                    answer({"error": f"unknown op {op!r}"})
            except Exception as e:  # reported to the test, which fails with it
                answer({"error": f"{type(e).__name__}: {e}"})
    finally:
        client.close()


if __name__ == "__main__":
    main()
