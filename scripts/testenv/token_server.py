#!/usr/bin/env python3
"""Minimal Docker/OCI registry token server (the `Bearer realm=` flow) for tests.

The registry (CNCF Distribution 2.8, Debian `docker-registry`) answers 401 with
`WWW-Authenticate: Bearer realm=..,service=..,scope=..`; a client then asks this server
for a token. Tokens are ES256 JWTs signed with the `openssl` CLI (EC keys are generated in
milliseconds, RSA keys in a tenth of a second), with the signing certificate in the `x5c`
header, which Distribution checks against `auth.token.rootcertbundle`.

usage: token_server.py --key token.key --cert token.crt [--port 0] [--issuer test-issuer]
           [--service test-registry] [--users user:pass,...] [--anonymous-pull]
           [--log requests.jsonl] [--tls-cert server.pem --tls-key server.key]

Binds 127.0.0.1 only (port 0: a free port; the address is printed on stdout).
  GET /token?service=..&scope=repository:NAME:pull,push[&scope=..] (HTTP Basic optional);
  POST /token, OAuth2 form (distribution's "token authentication with OAuth2"):
    grant_type=password&username=..&password=..&client_id=..[&access_type=offline]
      with access_type=offline the answer also holds a `refresh_token`, an identity token
      (what `docker login` stores as `identitytoken` in config.json);
    grant_type=refresh_token&refresh_token=..&client_id=..
      a refresh token this server issued stands for the user it was issued to;
    with service=.. and scope=.. as in the GET. client_id is required (400 without it).
Authenticated users get every action they ask for; anonymous clients get `pull` only with
--anonymous-pull (and never on repositories under `private/`: their token grants nothing,
so the registry refuses it), else 401; wrong credentials or an unknown refresh token get
401. Each request is appended to --log as one JSON line (method, grant_type, client_id,
scopes, user, status, user agent; never a password or token), written before the response
is sent so a test that got its answer can read it.

registry.py imports this module and serves it from a thread; run alone, it exits when its
parent dies or its stdin pipe closes (see lifeline.py). Stdlib only.
"""

import argparse
import base64
import json
import ssl
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cert_der_b64(cert_path):
    with open(cert_path) as f:
        pem = f.read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())  # x5c holds standard base64 of the DER, i.e. the PEM body


def der_ecdsa_to_raw(der: bytes, size=32) -> bytes:
    """openssl writes ECDSA signatures as DER SEQUENCE{r, s}; JWS ES256 wants r || s."""
    assert der[0] == 0x30, "not a DER sequence"
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02, "not a DER integer"
        n = der[i + 1]
        out += int.from_bytes(der[i + 2 : i + 2 + n], "big").to_bytes(size, "big")
        i += 2 + n
    return out


def sign_es256(key_path, data: bytes) -> bytes:
    der = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", key_path], input=data, capture_output=True, check=True
    ).stdout
    return der_ecdsa_to_raw(der)


PRIVATE_PREFIX = "private/"  # repositories anonymous clients get nothing on


def parse_scope(s):
    # repository:name/with/slashes:pull,push  |  registry:catalog:*
    typ, rest = s.split(":", 1)
    name, actions = rest.rsplit(":", 1)
    return {"type": typ, "name": name, "actions": [a for a in actions.split(",") if a]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("token: " + fmt % args + "\n")

    def _user(self, form):
        """The authenticated user name, None for anonymous, False for bad credentials."""
        users = self.server.users
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return u if users.get(u) == p else False
        grant = form.get("grant_type", [""])[0] if form else ""
        if grant == "password":
            u = form.get("username", [""])[0]
            p = form.get("password", [""])[0]
            return u if users.get(u) == p else False
        if grant == "refresh_token":
            with self.server.lock:
                return self.server.refresh_tokens.get(form.get("refresh_token", [""])[0], False)
        return None

    def _send(self, status, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _log(self, q, user, status):
        entry = {
            "method": self.command,
            "grant_type": q.get("grant_type", [None])[0] if self.command == "POST" else None,
            "client_id": q.get("client_id", [None])[0] if self.command == "POST" else None,
            "service": q.get("service", [None])[0],
            "scopes": [one for s in q.get("scope", []) for one in s.split(" ") if one],
            "user": user or None,
            "status": status,
            "user_agent": self.headers.get("User-Agent"),
        }
        srv = self.server
        with srv.lock:
            srv.requests += 1
            if srv.log_path:
                with open(srv.log_path, "a") as f:
                    f.write(json.dumps(entry) + "\n")

    def _issue(self, q, form=None):
        srv = self.server
        if form is not None:
            grant = form.get("grant_type", [""])[0]
            problem = None
            if grant not in ("password", "refresh_token"):
                problem = ("unsupported_grant_type", f"grant_type {grant!r} is not password or refresh_token")
            elif not form.get("client_id", [""])[0]:
                problem = ("invalid_request", "client_id is required")
            if problem:
                self._log(q, None, 400)
                self._send(400, json.dumps({"error": problem[0], "error_description": problem[1]}).encode())
                return
        user = self._user(form)
        if user is False or (user is None and not srv.anon_pull):
            self._log(q, None, 401)
            self.send_response(401)
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
            self.send_header("WWW-Authenticate", 'Basic realm="test-token-server"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        access = []
        for s in q.get("scope", []):
            for one in s.split(" "):
                if not one:
                    continue
                sc = parse_scope(one)
                if user is None:
                    private = sc["type"] == "repository" and sc["name"].startswith(PRIVATE_PREFIX)
                    sc["actions"] = [a for a in sc["actions"] if a == "pull" and not private]
                access.append(sc)
        now = int(time.time())
        claims = {
            "iss": srv.issuer,
            "sub": user or "",
            "aud": q.get("service", [srv.service])[0],
            "exp": now + srv.ttl,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        hdr = {"typ": "JWT", "alg": "ES256", "x5c": [srv.x5c]}
        signing_input = b64u(json.dumps(hdr).encode()) + "." + b64u(json.dumps(claims).encode())
        tok = signing_input + "." + b64u(sign_es256(srv.key, signing_input.encode()))
        issued_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        body = {"token": tok, "access_token": tok, "expires_in": srv.ttl, "issued_at": issued_at}
        offline = form and form.get("access_type", [""])[0] == "offline"
        if offline and form.get("grant_type", [""])[0] == "password":
            refresh = "rt-" + uuid.uuid4().hex
            with srv.lock:
                srv.refresh_tokens[refresh] = user
            body["refresh_token"] = refresh
        self._log(q, user, 200)
        self._send(200, json.dumps(body).encode())

    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/token":
            self._send(404, b'{"errors":[{"code":"NOT_FOUND","message":"try /token"}]}')
            return
        self._issue(parse_qs(u.query))

    def do_POST(self):  # OAuth2 style (containerd and some other clients)
        n = int(self.headers.get("Content-Length", "0") or 0)
        form = parse_qs(self.rfile.read(n).decode())
        self._issue(form, form)


def make_server(
    key,
    cert,
    port=0,
    issuer="test-issuer",
    service="test-registry",
    users="testuser:testpass",
    anonymous_pull=False,
    log_path=None,
    tls_cert=None,
    tls_key=None,
    ttl=300,
    verbose=False,
):
    """A bound (not yet serving) token server; its URL is in `srv.url`."""
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    scheme = "http"
    if tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
        # Handshake in the handler thread, not in the accept loop, so one stalled client
        # cannot block the others.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    srv.key, srv.issuer, srv.service, srv.verbose, srv.ttl = key, issuer, service, verbose, ttl
    srv.x5c = cert_der_b64(cert)
    srv.users = dict(p.split(":", 1) for p in users.split(",") if p)
    srv.anon_pull = anonymous_pull
    srv.log_path = log_path
    srv.lock = threading.Lock()
    srv.requests = 0
    srv.refresh_tokens = {}  # issued refresh token -> user
    srv.url = f"{scheme}://127.0.0.1:{srv.server_address[1]}/token"
    return srv


def main():
    import lifeline

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", required=True, help="EC P-256 private key (PEM) that signs tokens")
    ap.add_argument("--cert", required=True, help="its certificate (the registry's rootcertbundle)")
    ap.add_argument("--issuer", default="test-issuer")
    ap.add_argument("--service", default="test-registry")
    ap.add_argument("--users", default="testuser:testpass")
    ap.add_argument("--anonymous-pull", action="store_true")
    ap.add_argument("--log", help="append one JSON line per token request here")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--ttl", type=int, default=300, help="token lifetime, seconds")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    lifeline.tie_to_parent()
    srv = make_server(
        a.key,
        a.cert,
        a.port,
        a.issuer,
        a.service,
        a.users,
        a.anonymous_pull,
        a.log,
        a.tls_cert,
        a.tls_key,
        a.ttl,
        a.verbose,
    )
    print(json.dumps({"url": srv.url}), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
