#!/usr/bin/env python3
"""Run a real OCI registry (CNCF Distribution 2.8, Debian `docker-registry`) for one test.

It prepares WORKDIR (config, htpasswd, token-signing key, TLS certificates), starts
`docker-registry serve` on a free port of 127.0.0.1 (in-memory storage: starts in ~0.1 s,
nothing left on disk), serves the token server from a thread when --auth token, waits until
the registry answers, prints ONE JSON line on stdout and then supervises:

  {"addr": "127.0.0.1:PORT", "url": "http[s]://127.0.0.1:PORT", "pid": REGISTRY_PID,
   "auth": "none|basic|token", "user": "testuser", "password": "testpass",
   "ca_file": "WORKDIR/ca.pem" | null, "token_realm": URL | null,
   "token_log": "WORKDIR/token-requests.jsonl" | null}

It stops docker-registry (SIGKILL, by its PID) and exits when its parent dies, when its
stdin pipe closes, or on SIGTERM (see lifeline.py); docker-registry also gets SIGKILL from
the kernel if this supervisor dies abruptly (`setpriv --pdeathsig`). A crashed test run
therefore leaves no process behind.

usage: registry.py --workdir DIR [--auth none|basic|token] [--tls] [--disk] [--remove-if-orphaned]
  --auth basic  htpasswd (bcrypt) user testuser / testpass
  --auth token  Bearer tokens from token_server.py (testuser/testpass may push; anonymous
                clients may pull, except repositories under private/; identity tokens
                (OAuth2 refresh tokens) are issued on request, see token_server.py)
  --tls         serve HTTPS with a certificate for IP:127.0.0.1 and DNS:localhost signed by a
                CA generated here (WORKDIR/ca.pem); the token server then uses HTTPS too
  --disk        filesystem storage under WORKDIR/data instead of memory
  --remove-if-orphaned  remove WORKDIR when the parent dies without asking to stop (the
                test harness's temporary directory, which a crashed test cannot remove)
Needs: docker-registry, openssl (--tls, --auth token), htpasswd (--auth basic), python3.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

import lifeline

USER, PASSWORD = "testuser", "testpass"
SERVICE, ISSUER = "test-registry", "test-issuer"


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"registry.py: openssl {' '.join(args)} failed:\n{r.stderr}")


def req_config(path, cn, extensions):
    """An openssl `req` config of our own, so the system openssl.cnf cannot change the certs."""
    with open(path, "w") as f:
        f.write(f"[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n[dn]\nCN = {cn}\n")
        f.write("[ext]\n" + "\n".join(extensions) + "\n")


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]  # keygen in ms; RSA: 0.1 s


def self_signed(work, name, cn, extensions):
    req_config(f"{work}/{name}.cnf", cn, extensions)
    openssl("req", "-x509", "-config", f"{name}.cnf", *EC, "-keyout", f"{name}.key", "-out", f"{name}.pem",
            "-days", "3650", cwd=work)  # fmt: skip


def make_tls(work):
    """ca.pem (a CA) and server.pem/server.key (IP:127.0.0.1, DNS:localhost, signed by it)."""
    ca_ext = ["basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign",
              "subjectKeyIdentifier = hash"]  # fmt: skip
    self_signed(work, "ca", "tagbump test CA", ca_ext)
    req_config(f"{work}/server.cnf", "localhost", ["basicConstraints = CA:FALSE"])
    openssl("req", "-new", "-config", "server.cnf", *EC, "-keyout", "server.key", "-out", "server.csr", cwd=work)
    with open(f"{work}/server.ext", "w") as f:
        f.write(
            "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n"
            "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n"
            "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
        )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
            str(int.from_bytes(os.urandom(8), "big")), "-days", "3650", "-extfile", "server.ext",
            "-out", "server.pem", cwd=work)  # fmt: skip


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(work, port, storage, auth_cfg, tls):
    lines = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        *storage,
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        "  secret: tagbump-test-secret",
    ]
    if tls:
        lines += ["  tls:", f"    certificate: {work}/server.pem", f"    key: {work}/server.key"]
    with open(f"{work}/config.yml", "w") as f:
        f.write("\n".join(lines + auth_cfg) + "\n")


def answers(port, ctx, timeout):
    """True once GET /v2/ answers 200 or 401."""
    try:
        if ctx:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", "/v2/")
        status = c.getresponse().status
        c.close()
        return status in (200, 401)
    except OSError:
        return False


def start_registry(work, storage, auth_cfg, tls, ctx, registry):
    """Start docker-registry on a free port; retry when another process takes the port first.
    registry["proc"] is the process as soon as it runs, for the lifeline's cleanup."""
    cmd = ["docker-registry", "serve", f"{work}/config.yml"]
    if shutil.which("setpriv"):  # the kernel kills docker-registry when this process dies
        cmd = ["setpriv", "--pdeathsig", "SIGKILL", "--", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    for _attempt in range(5):
        port = free_port()
        write_config(work, port, storage, auth_cfg, tls)
        with open(f"{work}/registry.log", "ab") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        registry["proc"] = proc
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if answers(port, ctx, 1):
                return proc, port
            time.sleep(0.01)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            sys.exit(f"registry.py: docker-registry did not answer within 15 s; see {work}/registry.log")
        with open(f"{work}/registry.log", errors="replace") as f:
            log_text = f.read()
        if "address already in use" not in log_text:
            sys.exit(f"registry.py: docker-registry exited ({proc.returncode}):\n{log_text[-2000:]}")
    sys.exit("registry.py: no free port after 5 attempts")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--auth", choices=["none", "basic", "token"], default="none")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--disk", action="store_true")
    ap.add_argument("--remove-if-orphaned", action="store_true", help="remove WORKDIR if the parent dies")
    a = ap.parse_args()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)

    registry = {}  # filled once started; the lifeline's cleanup kills what is in it

    def cleanup():
        proc = registry.get("proc")
        if proc is not None and proc.returncode is None:
            try:
                os.kill(proc.pid, 9)
                os.waitpid(proc.pid, 0)
            except OSError:
                pass

    lifeline.tie_to_parent(cleanup, orphan_dir=work if a.remove_if_orphaned else None)

    ctx = None
    if a.tls:
        make_tls(work)
        ctx = ssl.create_default_context(cafile=f"{work}/ca.pem")

    storage = [f"  filesystem:\n    rootdirectory: {work}/data"] if a.disk else ["  inmemory: {}"]
    auth_cfg, realm, token_log = [], None, None
    if a.auth == "basic":
        htpasswd = ["htpasswd", "-Bbc", "-C", "4", f"{work}/htpasswd", USER, PASSWORD]  # cost 4: fast checks
        r = subprocess.run(htpasswd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"registry.py: htpasswd failed: {r.stderr}")
        auth_cfg = ["auth:", "  htpasswd:", "    realm: test-realm", f"    path: {work}/htpasswd"]
    elif a.auth == "token":
        import token_server

        self_signed(work, "token", "tagbump test token issuer", ["basicConstraints = CA:FALSE"])
        token_log = f"{work}/token-requests.jsonl"
        open(token_log, "w").close()
        srv = token_server.make_server(
            key=f"{work}/token.key",
            cert=f"{work}/token.pem",
            issuer=ISSUER,
            service=SERVICE,
            users=f"{USER}:{PASSWORD}",
            anonymous_pull=True,
            log_path=token_log,
            tls_cert=f"{work}/server.pem" if a.tls else None,
            tls_key=f"{work}/server.key" if a.tls else None,
        )
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        realm = srv.url
        auth_cfg = ["auth:", "  token:", f"    realm: {realm}", f"    service: {SERVICE}", f"    issuer: {ISSUER}",
                    f"    rootcertbundle: {work}/token.pem"]  # fmt: skip

    proc, port = start_registry(work, storage, auth_cfg, a.tls, ctx, registry)
    scheme = "https" if a.tls else "http"
    ready = {
        "addr": f"127.0.0.1:{port}",
        "url": f"{scheme}://127.0.0.1:{port}",
        "pid": proc.pid,
        "auth": a.auth,
        "user": USER,
        "password": PASSWORD,
        "ca_file": f"{work}/ca.pem" if a.tls else None,
        "token_realm": realm,
        "token_log": token_log,
    }
    print(json.dumps(ready), flush=True)
    while proc.poll() is None:
        time.sleep(0.2)
    sys.exit(f"registry.py: docker-registry exited ({proc.returncode}); see {work}/registry.log")


if __name__ == "__main__":
    main()
