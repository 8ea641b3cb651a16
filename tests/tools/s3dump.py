#!/usr/bin/env python3
"""Independent reader of a test bucket: downloads every object under a prefix into a folder with boto3
(which ships with moto), so tests check R2Sync's uploads with a client that is not R2Sync.

  s3dump.py --endpoint URL --bucket B [--prefix P] --dest DIR      # files at DIR/<key minus prefix>
  s3dump.py --endpoint URL --bucket B [--prefix P] --list          # JSON: {key: {size, etag, metadata}}
  s3dump.py --endpoint URL --bucket B --put KEY --file F [--meta k=v ...]   # write an object (a "foreign" writer)
  s3dump.py --endpoint URL --bucket B --put KEY --file F --multipart-mb 5   # multipart, no md5chksum (like other tools)
"""
import argparse, json, os, sys
import boto3
from boto3.s3.transfer import TransferConfig


def client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--dest")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--put")
    ap.add_argument("--file")
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("--multipart-mb", type=int, default=0)
    a = ap.parse_args()
    s3 = client(a.endpoint)
    if a.put:
        meta = dict(kv.split("=", 1) for kv in a.meta)
        if a.multipart_mb:
            cfg = TransferConfig(multipart_threshold=a.multipart_mb * 1024 * 1024, multipart_chunksize=a.multipart_mb * 1024 * 1024)
            s3.upload_file(a.file, a.bucket, a.put, ExtraArgs={"Metadata": meta} if meta else None, Config=cfg)
        else:
            with open(a.file, "rb") as f:
                s3.put_object(Bucket=a.bucket, Key=a.put, Body=f.read(), Metadata=meta)
        return 0
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=a.bucket, Prefix=a.prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = {"size": o["Size"], "etag": o["ETag"].strip('"')}
    if a.list:
        for k in out:
            out[k]["metadata"] = s3.head_object(Bucket=a.bucket, Key=k).get("Metadata", {})
        json.dump(out, sys.stdout)
        return 0
    if a.dest:
        for k in out:
            rel = k[len(a.prefix):]
            p = os.path.join(a.dest, *rel.split("/"))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            s3.download_file(a.bucket, k, p)
        print(len(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
