"""Runs inside .venv-smc-v1 (aliyun-secret-manager-client 0.1.5): reads
{"endpoint", "region", "ak", "sk", "names", "text_names"} as JSON on stdin,
builds the cache client exactly as behaviour.md §7.1 documents
(RegionInfo(region, endpoint="http://host:port")), and prints what
get_secret_info / get_secret_value return, as JSON on stdout."""
import json
import sys

from alibaba_cloud_secretsmanager_client.model.region_info import RegionInfo
from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import SecretManagerCacheClientBuilder
from alibaba_cloud_secretsmanager_client.service.default_secret_manager_client_builder import \
    DefaultSecretManagerClientBuilder

FIELDS = ("secret_name", "version_id", "secret_value", "secret_data_type", "create_time", "secret_type",
          "automatic_rotation", "extended_config", "rotation_interval", "next_rotation_date")


def main():
    args = json.load(sys.stdin)
    client = SecretManagerCacheClientBuilder.new_cache_client_builder(
        DefaultSecretManagerClientBuilder.standard()
        .with_access_key(args["ak"], args["sk"])
        .add_region_info(RegionInfo(args["region"], endpoint=args["endpoint"]))
        .build()).build()
    out = {"info": {}, "value": {}, "errors": {}}
    try:
        for name in args["names"]:
            try:
                info = client.get_secret_info(name)
                out["info"][name] = {f: getattr(info, f, None) for f in FIELDS}
            except Exception as e:  # reported to the test, which fails with it
                out["errors"][name] = f"{type(e).__name__}: {e}"
        for name in args.get("text_names", []):
            try:
                out["value"][name] = client.get_secret_value(name)
            except Exception as e:
                out["errors"]["value:" + name] = f"{type(e).__name__}: {e}"
    finally:
        client.close()
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main()
