#!/usr/bin/env python3
"""Run a real Kubernetes API server for one test (or one test process): etcd,
kube-apiserver and kube-controller-manager v1.20.2 (built once by kube-build.sh) on free
ports of 127.0.0.1.

It prepares WORKDIR (service-account keys, a token file), starts etcd, then kube-apiserver
(token auth, RBAC; it writes its own self-signed serving certificate, for IP:127.0.0.1
among others, to WORKDIR/certs/apiserver.crt, the certificate followed by its CA), waits
for /readyz, writes the kubeconfigs, starts kube-controller-manager (deleted namespaces go
away, Deployments get ReplicaSets, service accounts get token secrets; there is no
scheduler or kubelet, so Pods stay Pending), waits for its /healthz, prints ONE JSON line on
stdout and then supervises:

  {"server": "https://127.0.0.1:PORT", "addr": "127.0.0.1:PORT",
   "kubeconfig": "WORKDIR/kubeconfig", "agent_kubeconfig": "WORKDIR/agent.kubeconfig",
   "token": ADMIN_TOKEN, "agent_token": AGENT_TOKEN, "ca_file": "WORKDIR/certs/apiserver.crt",
   "etcd": "http://127.0.0.1:PORT", "startup_ms": MS,
   "pids": {"supervisor": PID, "etcd": PID, "apiserver": PID, "controller_manager": PID}}

Users (--token-auth-file WORKDIR/pki/tokens.csv; tokens are random per run):
  admin  in group system:masters: may do anything. WORKDIR/kubeconfig.
  agent  in no group but system:authenticated: discovery only, so a test grants it what it
         needs (the agent's example RBAC) and sees 403 otherwise. WORKDIR/agent.kubeconfig.
Both kubeconfigs trust the server through certificate-authority-data (apiserver.crt), which
rustls accepts: the certificate has IP:127.0.0.1 and is signed by the CA that follows it.
RSS: kube-apiserver ~310 MB, kube-controller-manager ~85 MB, etcd ~45 MB, this script ~25 MB.

Commands, one a line on stdin when that is a pipe (the test harness's), each answered by
ONE JSON line on stdout:
  restart-apiserver DOWN_MS [kill|term]
      stop kube-apiserver, keep it down DOWN_MS more, start it again on the same port with the
      same etcd, certificate and tokens, and wait for /readyz; etcd and kube-controller-manager
      keep running. `kill` (the default) stops it with SIGKILL, a crash: connections reset at
      once. `term` sends SIGTERM, a graceful shutdown as in a rollout: it refuses new
      connections at once, lets requests in flight finish, and waits for open watches for its
      whole request timeout (60 s), so after 5 s it gets SIGKILL (`"killed": true`).
      Reply: {"apiserver_pid": PID, "stopped_ms": MS, "killed": BOOL, "ready_ms": MS}
      (ready_ms from the new start), or {"error": "..."}.
  stop  stop everything and exit.

It kills its processes (SIGKILL, by PID) and exits on "stop", when stdin closes, when its
parent dies, or on SIGTERM (see lifeline.py); they also get SIGKILL from the kernel should
this supervisor die abruptly (`setpriv --pdeathsig`). Should one of them exit on its own
(etcd, kube-controller-manager, or kube-apiserver outside a restart), it kills the others
and exits 1, so a test sees the failure at once; the logs are WORKDIR/{etcd,apiserver,
controller-manager}.log and this script's stderr.

usage: kube.py --workdir DIR [--bin DIR] [--remove-if-orphaned] [--timeout S]
  --bin DIR     where kube-apiserver and kube-controller-manager are (default
                $TAGBUMP_TESTENV/kube/bin, $TAGBUMP_TESTENV defaulting to /tmp/tagbump-testenv)
  --timeout S   how long each of etcd, kube-apiserver, kube-controller-manager may take to
                become ready (default 90; ~10 s in all on a 2-core machine)
  --remove-if-orphaned  remove WORKDIR when the parent dies without asking to stop
Needs: kube-apiserver and kube-controller-manager (scripts/testenv/kube-build.sh), etcd
(Debian etcd-server), openssl, setpriv (util-linux), python3.
By hand (Ctrl-C stops it; commands need a pipe on stdin):
  scripts/testenv/kube.py --workdir /tmp/k      # then, in another shell:
  KUBECONFIG=/tmp/k/kubeconfig kubectl get ns
"""

import argparse
import base64
import http.client
import json
import os
import secrets
import shutil
import ssl
import stat
import subprocess
import sys
import threading
import time

import lifeline
from registry import free_port

HINT = (
    "hint: run scripts/testenv/install.sh; it builds kube-apiserver and kube-controller-manager "
    "once (~8 min, ~2.5 GB while building) into $TAGBUMP_TESTENV/kube and installs etcd-server"
)
SERVICE_RANGE = "10.96.0.0/24"
# kube-controller-manager without the controllers that need nodes or a cloud.
CONTROLLERS = "*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service"
NAMES = ("controller-manager", "apiserver", "etcd")  # the order to stop them in
TERM_GRACE_S = 5  # `restart-apiserver N term`: SIGKILL when it has not exited by then


def fail(msg):
    sys.exit(f"kube.py: {msg}")


def log(msg):
    print(f"kube.py: {msg}", file=sys.stderr, flush=True)


def ms_since(t0):
    return int((time.monotonic() - t0) * 1000)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")


class Children:
    """etcd, kube-apiserver and kube-controller-manager by name. `spawn` runs in the main
    thread only: with `setpriv --pdeathsig` the kernel kills a child when the *thread* that
    started it exits."""

    def __init__(self, work, env):
        self.work, self.env = work, env
        self.procs = {}
        self.lock = threading.Lock()
        self.restarting = False  # kube-apiserver may be down: the watchdog leaves it alone
        self.stopping = False

    def spawn(self, name, cmd):
        if shutil.which("setpriv"):
            cmd = ["setpriv", "--pdeathsig", "SIGKILL", "--", *cmd]
        with open(f"{self.work}/{name}.log", "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=self.env)
        with self.lock:
            self.procs[name] = proc
        return proc

    def pid(self, name):
        return self.procs[name].pid

    def kill_all(self):
        """SIGKILL each child and reap it; for the lifeline, from any thread, more than once."""
        with self.lock:
            self.stopping = True
            for name in NAMES:
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is None:
                    try:
                        proc.kill()
                        proc.wait()
                    except OSError:
                        pass

    def watch(self):
        """Exit (killing the others) as soon as a child exits on its own."""
        while True:
            time.sleep(0.2)
            with self.lock:
                if self.stopping:
                    return
                dead = [
                    (name, proc.returncode)
                    for name, proc in self.procs.items()
                    if proc.poll() is not None and not (name == "apiserver" and self.restarting)
                ]
            if dead:
                name, code = dead[0]
                log(f"{name} exited by itself ({code}); stopping. Last lines of {self.work}/{name}.log:")
                log(tail(f"{self.work}/{name}.log"))
                self.kill_all()
                os._exit(1)


def tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def get(port, path, ctx=None, token=None, timeout=2):
    """(status, body) of GET path on 127.0.0.1:port (HTTPS when ctx); (None, error) when it
    does not answer."""
    try:
        if ctx:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)


def wait_for(what, proc, log_path, timeout, probe):
    """Poll `probe()` until it is true; fail when `proc` exits or after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"{what} exited ({proc.returncode}); last lines of {log_path}:\n{tail(log_path)}"
        if probe():
            return None
        time.sleep(0.05)
    return f"{what} was not ready after {timeout} s; last lines of {log_path}:\n{tail(log_path)}"


def port_taken(log_path):
    return "address already in use" in tail(log_path, 200)


class Cluster:
    def __init__(self, work, bin_dir, timeout, children):
        self.work, self.bin, self.timeout, self.children = work, bin_dir, timeout, children
        self.admin_token = secrets.token_hex(16)
        self.agent_token = secrets.token_hex(16)
        self.etcd_port = self.api_port = None
        self.ca_file = f"{work}/certs/apiserver.crt"
        self.ctx = None  # trusts ca_file, once kube-apiserver has written it

    def prepare(self):
        for d in ("etcd", "certs", "pki", "kcm-certs"):
            os.makedirs(f"{self.work}/{d}", mode=0o700, exist_ok=True)
        # EC P-256: generated in milliseconds (RSA 2048: ~0.1-0.5 s); kube 1.20 signs ES256.
        run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{self.work}/pki/sa.key"])
        run(["openssl", "ec", "-in", f"{self.work}/pki/sa.key", "-pubout", "-out", f"{self.work}/pki/sa.pub"])
        with open(f"{self.work}/pki/tokens.csv", "w") as f:
            f.write(f"{self.admin_token},admin,admin-uid,system:masters\n")
            f.write(f"{self.agent_token},agent,agent-uid\n")

    def start_etcd(self):
        etcd = shutil.which("etcd")
        log_path = f"{self.work}/etcd.log"
        for _attempt in range(5):
            client, peer = free_port(), free_port()
            shutil.rmtree(f"{self.work}/etcd", ignore_errors=True)  # a failed attempt's member
            os.makedirs(f"{self.work}/etcd", mode=0o700)
            proc = self.children.spawn("etcd", [
                etcd, "--name", "testenv", "--data-dir", f"{self.work}/etcd", "--log-level", "warn",
                "--listen-client-urls", f"http://127.0.0.1:{client}",
                "--advertise-client-urls", f"http://127.0.0.1:{client}",
                "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-cluster", f"testenv=http://127.0.0.1:{peer}",
            ])  # fmt: skip
            error = wait_for("etcd", proc, log_path, self.timeout, lambda: get(client, "/health")[0] == 200)
            if error is None:
                self.etcd_port = client
                return
            if proc.poll() is None or not port_taken(log_path):
                fail(error)
            # Another process took a port first: try others.
        fail("etcd: no free ports after 5 attempts")

    def spawn_apiserver(self):
        w = self.work
        return self.children.spawn("apiserver", [
            f"{self.bin}/kube-apiserver", f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            "--bind-address=127.0.0.1", f"--secure-port={self.api_port}", "--insecure-port=0",
            "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none", f"--cert-dir={w}/certs",
            f"--service-cluster-ip-range={SERVICE_RANGE}", f"--service-account-key-file={w}/pki/sa.pub",
            f"--service-account-signing-key-file={w}/pki/sa.key",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--token-auth-file={w}/pki/tokens.csv", "--authorization-mode=RBAC", "--profiling=false",
        ])  # fmt: skip

    def apiserver_ready(self):
        if self.ctx is None:
            # The certificate (and its CA after it) is written before the port opens.
            if not os.path.exists(self.ca_file):
                return False
            try:
                self.ctx = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError):
                return False  # half written
        return get(self.api_port, "/readyz", self.ctx, self.admin_token)[0] == 200

    def wait_apiserver(self, proc):
        return wait_for("kube-apiserver", proc, f"{self.work}/apiserver.log", self.timeout, self.apiserver_ready)

    def start_apiserver(self):
        log_path = f"{self.work}/apiserver.log"
        for _attempt in range(5):
            self.api_port = free_port()
            proc = self.spawn_apiserver()
            error = self.wait_apiserver(proc)
            if error is None:
                return
            if proc.poll() is None or not port_taken(log_path):
                fail(error)
        fail("kube-apiserver: no free port after 5 attempts")

    def write_kubeconfigs(self):
        with open(self.ca_file, "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        for path, user, token in [
            (f"{self.work}/kubeconfig", "admin", self.admin_token),
            (f"{self.work}/agent.kubeconfig", "agent", self.agent_token),
        ]:
            text = (
                "apiVersion: v1\nkind: Config\n"
                "clusters:\n- name: testenv\n  cluster:\n"
                f"    server: https://127.0.0.1:{self.api_port}\n    certificate-authority-data: {ca}\n"
                f"users:\n- name: {user}\n  user:\n    token: {token}\n"
                f"contexts:\n- name: {user}@testenv\n  context:\n    cluster: testenv\n    user: {user}\n"
                f"current-context: {user}@testenv\n"
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)

    def start_controller_manager(self):
        w = self.work
        log_path = f"{w}/controller-manager.log"
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # its own self-signed certificate; only /healthz
        for _attempt in range(5):
            port = free_port()
            proc = self.children.spawn("controller-manager", [
                f"{self.bin}/kube-controller-manager", f"--kubeconfig={w}/kubeconfig",
                f"--authentication-kubeconfig={w}/kubeconfig", f"--authorization-kubeconfig={w}/kubeconfig",
                "--bind-address=127.0.0.1", f"--secure-port={port}", "--port=0", f"--cert-dir={w}/kcm-certs",
                "--leader-elect=false", f"--service-account-private-key-file={w}/pki/sa.key",
                f"--root-ca-file={self.ca_file}", f"--service-cluster-ip-range={SERVICE_RANGE}",
                f"--controllers={CONTROLLERS}",
            ])  # fmt: skip
            probe = lambda: get(port, "/healthz", insecure)[0] == 200  # noqa: E731
            error = wait_for("kube-controller-manager", proc, log_path, self.timeout, probe)
            if error is None:
                # Until it has discovered the API and started its controllers, it exits when
                # the API server goes away (a restart right after start-up). The service
                # account controller's first work, the `default` ServiceAccount of `default`,
                # says that is over.
                sa = "/api/v1/namespaces/default/serviceaccounts/default"
                probe = lambda: get(self.api_port, sa, self.ctx, self.admin_token)[0] == 200  # noqa: E731
                error = wait_for("kube-controller-manager's controllers", proc, log_path, self.timeout, probe)
            if error is None:
                return
            if proc.poll() is None or not port_taken(log_path):
                fail(error)
        fail("kube-controller-manager: no free port after 5 attempts")

    def restart_apiserver(self, down_ms, how):
        """The `restart-apiserver` command; returns the JSON reply."""
        proc = self.children.procs["apiserver"]
        t0 = time.monotonic()
        with self.children.lock:
            self.children.restarting = True
        killed = how == "kill"
        if killed:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=TERM_GRACE_S)
        except subprocess.TimeoutExpired:
            # Still draining: it waits for open watches (kube-controller-manager's, at least)
            # for its whole request timeout, 60 s.
            proc.kill()
            proc.wait()
            killed = True
        stopped_ms = ms_since(t0)
        time.sleep(down_ms / 1000)
        t1 = time.monotonic()
        proc = self.spawn_apiserver()
        error = self.wait_apiserver(proc)
        with self.children.lock:
            self.children.restarting = False  # from now on the watchdog minds it again
        if error is not None:
            return {"error": error}
        return {"apiserver_pid": proc.pid, "stopped_ms": stopped_ms, "killed": killed, "ready_ms": ms_since(t1)}


def reply(obj):
    print(json.dumps(obj), flush=True)


def serve_commands(fd, cluster, die):
    """Answer the commands read from `fd` until "stop" or end of file."""
    said_stop = False
    with os.fdopen(fd, "r", errors="replace") as commands:
        for line in commands:
            words = line.split()
            if not words:
                continue
            if words[0] == "stop":
                said_stop = True
                break
            if words[0] == "restart-apiserver" and 2 <= len(words) <= 3 and words[1].isdigit():
                how = words[2] if len(words) == 3 else "kill"
                if how in ("term", "kill"):
                    reply(cluster.restart_apiserver(int(words[1]), how))
                    continue
            reply({"error": f"unknown command {line.strip()!r}; see kube.py --help"})
    die(orphaned=not said_stop)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", required=True)
    default_bin = os.path.join(os.environ.get("TAGBUMP_TESTENV") or "/tmp/tagbump-testenv", "kube", "bin")
    ap.add_argument("--bin", default=default_bin)
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--remove-if-orphaned", action="store_true", help="remove WORKDIR if the parent dies")
    a = ap.parse_args()
    t0 = time.monotonic()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    orphan_dir = work if a.remove_if_orphaned else None

    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD_")}
    children = Children(work, env)

    def die(orphaned):
        children.kill_all()
        if orphaned and orphan_dir:
            shutil.rmtree(orphan_dir, ignore_errors=True)
        os._exit(0)

    # stdin is the command channel here, so lifeline.py must not read it: it watches stdin
    # only when that is a pipe, and sees /dev/null instead; this script reads the pipe
    # through another descriptor and does at its end what lifeline.py would have done.
    commands = None
    if stat.S_ISFIFO(os.fstat(0).st_mode):
        commands = os.dup(0)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
    lifeline.tie_to_parent(children.kill_all, orphan_dir=orphan_dir)

    binaries = [f"{a.bin}/kube-apiserver", f"{a.bin}/kube-controller-manager"]
    missing = [b for b in binaries if not os.access(b, os.X_OK)]
    if missing:
        fail(f"{' and '.join(missing)} not found\n{HINT}")
    for tool in ("etcd", "openssl"):
        if not shutil.which(tool):
            fail(f"`{tool}` not found on PATH\n{HINT}")

    cluster = Cluster(work, a.bin, a.timeout, children)
    try:
        cluster.prepare()
        cluster.start_etcd()
        log(f"etcd ready after {ms_since(t0)} ms")
        cluster.start_apiserver()
        log(f"kube-apiserver ready after {ms_since(t0)} ms")
        cluster.write_kubeconfigs()
        cluster.start_controller_manager()
        log(f"kube-controller-manager ready after {ms_since(t0)} ms")
    except BaseException:  # fail() too: stop what started before exiting
        children.kill_all()
        raise
    threading.Thread(target=children.watch, daemon=True).start()
    reply({
        "server": f"https://127.0.0.1:{cluster.api_port}",
        "addr": f"127.0.0.1:{cluster.api_port}",
        "kubeconfig": f"{work}/kubeconfig",
        "agent_kubeconfig": f"{work}/agent.kubeconfig",
        "token": cluster.admin_token,
        "agent_token": cluster.agent_token,
        "ca_file": cluster.ca_file,
        "etcd": f"http://127.0.0.1:{cluster.etcd_port}",
        "startup_ms": ms_since(t0),
        "pids": {
            "supervisor": os.getpid(),
            "etcd": children.pid("etcd"),
            "apiserver": children.pid("apiserver"),
            "controller_manager": children.pid("controller-manager"),
        },
    })  # fmt: skip
    if commands is not None:
        serve_commands(commands, cluster, die)  # the main thread: see Children
    while True:  # stdin is no pipe (a terminal, /dev/null): stop with a signal
        time.sleep(3600)


if __name__ == "__main__":
    main()
