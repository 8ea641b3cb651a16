#!/usr/bin/env python3
"""s3proxy - a recording, fault-injecting HTTP/1.1 relay for S3 tests.

Sits on loopback between an S3 client (AWSSDK .NET, rclone, boto) and an
S3 server (moto).  Stdlib only, Python 3.11+.  See tests/tools/README.md.

    python3 s3proxy.py --upstream http://127.0.0.1:5000 --port 0 \
        --record requests.jsonl --seed 7 --reset-rate 0.1 --slowdown-rate 0.1

Once it accepts connections it prints exactly one line ``LISTENING <port>``
to stdout.  Everything else (startup errors, -v logs, the shutdown
summary) goes to stderr.  SIGTERM / SIGINT shut it down cleanly (exit 0).

Relay rules
-----------
* Request line and request headers are forwarded byte-for-byte (Host and
  all signed headers are untouched).  Bodies are streamed in pieces of at
  most CHUNK bytes, Content-Length and chunked framing are relayed verbatim.
* ``Expect: 100-continue`` is forwarded; the upstream's interim
  ``100 Continue`` is relayed to the client when it arrives.
* Each client connection gets its own upstream connection, opened lazily and
  re-opened whenever the upstream closed it.  moto (werkzeug) answers every
  request with ``Connection: close``; because ``Connection`` is hop-by-hop,
  the proxy drops that header from responses whose body is self-delimited
  and keeps the client connection alive (reconnecting upstream per request).
* Faults are decided per request, in arrival order, by one draw from
  ``random.Random(seed)`` per request; the schedule is therefore a pure
  function of the seed and the request sequence.  A fault never makes data
  silently wrong: it either makes the request visibly fail (connection
  reset, 503 SlowDown) or makes it slow (stall).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import random
import re
import signal
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

CHUNK = 256 * 1024          # max bytes relayed per read
HEAD_LIMIT = 1 << 20        # max request/response head size (and line size)
REQUEST_BODY_TIMEOUT = 60.0  # reading a faulted request body / draining

SLOWDOWN_BODY = (b"<Error><Code>SlowDown</Code>"
                 b"<Message>Please reduce your request rate.</Message></Error>")


class ClientGone(Exception):
    """The client connection failed (EOF / reset mid-message)."""


class UpstreamError(Exception):
    """The upstream connection failed or sent something unparseable."""


class UpstreamClosedEarly(UpstreamError):
    """Upstream closed before sending any byte of a response (stale conn)."""


class Injected(Exception):
    """The client connection was reset on purpose (fault injection)."""


# --------------------------------------------------------------------------
# HTTP/1.1 message helpers
# --------------------------------------------------------------------------

def parse_head(raw: bytes):
    """Split a message head into (start_line, [(name, value)], raw_head).

    Leading empty lines (allowed before a request line) are removed from
    the returned raw head, which is otherwise unchanged.
    """
    while raw.startswith(b"\r\n") or raw.startswith(b"\n"):
        raw = raw[2:] if raw.startswith(b"\r\n") else raw[1:]
    text = raw.decode("latin-1")
    lines = text.split("\r\n")
    start = lines[0]
    headers: list[list[str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:       # obsolete line folding
            headers[-1][1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ValueError(f"bad header line {line!r}")
        headers.append([name, value.strip()])
    return start, [(n, v) for n, v in headers], raw


def header_map(headers) -> dict[str, str]:
    """Lower-cased names; repeated headers joined with ', '."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def tokens(value: str | None) -> set[str]:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def body_framing(hmap: dict[str, str]):
    """('chunked', None) | ('length', n) | ('none', 0) for a request."""
    te = hmap.get("transfer-encoding")
    if te is not None:
        codings = [t.strip().lower() for t in te.split(",") if t.strip()]
        if codings and codings[-1] == "chunked":
            return "chunked", None
        raise ValueError(f"unsupported transfer-encoding {te!r}")
    cl = hmap.get("content-length")
    if cl is not None:
        values = {v.strip() for v in cl.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise ValueError(f"bad content-length {cl!r}")
        n = int(next(iter(values)))
        return ("length", n) if n > 0 else ("none", 0)
    return "none", 0


def response_framing(method: str, status: int, hmap: dict[str, str]):
    if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
        return "none", 0
    te = hmap.get("transfer-encoding")
    if te is not None:
        codings = [t.strip().lower() for t in te.split(",") if t.strip()]
        if codings and codings[-1] == "chunked":
            return "chunked", None
        return "close", None
    cl = hmap.get("content-length")
    if cl is not None:
        values = {v.strip() for v in cl.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise UpstreamError(f"bad content-length {cl!r}")
        n = int(next(iter(values)))
        return ("length", n) if n > 0 else ("none", 0)
    return "close", None


async def iter_body(reader: asyncio.StreamReader, framing: str, length, err):
    """Yield the raw wire bytes of a message body (chunk framing included).

    Any read failure or premature EOF is raised as ``err``.
    """
    try:
        if framing == "length":
            remaining = length
            while remaining > 0:
                data = await reader.read(min(remaining, CHUNK))
                if not data:
                    raise err(f"EOF with {remaining} body bytes missing")
                remaining -= len(data)
                yield data
        elif framing == "chunked":
            while True:
                line = await reader.readuntil(b"\r\n")
                size = int(line.split(b";", 1)[0].strip(), 16)
                yield line
                if size == 0:
                    while True:                      # trailer section
                        trailer = await reader.readuntil(b"\r\n")
                        yield trailer
                        if trailer == b"\r\n":
                            return
                remaining = size + 2                 # data + CRLF
                while remaining > 0:
                    data = await reader.read(min(remaining, CHUNK))
                    if not data:
                        raise err("EOF inside a chunk")
                    remaining -= len(data)
                    yield data
        elif framing == "close":
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    return
                yield data
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ValueError) as e:
        raise err(f"{type(e).__name__}: {e}") from e


async def send(writer: asyncio.StreamWriter, data: bytes, err):
    try:
        writer.write(data)
        await writer.drain()
    except (OSError, RuntimeError) as e:
        raise err(f"{type(e).__name__}: {e}") from e


def abort_with_rst(writer: asyncio.StreamWriter):
    """Close abruptly: SO_LINGER 0 makes the kernel send RST, not FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
    writer.transport.abort()


async def flush_then_reset(writer: asyncio.StreamWriter, before=None):
    """Push everything written so far into the kernel, then RST."""
    with contextlib.suppress(Exception):
        await writer.drain()
        deadline = time.monotonic() + 2.0
        while (writer.transport.get_write_buffer_size() > 0
               and time.monotonic() < deadline
               and not writer.transport.is_closing()):
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.005)   # let loopback deliver before the RST
    if before is not None:
        before()
    abort_with_rst(writer)


def simple_response(status: int, reason: str, body: bytes, close: bool,
                    head_only: bool = False, extra=()) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}",
             f"Date: {email.utils.formatdate(usegmt=True)}",
             "Content-Type: application/xml",
             f"Content-Length: {len(body)}",
             "Server: s3proxy",
             *extra,
             "Connection: close" if close else "Connection: keep-alive"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


# --------------------------------------------------------------------------
# Fault schedule
# --------------------------------------------------------------------------

class FaultPlan:
    """One rng draw per request, in arrival order -> deterministic."""

    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.reset = args.reset_rate
        self.slowdown = args.slowdown_rate
        self.stall = args.stall_rate
        self.methods = ({m.strip().upper() for m in args.fault_methods.split(",")
                         if m.strip()} if args.fault_methods else None)
        self.path_re = re.compile(args.fault_path_regex) if args.fault_path_regex else None
        self.skip = args.fault_skip
        self.max_faults = args.max_faults
        self.seq = 0
        self.injected = 0

    def decide(self, method: str, path: str):
        self.seq += 1
        r = self.rng.random()        # always drawn: keeps the schedule aligned
        if self.seq <= self.skip:
            return None
        if self.methods is not None and method not in self.methods:
            return None
        if self.path_re is not None and not self.path_re.search(path):
            return None
        if self.max_faults is not None and self.injected >= self.max_faults:
            return None
        if r < self.reset:
            kind = "reset"
        elif r < self.reset + self.slowdown:
            kind = "slowdown"
        elif r < self.reset + self.slowdown + self.stall:
            kind = "stall"
        else:
            return None
        self.injected += 1
        return kind


# --------------------------------------------------------------------------
# The proxy
# --------------------------------------------------------------------------

class Request:
    __slots__ = ("raw", "method", "target", "version", "headers", "hmap",
                 "framing", "length", "expect", "client_close")

    def __init__(self, raw: bytes):
        start, headers, raw = parse_head(raw)
        parts = start.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError(f"bad request line {start!r}")
        self.raw = raw
        self.method, self.target, self.version = parts
        self.headers = headers
        self.hmap = header_map(headers)
        self.framing, self.length = body_framing(self.hmap)
        self.expect = self.hmap.get("expect", "").strip().lower() == "100-continue"
        conn = tokens(self.hmap.get("connection"))
        self.client_close = ("close" in conn or
                             (self.version == "HTTP/1.0" and "keep-alive" not in conn))


class Upstream:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def usable(self) -> bool:
        return (self.writer is not None and not self.writer.is_closing()
                and not self.reader.at_eof())

    async def ensure(self) -> bool:
        """Connect if needed; returns True when an existing conn is reused."""
        if self.usable():
            return True
        self.close()
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=HEAD_LIMIT)
        return False

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None


class RespState:
    __slots__ = ("sent_to_client",)

    def __init__(self):
        self.sent_to_client = False


class Proxy:
    def __init__(self, args):
        self.args = args
        u = urlsplit(args.upstream)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("--upstream must look like http://HOST:PORT")
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.plan = FaultPlan(args)
        self.delay = args.delay_ms / 1000.0
        self.record_file = open(args.record, "a", encoding="utf-8") if args.record else None
        self.tasks: set[asyncio.Task] = set()
        self.conn_ids = 0
        self.stats = {"requests": 0, "reset": 0, "reset-request": 0,
                      "slowdown": 0, "stall": 0, "errors": 0}

    # ---- bookkeeping --------------------------------------------------
    def log(self, msg: str):
        if self.args.verbose:
            print(f"s3proxy: {msg}", file=sys.stderr, flush=True)

    def finish(self, rec: dict):
        """Write the record (once).  Called just *before* the last byte of the
        response (or the RST) goes to the client, so a client that has seen
        its response complete/fail can rely on the line being in the file."""
        t0 = rec.pop("_t0", None)
        if t0 is None:
            return
        rec["dur_ms"] = round((time.monotonic() - t0) * 1000, 3)
        self.record(rec)

    def record(self, rec: dict):
        self.stats["requests"] += 1
        if rec["fault"]:
            self.stats[rec["fault"]] += 1
        if rec.get("error"):
            self.stats["errors"] += 1
        if self.record_file is not None:
            self.record_file.write(json.dumps(rec, separators=(",", ":")) + "\n")
            self.record_file.flush()
        self.log(f"#{rec['seq']} {rec['method']} {rec['path']} -> {rec['status']}"
                 f" fault={rec['fault']} err={rec.get('error')}")

    def close(self):
        if self.record_file is not None:
            self.record_file.close()
            self.record_file = None

    # ---- connection loop ------------------------------------------------
    async def handle_client(self, creader: asyncio.StreamReader,
                            cwriter: asyncio.StreamWriter):
        task = asyncio.current_task()
        self.tasks.add(task)
        self.conn_ids += 1
        conn_id = self.conn_ids
        up = Upstream(self.up_host, self.up_port)
        aborted = False
        try:
            while True:
                try:
                    raw = await creader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break                               # client closed
                except asyncio.LimitOverrunError:
                    cwriter.write(simple_response(431, "Request Header Fields Too Large", b"", True))
                    break
                try:
                    req = Request(raw)
                except ValueError as e:
                    self.log(f"conn {conn_id}: bad request: {e}")
                    cwriter.write(simple_response(400, "Bad Request", b"", True))
                    break
                keep, aborted = await self.handle_request(creader, cwriter, up, req, conn_id)
                if not keep:
                    break
        except (OSError, asyncio.CancelledError):
            pass
        except Exception as e:                     # never let a bug kill the server
            print(f"s3proxy: internal error on conn {conn_id}: {e!r}", file=sys.stderr, flush=True)
        finally:
            up.close()
            if not aborted:
                with contextlib.suppress(Exception):
                    cwriter.close()
            self.tasks.discard(task)

    async def handle_request(self, creader, cwriter, up, req: Request, conn_id: int):
        """Returns (keep_client_connection_alive, client_was_aborted)."""
        t0 = time.monotonic()
        fault = self.plan.decide(req.method, req.target)
        if fault == "reset" and self.reset_before_forward(req):
            fault = "reset-request"
        rec = {"ts": round(time.time(), 6), "seq": self.plan.seq, "conn": conn_id,
               "method": req.method, "path": req.target, "status": None,
               "req_headers": header_map(req.headers), "req_bytes": 0,
               "resp_bytes": 0, "fault": fault, "error": None, "dur_ms": None,
               "_t0": t0}
        keep, aborted = False, False
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if fault == "slowdown":
                keep = await self.do_slowdown(creader, cwriter, req, rec)
            elif fault == "reset-request":
                await self.do_reset_request(creader, cwriter, req, rec)
            else:
                keep = await self.forward(creader, cwriter, up, req, rec, fault)
            keep = keep and not req.client_close
        except Injected:
            aborted = True
        except ClientGone as e:
            rec["error"] = f"client: {e}"
            abort_with_rst(cwriter)
            aborted = True
        except asyncio.TimeoutError:
            rec["error"] = "client: timeout"
            abort_with_rst(cwriter)
            aborted = True
        finally:
            self.finish(rec)
        return keep, aborted

    def reset_before_forward(self, req: Request) -> bool:
        """Should a 'reset' fault cut the request instead of the response?

        Large or chunked request bodies are cut part-way through the upload.
        Non-idempotent requests (POST, conditional writes) are never
        forwarded when reset: losing the response of a request that did
        commit would make the client's retry fail (412 / NoSuchUpload).
        """
        if req.method == "POST":
            return True
        if req.method in ("PUT", "DELETE", "PATCH") and (
                "if-none-match" in req.hmap or "if-match" in req.hmap):
            return True
        if req.framing == "chunked":
            return True
        return req.framing == "length" and req.length >= self.args.reset_request_min_bytes

    # ---- faults that never reach upstream --------------------------------
    async def do_slowdown(self, creader, cwriter, req: Request, rec) -> bool:
        close = False
        if req.framing != "none":
            if req.expect:
                close = True        # the client waits for 100; don't read the body
            else:
                async def drain():
                    async with contextlib.aclosing(iter_body(creader, req.framing, req.length, ClientGone)) as it:
                        async for piece in it:
                            rec["req_bytes"] += len(piece)
                await asyncio.wait_for(drain(), REQUEST_BODY_TIMEOUT)
        data = simple_response(503, "Slow Down", SLOWDOWN_BODY, close or req.client_close,
                               head_only=req.method == "HEAD",
                               extra=(f"x-amz-request-id: S3PROXY{rec['seq']:010d}",))
        rec["status"] = 503
        rec["resp_bytes"] = 0 if req.method == "HEAD" else len(SLOWDOWN_BODY)
        self.finish(rec)
        await send(cwriter, data, ClientGone)
        if close:
            with contextlib.suppress(Exception):
                cwriter.write_eof()
                async def discard():
                    while await creader.read(CHUNK):
                        pass
                await asyncio.wait_for(discard(), 2.0)
        return not close

    async def do_reset_request(self, creader, cwriter, req: Request, rec):
        """Read part of the request body (never forwarded), then RST."""
        async def partial_read():
            if req.framing == "none":
                return
            if req.expect:
                await send(cwriter, b"HTTP/1.1 100 Continue\r\n\r\n", ClientGone)
            try:
                if req.framing == "length":
                    remaining = req.length // 2
                else:
                    line = await creader.readuntil(b"\r\n")
                    rec["req_bytes"] += len(line)
                    remaining = int(line.split(b";", 1)[0].strip(), 16) // 2
                while remaining > 0:
                    data = await creader.read(min(remaining, CHUNK))
                    if not data:
                        raise ClientGone("EOF in request body")
                    remaining -= len(data)
                    rec["req_bytes"] += len(data)
            except (OSError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError) as e:
                raise ClientGone(f"{type(e).__name__}: {e}") from e
        await asyncio.wait_for(partial_read(), REQUEST_BODY_TIMEOUT)
        await flush_then_reset(cwriter, lambda: self.finish(rec))
        raise Injected()

    async def bad_gateway(self, cwriter, rec, why: str) -> bool:
        rec["status"] = 502
        rec["error"] = f"upstream: {why}"
        body = (b"<Error><Code>BadGateway</Code><Message>s3proxy: upstream failed: "
                + why.encode("utf-8", "replace").replace(b"<", b"(").replace(b"&", b"+")
                + b"</Message></Error>")
        rec["resp_bytes"] = len(body)
        self.finish(rec)
        with contextlib.suppress(ClientGone):
            await send(cwriter, simple_response(502, "Bad Gateway", body, True), ClientGone)
        return False

    # ---- relaying --------------------------------------------------------
    async def pump_request_body(self, creader, upwriter, req: Request, rec):
        async with contextlib.aclosing(iter_body(creader, req.framing, req.length, ClientGone)) as it:
            async for piece in it:
                rec["req_bytes"] += len(piece)
                await send(upwriter, piece, UpstreamError)

    async def forward(self, creader, cwriter, up: Upstream, req: Request, rec, fault) -> bool:
        """Relay one exchange. Returns True if the client conn may be reused."""
        st = RespState()
        for attempt in range(2):
            try:
                reused = await up.ensure()
            except OSError as e:
                return await self.bad_gateway(cwriter, rec, f"connect: {e}")
            try:
                await send(up.writer, req.raw, UpstreamError)
            except UpstreamError as e:
                up.close()
                if reused and attempt == 0:
                    continue
                return await self.bad_gateway(cwriter, rec, str(e))

            pump = (asyncio.create_task(self.pump_request_body(creader, up.writer, req, rec))
                    if req.framing != "none" else None)
            resp = asyncio.create_task(self.relay_response(cwriter, up, req, rec, fault, st))
            try:
                if pump is not None:
                    await asyncio.wait({pump, resp}, return_when=asyncio.FIRST_COMPLETED)
                    if (pump.done() and not pump.cancelled()
                            and isinstance(pump.exception(), ClientGone)):
                        raise pump.exception()
                    # an upstream write failure may still come with a response
                upstream_close, client_ok = await resp
            except UpstreamClosedEarly as e:
                await self._cancel(pump, resp)
                up.close()
                if (reused and attempt == 0 and rec["req_bytes"] == 0
                        and not st.sent_to_client):
                    continue                        # stale keep-alive conn: retry
                if not st.sent_to_client:
                    return await self.bad_gateway(cwriter, rec, str(e))
                rec["error"] = f"upstream: {e}"
                self.finish(rec)
                abort_with_rst(cwriter)
                raise Injected() from e
            except UpstreamError as e:
                await self._cancel(pump, resp)
                up.close()
                if not st.sent_to_client:
                    return await self.bad_gateway(cwriter, rec, str(e))
                rec["error"] = f"upstream: {e}"
                self.finish(rec)
                abort_with_rst(cwriter)         # client must not see a short body as complete
                raise Injected() from e
            except BaseException:
                await self._cancel(pump, resp)
                up.close()
                raise

            body_complete = True
            if pump is not None:
                if not pump.done():
                    await asyncio.wait({pump}, timeout=0.2)
                if not pump.done() or pump.cancelled() or pump.exception() is not None:
                    body_complete = False   # answered before the whole body was sent
                    await self._cancel(pump)
            if upstream_close or not body_complete:
                up.close()
            return client_ok and body_complete
        return await self.bad_gateway(cwriter, rec, "upstream closed the connection twice")

    @staticmethod
    async def _cancel(*tasks):
        live = [t for t in tasks if t is not None and not t.done()]
        for t in live:
            t.cancel()
        for t in tasks:
            if t is not None:
                with contextlib.suppress(BaseException):
                    await t

    async def relay_response(self, cwriter, up: Upstream, req: Request, rec, fault, st: RespState):
        """Relay interim + final response. Returns (upstream_close, client_ok)."""
        while True:
            try:
                raw = await up.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as e:
                if not e.partial:
                    raise UpstreamClosedEarly("connection closed before the response") from e
                raise UpstreamError("EOF inside the response head") from e
            except (OSError, asyncio.LimitOverrunError) as e:
                raise UpstreamError(f"{type(e).__name__}: {e}") from e
            try:
                start, headers, raw = parse_head(raw)
                version, code, *_ = start.split(" ", 2)
                status = int(code)
                if not version.startswith("HTTP/1."):
                    raise ValueError(start)
            except ValueError as e:
                raise UpstreamError(f"bad response head: {e}") from e
            if 100 <= status < 200:
                if status == 101:
                    raise UpstreamError("101 Switching Protocols is not supported")
                st.sent_to_client = True
                await send(cwriter, raw, ClientGone)     # e.g. 100 Continue
                continue
            break

        hmap = header_map(headers)
        framing, length = response_framing(req.method, status, hmap)
        conn_tokens = tokens(hmap.get("connection"))
        upstream_close = (framing == "close" or "close" in conn_tokens
                          or (version == "HTTP/1.0" and "keep-alive" not in conn_tokens))
        client_ok = not req.client_close and framing != "close" and version != "HTTP/1.0"
        if client_ok and "close" in conn_tokens:
            # Connection is hop-by-hop: keep the client conn alive even though
            # the upstream closes its side after this response.
            kept = [raw.split(b"\r\n")[0]] + [
                line for line in raw.split(b"\r\n")[1:]
                if line and not line.lower().startswith(b"connection:")]
            raw = b"\r\n".join(kept) + b"\r\n\r\n"

        if fault == "stall":
            await asyncio.sleep(self.args.stall_seconds)

        if fault == "reset":
            await self._reset_response(cwriter, up, raw, status, framing, length, rec, st)

        rec["status"] = status
        # Always hold back one piece, so the record can be written just
        # before the final bytes are sent (see finish()).
        held = raw
        async with contextlib.aclosing(iter_body(up.reader, framing, length, UpstreamError)) as it:
            async for piece in it:
                st.sent_to_client = True
                await send(cwriter, held, ClientGone)
                rec["resp_bytes"] += len(piece)
                held = piece
        st.sent_to_client = True
        self.finish(rec)
        await send(cwriter, held, ClientGone)
        return upstream_close, client_ok

    async def _reset_response(self, cwriter, up, raw, status, framing, length, rec, st):
        """Relay the head and about half of the body, then RST the client.

        Responses without a body (or delimited by connection close, where a
        short body could pass as complete) are reset before the status line.
        """
        if framing in ("length", "chunked"):
            rec["status"] = status
            st.sent_to_client = True
            await send(cwriter, raw, ClientGone)
            try:
                if framing == "length":
                    remaining = length // 2
                else:
                    line = await up.reader.readuntil(b"\r\n")
                    await send(cwriter, line, ClientGone)
                    rec["resp_bytes"] += len(line)
                    remaining = int(line.split(b";", 1)[0].strip(), 16) // 2
                while remaining > 0:
                    data = await up.reader.read(min(remaining, CHUNK))
                    if not data:
                        break
                    remaining -= len(data)
                    rec["resp_bytes"] += len(data)
                    await send(cwriter, data, ClientGone)
            except (OSError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError):
                pass
        up.close()
        await flush_then_reset(cwriter, lambda: self.finish(rec))
        raise Injected()


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="s3proxy",
        description="Recording, fault-injecting HTTP/1.1 relay between an S3 client and moto.")
    p.add_argument("--upstream", required=True, help="upstream base URL, e.g. http://127.0.0.1:5000")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="listen port; 0 = pick a free one (default)")
    p.add_argument("--record", metavar="FILE", help="append one JSON line per request to FILE")
    p.add_argument("--seed", type=int, default=0, help="fault schedule seed (default 0)")
    p.add_argument("--reset-rate", type=float, default=0.0, help="probability of a connection-reset fault")
    p.add_argument("--slowdown-rate", type=float, default=0.0, help="probability of a 503 SlowDown fault")
    p.add_argument("--stall-rate", type=float, default=0.0, help="probability of a stall fault")
    p.add_argument("--stall-seconds", type=float, default=5.0, help="stall duration (default 5)")
    p.add_argument("--fault-methods", metavar="M1,M2", help="only fault these methods (e.g. GET,PUT)")
    p.add_argument("--fault-path-regex", metavar="RE", help="only fault requests whose raw path+query matches RE")
    p.add_argument("--fault-skip", type=int, default=0, metavar="N", help="never fault the first N requests")
    p.add_argument("--max-faults", type=int, default=None, metavar="N", help="cap on injected faults")
    p.add_argument("--reset-request-min-bytes", type=int, default=64 * 1024, metavar="N",
                   help="request bodies of at least N bytes (or chunked) are reset mid-upload "
                        "instead of mid-response (default 65536)")
    p.add_argument("--delay-ms", type=float, default=0.0, help="added before forwarding each request")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = p.parse_args(argv)
    rates = (args.reset_rate, args.slowdown_rate, args.stall_rate)
    if any(r < 0 or r > 1 for r in rates) or sum(rates) > 1.0 + 1e-9:
        p.error("fault rates must be in [0,1] and sum to at most 1")
    if args.delay_ms < 0 or args.stall_seconds < 0:
        p.error("--delay-ms / --stall-seconds must be >= 0")
    return args


async def amain(args) -> int:
    proxy = Proxy(args)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):      # Windows event loops
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    server = await asyncio.start_server(proxy.handle_client, args.host, args.port,
                                        limit=HEAD_LIMIT, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"LISTENING {port}\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        server.close()
        for t in list(proxy.tasks):
            t.cancel()
        if proxy.tasks:
            await asyncio.wait(list(proxy.tasks), timeout=5)
        proxy.close()
        print("s3proxy: stopped; " + ", ".join(f"{k}={v}" for k, v in proxy.stats.items()),
              file=sys.stderr, flush=True)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(amain(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
