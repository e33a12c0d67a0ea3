#!/usr/bin/env python3
"""A reverse proxy in front of a test registry: OCI tag-list paging, injected faults, and a
request log. Stdlib only; binds 127.0.0.1; plain HTTP on both sides.

Paging. Distribution 2.8 (Debian `docker-registry`) ignores `?n=&last=` on
/v2/<name>/tags/list and sends no `Link` header, yet real registries page. So on a GET of a
tag list that the upstream answered 200, the proxy sorts the tags, keeps those after `last`,
cuts to `n` (default --default-n; 0 = no limit; never more than --max-n when that is set)
and, when tags remain, adds  Link: </v2/<name>/tags/list?n=N&last=T>; rel="next".
Every other request passes through unchanged (Host and Authorization included, so auth
challenges and upload Locations still work).

Faults. A queue, replaced at runtime by POSTing a JSON list to /_proxy/faults:
  [{"match": "/tags/list", "method": "GET", "kind": "429", "times": 2, "retry_after": "1"},
   {"match": "/manifests/", "kind": "reset"},
   {"kind": "delay", "delay": 0.5}]
  match        regex searched in the request's path+query ("" or absent: every request)
  method       only requests with this method (absent: any)
  kind         an HTTP status ("429", "500", "503", ...: answered here with an OCI error
               body and, with retry_after, a Retry-After header); "reset" (the connection
               is closed with no response, abortively: the client sees a TCP RST);
               "truncate" (the upstream's status and headers, its true Content-Length, then
               half the body and a close; on an empty body there is nothing to cut);
               "delay" (wait `delay` seconds, then pass through)
  times        how many matching requests it fires on (default 1); then it is spent
A request fires the first unspent fault that matches it; requests that match none pass
through. GET /_proxy/faults shows what is left; DELETE /_proxy/faults clears the queue.

Request log. GET /_proxy/stats answers
  {"total": N, "in_flight": I, "max_in_flight": M,
   "requests": [{"method": "GET", "path": "/v2/a/tags/list?n=2", "status": 200,
    "fault": null | "429" | "reset" | ..., "authorization": true, "accept": "..."}]}
(status null when no response was sent). Whether an Authorization header was present is
recorded, never its value.

in_flight is how many requests the proxy holds now (not yet in the log); max_in_flight
the most it held at once. A request counts from when its head has been read until its
answer is decided and it is logged, just before the first byte of the response (or the
reset) goes out; a delay fault's wait is inside. That window lies within the client's own
wait for the answer, so a client that never has more than C requests outstanding never
makes max_in_flight exceed C (unless it gave up on a request, a timeout, which the proxy
still holds): it is how tests check a concurrency cap. DELETE /_proxy/stats clears the
log and restarts max_in_flight from the requests in flight now. Paths under /_proxy/ are
the control endpoints: never forwarded, never logged, never counted.

usage: proxy.py --upstream 127.0.0.1:5000 [--port 0] [--default-n 0] [--max-n 0] [-v]
           [--remove-if-orphaned DIR]
Prints {"addr": "127.0.0.1:PORT", "url": "http://127.0.0.1:PORT"} on stdout when listening.
Exits when its parent dies or its stdin pipe closes (see lifeline.py).
"""

import argparse
import http.client
import json
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import lifeline

HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}
OWN = {"content-length", "date", "server"}  # headers this proxy writes itself
ERROR_CODES = {401: "UNAUTHORIZED", 403: "DENIED", 404: "NOT_FOUND", 429: "TOOMANYREQUESTS", 503: "UNAVAILABLE"}


def parse_faults(items):
    """Validate a fault list; raise ValueError with a message for the caller."""
    if not isinstance(items, list):
        raise ValueError("want a JSON list of faults")
    faults = []
    for i, f in enumerate(items):
        if not isinstance(f, dict):
            raise ValueError(f"fault {i}: want an object")
        unknown = set(f) - {"match", "method", "kind", "times", "retry_after", "delay"}
        if unknown:
            raise ValueError(f"fault {i}: unknown fields {sorted(unknown)}")
        kind = str(f.get("kind", ""))
        if kind not in ("reset", "truncate", "delay") and not (kind.isdigit() and 400 <= int(kind) <= 599):
            raise ValueError(f"fault {i}: kind {kind!r} is not reset, truncate, delay or a 4xx/5xx status")
        times = int(f.get("times", 1))
        if times < 1:
            raise ValueError(f"fault {i}: times must be >= 1")
        try:
            pattern = re.compile(f.get("match") or "")
        except re.error as e:
            raise ValueError(f"fault {i}: bad match regex: {e}") from None
        faults.append(
            {
                "match": pattern,
                "method": f.get("method"),
                "kind": kind,
                "times": times,
                "left": times,
                "retry_after": f.get("retry_after"),
                "delay": float(f.get("delay", 0)),
            }
        )
    return faults


def show_fault(f):
    out = {k: v for k, v in f.items() if v is not None}
    out["match"] = f["match"].pattern
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle holds the body
        # until the client's delayed ACK (~40 ms) on every reused connection. Real registries
        # (Go's net/http) set it, so the proxy must too or it distorts what it measures.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("proxy: " + fmt % args + "\n")

    # --- plumbing ---------------------------------------------------------------------

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, headers, data, body_len=None):
        """Status, headers (hop-by-hop ones dropped), Content-Length, then `data`."""
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP and k.lower() not in OWN:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if body_len is None else body_len))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _json(self, status, obj):
        self._send(status, [("Content-Type", "application/json")], json.dumps(obj).encode())

    def _forward(self, body):
        drop = HOP | {"accept-encoding", "content-length"}  # identity bodies; our own length
        h = [(k, v) for k, v in self.headers.items() if k.lower() not in drop]
        c = http.client.HTTPConnection(self.server.upstream, timeout=60)
        try:
            c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in h:
                c.putheader(k, v)
            if body or self.command in ("POST", "PUT", "PATCH"):
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body or None)
            r = c.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            c.close()

    def _abort(self):
        """Close with a TCP RST and no response (SO_LINGER 0). The buffered reader holds a
        reference to the socket; close it first so the socket really closes here, before
        the server's shutdown(SHUT_WR) could send a polite FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True

    # --- paging -----------------------------------------------------------------------

    def _page(self, headers, data):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        j = json.loads(data)
        tags = sorted(j.get("tags") or [])
        last = q.get("last", [None])[0]
        if last is not None:
            tags = [t for t in tags if t > last]
        n = int(q.get("n", [self.server.default_n])[0] or 0)
        if self.server.max_n and (n == 0 or n > self.server.max_n):
            n = self.server.max_n
        more = n > 0 and len(tags) > n
        if n > 0:
            tags = tags[:n]
        j["tags"] = tags
        headers = [(k, v) for k, v in headers if k.lower() != "link"]
        if more:
            nxt = u.path + "?" + urlencode({"n": n, "last": tags[-1]})
            headers.append(("Link", f'<{nxt}>; rel="next"'))
        return headers, json.dumps(j).encode()

    # --- control endpoints ------------------------------------------------------------

    def _control(self):
        srv = self.server
        path = urlparse(self.path).path
        body = self._read_body()
        if path == "/_proxy/stats" and self.command == "GET":
            with srv.lock:
                log, now, most = list(srv.log), srv.in_flight, srv.max_in_flight
            stats = {"total": len(log), "in_flight": now, "max_in_flight": most, "requests": log}
            return self._json(200, stats)
        if path == "/_proxy/stats" and self.command == "DELETE":
            with srv.lock:
                srv.log.clear()
                srv.max_in_flight = now = srv.in_flight
            return self._json(200, {"total": 0, "in_flight": now, "max_in_flight": now, "requests": []})
        if path == "/_proxy/faults" and self.command == "POST":
            try:
                faults = parse_faults(json.loads(body or b"null"))
            except ValueError as e:  # json.JSONDecodeError is a ValueError too
                return self._json(400, {"error": str(e)})
            with srv.lock:
                srv.faults = faults
            return self._json(200, {"faults": [show_fault(f) for f in faults]})
        if path == "/_proxy/faults" and self.command in ("GET", "DELETE"):
            with srv.lock:
                if self.command == "DELETE":
                    srv.faults = []
                shown = [show_fault(f) for f in srv.faults if f["left"] > 0]
            return self._json(200, {"faults": shown})
        return self._json(404, {"error": f"no control endpoint {self.command} {path}"})

    def _take_fault(self):
        srv = self.server
        with srv.lock:
            for f in srv.faults:
                if f["left"] > 0 and f["match"].search(self.path):
                    if f["method"] is None or f["method"].upper() == self.command:
                        f["left"] -= 1
                        return dict(f)
        return None

    # --- requests ---------------------------------------------------------------------

    def _handle(self):
        if urlparse(self.path).path.startswith("/_proxy/"):
            return self._control()
        srv = self.server
        with srv.lock:
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        self._counted = True
        try:
            return self._proxy()
        finally:
            self._done()  # when an exception cut the request short

    def _done(self):
        """The request no longer counts as in flight (once; see max_in_flight)."""
        if self._counted:
            self._counted = False
            with self.server.lock:
                self.server.in_flight -= 1

    def _proxy(self):
        body = self._read_body()
        fault = self._take_fault()
        kind = fault["kind"] if fault else None
        entry = {
            "method": self.command,
            "path": self.path,
            "status": None,
            "fault": kind,
            "authorization": "Authorization" in self.headers,
            "accept": self.headers.get("Accept"),
        }

        def log(status):
            # Logged before the response goes out, so a test that has its answer sees it;
            # and out of flight, so a client that got its answer and sends the next request
            # is never counted twice.
            entry["status"] = status
            with self.server.lock:
                self.server.log.append(entry)
            self._done()

        if kind == "reset":
            log(None)
            return self._abort()
        if kind and kind.isdigit():
            status = int(kind)
            err = {"errors": [{"code": ERROR_CODES.get(status, "UNKNOWN"), "message": "injected by proxy.py"}]}
            headers = [("Content-Type", "application/json")]
            if fault["retry_after"] is not None:
                headers.append(("Retry-After", str(fault["retry_after"])))
            log(status)
            return self._send(status, headers, json.dumps(err).encode())
        if kind == "delay":
            time.sleep(fault["delay"])
        try:
            status, headers, data = self._forward(body)
        except OSError as e:
            log(502)
            return self._json(502, {"errors": [{"code": "UNKNOWN", "message": f"proxy: upstream: {e}"}]})
        if self.command == "GET" and urlparse(self.path).path.endswith("/tags/list") and status == 200:
            try:
                headers, data = self._page(headers, data)
            except ValueError:
                log(400)
                err = {"errors": [{"code": "PAGINATION_NUMBER_INVALID", "message": "bad n"}]}
                return self._send(400, [("Content-Type", "application/json")], json.dumps(err).encode())
        log(status)
        if self.command == "HEAD":
            # No body: pass the upstream's Content-Length through.
            length = next((v for k, v in headers if k.lower() == "content-length"), "0")
            return self._send(status, headers, b"", body_len=int(length))
        if kind == "truncate":
            self._send(status, headers, data[: len(data) // 2], body_len=len(data))
            self.close_connection = True
            return None
        return self._send(status, headers, data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="host:port of the registry (plain HTTP)")
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--default-n", type=int, default=0, help="page size when the client gives no n (0: all)")
    ap.add_argument("--max-n", type=int, default=0, help="largest page served (0: no limit)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--remove-if-orphaned", metavar="DIR", help="remove DIR if the parent dies (see lifeline.py)")
    a = ap.parse_args()
    lifeline.tie_to_parent(orphan_dir=a.remove_if_orphaned)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.upstream, srv.default_n, srv.max_n, srv.verbose = a.upstream, a.default_n, a.max_n, a.verbose
    srv.lock = threading.Lock()
    srv.faults, srv.log = [], []
    srv.in_flight = srv.max_in_flight = 0
    port = srv.server_address[1]
    print(json.dumps({"addr": f"127.0.0.1:{port}", "url": f"http://127.0.0.1:{port}"}), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
