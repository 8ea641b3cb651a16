#!/usr/bin/env python3
"""moto S3 server for the R2Sync benchmark, plus three bench-only control endpoints.

  moto_bench_server.py -H 127.0.0.1 -p PORT

Behaves like `python3 -m moto.server` (werkzeug logs one line per request to stderr),
and additionally answers, without touching S3 semantics:

  POST /_bench/snapshot?bucket=B&name=X   pickle all object versions of bucket B in memory
  POST /_bench/restore?bucket=B&name=X    replace bucket B's objects by snapshot X
  POST /_bench/empty?bucket=B             drop all objects of bucket B
  GET  /_bench/count?bucket=B             number of keys in bucket B

Snapshots keep the objects exactly as the tool under test wrote them (body, ETag,
user metadata such as rclone's X-Amz-Meta-Mtime, last-modified), so restoring one is
a fair, fast, server-side "reset the bucket to the pre-mutation state".
These requests appear in the request log under /_bench/ and are ignored by the counter.
"""
import argparse, json, os, pickle, signal, sys, threading, time

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from moto.s3.utils import _VersionedKeyStore

ACCOUNT = "123456789012"
_snapshots = {}
_lock = threading.Lock()


def _bucket(name):
    for account_id in list(s3_backends.keys()):
        for partition in ("aws",):
            backend = s3_backends[account_id][partition]
            if name in backend.buckets:
                return backend.buckets[name]
    raise KeyError(f"no bucket {name!r}")


def _control(environ, start_response):
    from urllib.parse import parse_qs
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    action = environ["PATH_INFO"][len("/_bench/"):].strip("/")
    t0 = time.monotonic()
    try:
        with _lock:
            b = _bucket(q["bucket"])
            if action == "snapshot":
                items = [(k, dict.__getitem__(b.keys, k)) for k in dict.keys(b.keys)]
                _snapshots[q["name"]] = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
                result = {"keys": len(items), "bytes": len(_snapshots[q["name"]])}
            elif action == "restore":
                items = pickle.loads(_snapshots[q["name"]])
                old = b.keys
                store = _VersionedKeyStore()
                for k, versions in items:
                    dict.__setitem__(store, k, versions)
                b.keys = store
                for k in list(dict.keys(old)):
                    for v in dict.__getitem__(old, k):
                        try:
                            v.dispose()
                        except Exception:
                            pass
                result = {"keys": len(items)}
            elif action == "empty":
                old = b.keys
                b.keys = _VersionedKeyStore()
                for k in list(dict.keys(old)):
                    for v in dict.__getitem__(old, k):
                        try:
                            v.dispose()
                        except Exception:
                            pass
                result = {"keys": 0}
            elif action == "count":
                result = {"keys": len(dict.keys(b.keys))}
            else:
                raise KeyError(f"unknown action {action!r}")
        result["seconds"] = round(time.monotonic() - t0, 3)
        body, status = json.dumps(result).encode(), "200 OK"
    except Exception as e:  # report, never crash the server
        body, status = json.dumps({"error": repr(e)}).encode(), "400 Bad Request"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=5000)
    a = ap.parse_args()
    os.environ.setdefault("MOTO_PORT", str(a.port))
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_bench/"):
            return _control(environ, start_response)
        return moto_app(environ, start_response)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(a.host, a.port, app, threaded=True)


if __name__ == "__main__":
    main()
