#!/usr/bin/env python3
"""Self-tests for s3proxy.py against a real moto server.

    python3 tests/tools/test_s3proxy.py [-v]

Starts its own moto server and proxy processes on free ports (with
sys.executable, so a pyenv shim does not get in the way) and kills them by
PID.  Needs the boto3 that ships with moto; otherwise stdlib only.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import hashlib
import http.client
import http.server
import io
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "s3proxy.py")
MiB = 1024 * 1024

import boto3                                   # noqa: E402  (ships with moto)
import botocore.retryhandler                   # noqa: E402
from boto3.s3.transfer import TransferConfig   # noqa: E402
from botocore.config import Config             # noqa: E402
from botocore.exceptions import ClientError    # noqa: E402

# botocore's legacy retry mode sleeps rand()*2^(n-1) s between attempts; keep
# the retry logic but shrink the back-off so the fault tests stay fast.
_orig_delay = botocore.retryhandler.delay_exponential
botocore.retryhandler.delay_exponential = lambda base, growth_factor, attempts: 0.01 * attempts

SEQUENTIAL = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                            use_threads=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kill(proc: subprocess.Popen | None):
    """Kill one process we started, by its PID."""
    if proc is None:
        return
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()


def start_moto(logdir: str):
    port = free_port()
    log = open(os.path.join(logdir, f"moto-{port}.log"), "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                kill(proc)
                raise RuntimeError(f"moto did not start on port {port}")
            time.sleep(0.1)


def start_proxy(upstream_port: int, logdir: str, *extra: str):
    errlog = open(os.path.join(logdir, f"proxy-{time.monotonic_ns()}.err"), "wb")
    proc = subprocess.Popen([sys.executable, PROXY, "--upstream", f"http://127.0.0.1:{upstream_port}",
                             "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=errlog, stdin=subprocess.DEVNULL)
    errlog.close()
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith("LISTENING "):
        kill(proc)
        raise RuntimeError(f"proxy did not start: {line!r}")
    return proc, int(line.split()[1])


def s3client(port: int, attempts: int = 10, pool: int = 10, read_timeout: float = 20):
    return boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": attempts, "mode": "legacy"},
                      s3={"addressing_style": "path"}, max_pool_connections=pool,
                      connect_timeout=5, read_timeout=read_timeout))


def read_records(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f]
    return sorted(recs, key=lambda r: r["seq"])


def classify(rec: dict) -> str:
    """Request kind as tests see it: LIST, GET, HEAD, PUT, PART, POST, DELETE, ..."""
    path, _, query = rec["path"].partition("?")
    keyed = path.strip("/").count("/") >= 1
    m = rec["method"]
    if m == "GET":
        return "GET" if keyed else "LIST"
    if m == "PUT":
        return "PART" if "uploadId=" in query else ("PUT" if keyed else "PUT-BUCKET")
    return m


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def download(s3, bucket: str, key: str) -> bytes:
    buf = io.BytesIO()
    s3.download_fileobj(bucket, key, buf, Config=SEQUENTIAL)
    return buf.getvalue()


class ProxyTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="s3proxy-test-")
        cls.moto, cls.moto_port = start_moto(cls.tmp)
        cls.direct = s3client(cls.moto_port)

    @classmethod
    def tearDownClass(cls):
        kill(cls.moto)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.procs: list[subprocess.Popen] = []

    def tearDown(self):
        for p in self.procs:
            kill(p)

    def proxy(self, *extra, upstream=None):
        proc, port = start_proxy(upstream or self.moto_port, self.tmp, *extra)
        self.procs.append(proc)
        return proc, port

    def record_path(self, name):
        return os.path.join(self.tmp, f"{name}-{time.monotonic_ns()}.jsonl")


class RoundTrip(ProxyTestBase):
    def test_roundtrip_and_recording(self):
        rec_file = self.record_path("rt")
        _, port = self.proxy("--record", rec_file)
        s3 = s3client(port)
        bucket = "rt-bucket"
        s3.create_bucket(Bucket=bucket)

        rng = random.Random(1)
        objects = {f"dir{i % 7}/obj-{i:03d}.bin": rng.randbytes(rng.randint(0, 3000)) for i in range(200)}
        conditional = set()
        for i, (key, data) in enumerate(objects.items()):
            kw = {"ContentMD5": md5_b64(data)}
            if i % 10 == 0:
                kw["IfNoneMatch"] = "*"
                conditional.add(key)
            s3.put_object(Bucket=bucket, Key=key, Body=data, **kw)
        with self.assertRaises(ClientError) as cm:        # conditional write really reached moto
            s3.put_object(Bucket=bucket, Key="dir0/obj-000.bin", Body=b"x", IfNoneMatch="*")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)

        big = rng.randbytes(12 * MiB)
        s3.upload_fileobj(io.BytesIO(big), bucket, "big.bin", Config=SEQUENTIAL)

        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 50}):
            keys += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(sorted(keys), sorted([*objects, "big.bin"]))

        for key, data in objects.items():
            self.assertEqual(s3.get_object(Bucket=bucket, Key=key)["Body"].read(), data, key)
        for key in list(objects)[:20]:
            self.assertEqual(s3.head_object(Bucket=bucket, Key=key)["ContentLength"], len(objects[key]))
        self.assertEqual(s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"], len(big))
        self.assertEqual(hashlib.sha256(download(s3, bucket, "big.bin")).hexdigest(),
                         hashlib.sha256(big).hexdigest())
        # byte-identical via moto directly as well (what was stored is what was sent)
        self.assertEqual(self.direct.get_object(Bucket=bucket, Key="big.bin")["Body"].read(), big)

        keys = list(objects)
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:150]]})
        for key in keys[150:] + ["big.bin"]:
            s3.delete_object(Bucket=bucket, Key=key)
        self.assertEqual(s3.list_objects_v2(Bucket=bucket).get("KeyCount"), 0)

        recs = read_records(rec_file)
        for r in recs:
            self.assertTrue(set(r) >= {"ts", "method", "path", "status", "req_headers",
                                        "req_bytes", "resp_bytes", "fault"})
            self.assertIsNone(r["fault"])
            self.assertIsNone(r["error"])
            self.assertIsInstance(r["status"], int)
            self.assertEqual(r["req_headers"]["host"], f"127.0.0.1:{port}")
            self.assertTrue(all(k == k.lower() for k in r["req_headers"]))
        kinds = collections.Counter(classify(r) for r in recs)
        self.assertEqual(kinds["PUT-BUCKET"], 1)
        self.assertEqual(kinds["PUT"], 201)                  # 200 + the rejected conditional one
        self.assertEqual(kinds["PART"], 3)                   # 12 MiB in 5 MiB parts
        self.assertEqual(kinds["POST"], 3)                   # create + complete MPU, DeleteObjects
        self.assertEqual(kinds["LIST"], 5 + 1)               # 201 keys / 50 per page + final check
        self.assertEqual(kinds["DELETE"], 51)
        self.assertEqual(kinds["HEAD"], 21 + 1)              # + the one download_fileobj does
        self.assertEqual(kinds["GET"], 200 + 3)              # small gets + 3 ranged gets of big.bin
        puts = [r for r in recs if classify(r) == "PUT"]
        for r in puts[:200]:
            key = r["path"].split("/", 2)[2]
            self.assertEqual(r["req_headers"]["content-md5"], md5_b64(objects[key]))
            self.assertEqual(r["req_bytes"], len(objects[key]))
            self.assertEqual(r["status"], 200)
            self.assertEqual(r["req_headers"].get("if-none-match") == "*", key in conditional)
        self.assertEqual(puts[200]["status"], 412)
        self.assertEqual(sum(r["req_bytes"] for r in recs if classify(r) == "PART"), len(big))
        gets = [r for r in recs if classify(r) == "GET"]
        self.assertEqual(sum(r["resp_bytes"] for r in gets),
                         sum(map(len, objects.values())) + len(big))
        # moto closes every connection; the proxy keeps the client side alive
        self.assertLess(len({r["conn"] for r in recs}), 10)

    def test_concurrent_clients(self):
        rec_file = self.record_path("conc")
        _, port = self.proxy("--record", rec_file)
        s3 = s3client(port, pool=32)
        s3.create_bucket(Bucket="conc-bucket")
        blobs = {f"k{i}": os.urandom(1000 + i * 997) for i in range(96)}

        def work(key):
            s3.put_object(Bucket="conc-bucket", Key=key, Body=blobs[key])
            return s3.get_object(Bucket="conc-bucket", Key=key)["Body"].read() == blobs[key]

        with concurrent.futures.ThreadPoolExecutor(32) as ex:
            self.assertTrue(all(ex.map(work, blobs)))
        recs = read_records(rec_file)
        self.assertEqual(len(recs), 1 + 2 * len(blobs))
        self.assertGreater(len({r["conn"] for r in recs}), 4)     # really concurrent


class Expect100AndChunked(ProxyTestBase):
    def test_curl_expect_100_continue_and_chunked_upload(self):
        rec_file = self.record_path("curl")
        _, port = self.proxy("--record", rec_file)
        self.direct.create_bucket(Bucket="curl-bucket")
        data = os.urandom(3 * MiB + 17)
        path = os.path.join(self.tmp, "upload.bin")
        with open(path, "wb") as f:
            f.write(data)
        t0 = time.monotonic()
        # --expect100-timeout 20: if the 100 were not relayed, curl would hang 20 s
        cp = subprocess.run(["curl", "-sS", "-v", "-T", path, "-H", "Expect: 100-continue",
                             "--expect100-timeout", "20", "-o", "/dev/null", "-w", "%{http_code}",
                             f"http://127.0.0.1:{port}/curl-bucket/via-curl"],
                            capture_output=True, text=True, timeout=30)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(cp.stdout, "200", cp.stderr)
        self.assertIn("HTTP/1.1 100 Continue", cp.stderr)
        self.assertEqual(self.direct.get_object(Bucket="curl-bucket", Key="via-curl")["Body"].read(), data)

        # curl -T - streams stdin with Transfer-Encoding: chunked
        cp = subprocess.run(["curl", "-sS", "-T", "-", "-o", "/dev/null", "-w", "%{http_code}",
                             f"http://127.0.0.1:{port}/curl-bucket/via-chunked"],
                            input=data, capture_output=True, timeout=30)
        self.assertEqual(cp.stdout, b"200", cp.stderr)
        self.assertEqual(self.direct.get_object(Bucket="curl-bucket", Key="via-chunked")["Body"].read(), data)

        recs = read_records(rec_file)
        self.assertEqual(recs[0]["req_headers"]["expect"], "100-continue")
        self.assertEqual(recs[0]["req_bytes"], len(data))
        self.assertEqual(recs[1]["req_headers"]["transfer-encoding"], "chunked")
        self.assertGreater(recs[1]["req_bytes"], len(data))       # wire bytes incl. chunk framing


class Faults(ProxyTestBase):
    FAULT_ARGS = ("--seed", "7", "--reset-rate", "0.1", "--slowdown-rate", "0.1")

    def workload(self, port, bucket, n=40, big=True):
        """Sequential workload; returns the data it verified."""
        s3 = s3client(port)
        s3.create_bucket(Bucket=bucket)
        rng = random.Random(5)
        objects = {f"o{i:03d}": rng.randbytes(rng.randint(1, 200_000)) for i in range(n)}
        for key, data in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=data, ContentMD5=md5_b64(data))
        if big:
            objects["big"] = rng.randbytes(12 * MiB)
            s3.upload_fileobj(io.BytesIO(objects["big"]), bucket, "big", Config=SEQUENTIAL)
        listed = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": 10}) for o in p.get("Contents", [])]
        self.assertEqual(sorted(listed), sorted(objects))
        for key, data in objects.items():
            self.assertEqual(download(s3, bucket, key), data, key)
        for key in objects:
            s3.delete_object(Bucket=bucket, Key=key)
        self.assertEqual(s3.list_objects_v2(Bucket=bucket).get("KeyCount"), 0)
        return objects

    def test_faults_are_survived_by_retries(self):
        rec_file = self.record_path("faults")
        _, port = self.proxy("--record", rec_file, *self.FAULT_ARGS)
        objects = self.workload(port, "fault-bucket")
        # the data moto holds was byte-identical (checked in workload); now the recording
        recs = read_records(rec_file)
        faults = collections.Counter(r["fault"] for r in recs if r["fault"])
        if os.environ.get("S3PROXY_TEST_DEBUG"):
            print(f"\n{len(recs)} requests, faults: {dict(faults)}", file=sys.stderr)
        self.assertGreater(faults["reset"], 0, faults)
        self.assertGreater(faults["slowdown"], 0, faults)
        self.assertGreater(faults["reset-request"], 0, faults)
        total = sum(faults.values())
        self.assertTrue(0.1 * len(recs) < total < 0.35 * len(recs), (total, len(recs)))
        for r in recs:
            if r["fault"] == "slowdown":
                self.assertEqual(r["status"], 503)
            elif r["fault"] == "reset-request":
                self.assertIsNone(r["status"])
                self.assertTrue(r["method"] == "POST" or r["req_bytes"] < int(
                    r["req_headers"].get("content-length", 1 << 62)))
            elif r["fault"] == "reset" and classify(r) == "GET" and r["status"] in (200, 206):
                # the client saw headers and an incomplete body
                self.assertLess(r["resp_bytes"], len(objects[r["path"].split("/")[2]]))
        # every successful PUT carried the md5 the client computed
        for r in recs:
            if classify(r) == "PUT" and r["status"] == 200:
                self.assertIn("content-md5", r["req_headers"])

    def fault_sequence(self, seed, bucket):
        rec_file = self.record_path(f"det{seed}")
        proc, port = self.proxy("--record", rec_file, "--seed", str(seed),
                                "--reset-rate", "0.1", "--slowdown-rate", "0.1", "--stall-rate", "0.05",
                                "--stall-seconds", "0.05")
        self.workload(port, bucket, n=25, big=False)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0)
        return [(r["seq"], classify(r), r["fault"]) for r in read_records(rec_file)]

    def test_same_seed_same_fault_sequence(self):
        a = self.fault_sequence(7, "det-a")
        b = self.fault_sequence(7, "det-b")
        c = self.fault_sequence(8, "det-c")
        self.assertTrue(any(f for _, _, f in a))
        self.assertEqual(a, b)
        self.assertNotEqual([f for *_, f in a], [f for *_, f in c])

    def test_slowdown_stall_delay_filters_and_cap(self):
        rec_file = self.record_path("misc")
        _, port = self.proxy("--record", rec_file, "--slowdown-rate", "1", "--fault-methods", "PUT",
                             "--max-faults", "3", "--delay-ms", "50")
        self.direct.create_bucket(Bucket="misc-bucket")
        s3 = s3client(port, attempts=0)
        with self.assertRaises(ClientError) as cm:
            s3.put_object(Bucket="misc-bucket", Key="a", Body=b"abc")
        self.assertEqual(cm.exception.response["Error"]["Code"], "SlowDown")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 503)
        t0 = time.monotonic()
        s3.list_objects_v2(Bucket="misc-bucket")               # GET: not in --fault-methods
        self.assertGreaterEqual(time.monotonic() - t0, 0.05)   # --delay-ms

        # raw keep-alive connection: slowdown drains a plain body, then keeps the connection
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("PUT", "/misc-bucket/b", body=b"x" * 100_000)
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (503,
                         b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"))
        self.assertFalse(resp.will_close)
        sock = conn.sock
        # with Expect: 100-continue the body is never read: 503 + Connection: close
        conn.putrequest("PUT", "/misc-bucket/c")
        conn.putheader("Content-Length", "5")
        conn.putheader("Expect", "100-continue")
        conn.endheaders()
        self.assertIs(conn.sock, sock)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 503)
        self.assertTrue(resp.will_close)
        resp.read()
        conn.close()
        # cap reached: PUT now goes through
        s3.put_object(Bucket="misc-bucket", Key="d", Body=b"abc")
        recs = read_records(rec_file)
        self.assertEqual([r["fault"] for r in recs], ["slowdown", None, "slowdown", "slowdown", None])
        self.assertEqual(recs[2]["req_bytes"], 100_000)

        # stall: held for --stall-seconds, only HEAD, at most 2
        rec_file = self.record_path("stall")
        _, port = self.proxy("--record", rec_file, "--stall-rate", "1", "--stall-seconds", "0.5",
                             "--fault-methods", "HEAD", "--max-faults", "2")
        s3 = s3client(port, attempts=0)
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            s3.head_bucket(Bucket="misc-bucket")
            times.append(time.monotonic() - t0)
        self.assertGreaterEqual(min(times[:2]), 0.5)
        self.assertLess(times[2], 0.4)
        self.assertEqual([r["fault"] for r in read_records(rec_file)], ["stall", "stall", None])

    def test_reset_is_a_real_connection_reset(self):
        _, port = self.proxy("--reset-rate", "1", "--max-faults", "1")
        self.direct.create_bucket(Bucket="rst-bucket")
        self.direct.put_object(Bucket="rst-bucket", Key="k", Body=b"z" * 50_000, ACL="public-read")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/rst-bucket/k")
        with self.assertRaises((ConnectionResetError, http.client.IncompleteRead)):
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/rst-bucket/k")
        self.assertEqual(len(conn.getresponse().read()), 50_000)
        conn.close()


class EdgeUpstream(http.server.BaseHTTPRequestHandler):
    """Tiny in-process upstream for framings moto does not produce."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nx-trailer: yes\r\n\r\n")
        elif self.path == "/until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body delimited by close")
            self.close_connection = True
        elif self.path == "/204":
            self.send_response(204)
            self.end_headers()
        else:                                   # /len: answer and close (like werkzeug)
            body = b"fixed length body"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.close_connection = True

    do_HEAD = do_GET

    def do_PUT(self):                           # echo the raw chunked wire bytes back
        raw = b""
        while True:
            line = self.rfile.readline()
            raw += line
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while True:
                    t = self.rfile.readline()
                    raw += t
                    if t == b"\r\n":
                        break
                break
            raw += self.rfile.read(size + 2)
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class Framing(ProxyTestBase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="s3proxy-test-")
        cls.moto = None
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EdgeUpstream)
        cls.server.daemon_threads = True
        cls.moto_port = cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_response_framings_and_upstream_reconnect(self):
        rec_file = self.record_path("framing")
        _, port = self.proxy("--record", rec_file)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/len")
        resp = conn.getresponse()
        self.assertEqual(resp.read(), b"fixed length body")
        self.assertIsNone(resp.getheader("Connection"))     # hop-by-hop close dropped
        sock = conn.sock
        for _ in range(3):                                  # upstream reconnects each time
            conn.request("GET", "/len")
            self.assertEqual(conn.getresponse().read(), b"fixed length body")
        conn.request("HEAD", "/len")
        resp = conn.getresponse()
        self.assertEqual((resp.getheader("Content-Length"), resp.read()), ("17", b""))
        conn.request("GET", "/204")
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (204, b""))
        conn.request("GET", "/chunked")
        self.assertEqual(conn.getresponse().read(), b"hello chunked world")
        wire = b"3;a=b\r\nabc\r\n10\r\n" + b"0123456789abcdef" + b"\r\n0\r\nx-sum: 1\r\n\r\n"
        conn.putrequest("PUT", "/echo")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders(wire)
        self.assertEqual(conn.getresponse().read(), wire)   # chunk framing relayed verbatim
        self.assertIs(conn.sock, sock)                      # one client connection throughout
        conn.request("GET", "/until-close")
        resp = conn.getresponse()
        self.assertEqual(resp.read(), b"body delimited by close")
        self.assertTrue(resp.will_close)
        conn.close()
        recs = read_records(rec_file)
        self.assertEqual(len({r["conn"] for r in recs}), 1)
        self.assertEqual([r["status"] for r in recs], [200] * 5 + [204, 200, 200, 200])

    def test_upstream_down_gives_502(self):
        _, port = self.proxy(upstream=free_port())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/x")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 502)
        self.assertIn(b"BadGateway", resp.read())

    def test_sigterm_and_sigint_exit_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            proc, port = self.proxy()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/len")
            conn.getresponse().read()
            conn.request("GET", "/len")                     # keep an idle conn open too
            conn.getresponse().read()
            proc.send_signal(sig)
            self.assertEqual(proc.wait(10), 0)
            self.assertEqual(proc.stdout.read(), b"")       # only the LISTENING line
            conn.close()


if __name__ == "__main__":
    unittest.main()
