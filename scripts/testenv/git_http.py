#!/usr/bin/env python3
"""Serve bare git repositories over smart HTTP for one test: `git http-backend` as a CGI
under lighttpd on a free port of 127.0.0.1, behind HTTP Basic auth with a token.

It prepares WORKDIR (lighttpd.conf, htpasswd, TLS certificates, repos/), starts lighttpd,
waits until it answers, prints ONE JSON line on stdout and then supervises:

  {"url": "http[s]://127.0.0.1:PORT/git", "addr": "127.0.0.1:PORT", "port": PORT,
   "control_addr": "127.0.0.1:PORT2", "pid": LIGHTTPD_PID, "pids": [THIS_PID, LIGHTTPD_PID],
   "repos": "WORKDIR/repos", "access_log": "WORKDIR/access.log", "users": [...],
   "ca_file": "WORKDIR/ca.pem" | null}

Repositories: WORKDIR/repos/NAME.git, bare, default branch main, http.receivepack=true;
they are served at URL/NAME.git. Create them with --repo or later (`git init --bare`) while
the server runs: git-http-backend reads the directory on every request.

Auth: every request under /git/ needs Basic auth as x-access-token:TOKEN or oauth2:TOKEN
(the user names GitHub and GitLab accept with a token); otherwise 401 with
`WWW-Authenticate: Basic realm="git"`. The token comes from $GIT_HTTP_TOKEN (so that it is
not in any process's argv; a test may look there for leaked secrets), else --token, else
"tagbump-test-token". git-http-backend gets REMOTE_USER, so a hook can tell the users apart.

Access log: WORKDIR/access.log, one JSON object per request, written as each request ends
(lighttpd buffers its file log for up to a second, so it writes to a pipe instead):
  {"method", "path", "query", "status", "user", "user_agent", "duration_us"}
(`user` is the authenticated user or "-"; never a password or header). Requests under
/_testenv/ are the harness's own: GET /_testenv/sync/ID on control_addr returns at once, and
once its line is in the log, every request that ended before it is there too.

--tls serves HTTPS (HTTP/1.1 and HTTP/2) with a certificate for IP:127.0.0.1 and
DNS:localhost signed by a CA generated here (WORKDIR/ca.pem); control_addr then stays plain
HTTP on a second port. Clients must trust the CA: with git, set GIT_SSL_CAINFO (it beats
`-c http.sslCAInfo`, and machines often set it).

Concurrency: lighttpd runs one CGI per request, so pushes run in parallel; receive-pack
locks each ref, so of two pushes from the same base one wins and the other is rejected
(non-fast-forward, "fetch first", or "failed to update ref"/"cannot lock ref", depending on
when it looked). Hooks: WORKDIR/repos/NAME.git/hooks/pre-receive etc. run as usual; what
they print on stderr reaches the client as "remote: ...".

It stops lighttpd (SIGKILL by its PID) and exits when its parent dies, when its stdin pipe
closes, or on SIGTERM (see lifeline.py); lighttpd also gets SIGKILL from the kernel if this
supervisor dies abruptly (`setpriv --pdeathsig`).

usage: git_http.py --workdir DIR [--repo NAME]... [--token TOKEN] [--tls] [--remove-if-orphaned]
  --repo NAME   create WORKDIR/repos/NAME.git at start (repeatable)
  --token TOKEN the token (prefer $GIT_HTTP_TOKEN, which keeps it out of argv)
  --tls         HTTPS with a generated CA (WORKDIR/ca.pem)
  --remove-if-orphaned  remove WORKDIR when the parent dies without asking to stop
Environment: GIT_HTTP_TOKEN (above); TAGBUMP_TESTENV_LIGHTTPD, the lighttpd binary (default: on
PATH or in /usr/sbin).
Needs: lighttpd (and lighttpd-mod-openssl for --tls), git, htpasswd (apache2-utils),
openssl (--tls), python3. scripts/testenv/install.sh installs them.
By hand:
  scripts/testenv/git_http.py --workdir /tmp/g --repo app &
  git -c http.extraHeader="Authorization: Basic $(printf x-access-token:tagbump-test-token | base64 -w0)" \\
      clone http://127.0.0.1:PORT/git/app.git
"""

import argparse
import http.client
import json
import os
import shlex
import shutil
import ssl
import subprocess
import sys
import time

import lifeline
from registry import free_port, make_tls

DEFAULT_TOKEN = "tagbump-test-token"
USERS = ("x-access-token", "oauth2")
HINT = (
    "hint: run scripts/testenv/install.sh, or: sudo apt-get install -y lighttpd lighttpd-mod-openssl apache2-utils git"
)
SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")  # not on a Debian user's PATH
ACCESS_FORMAT = (
    '{"method":"%m","path":"%U","query":"%q","status":%>s,"user":"%u","user_agent":"%{User-Agent}i","duration_us":%D}'
)


def fail(msg):
    sys.exit(f"git_http.py: {msg}")


def which(tool):
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN)
    found = shutil.which(tool, path=path)
    if not found:
        fail(f"`{tool}` not found (looked on PATH and in {', '.join(SBIN)})\n{HINT}")
    return found


def run(cmd, stdin=None, env=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def git_env(work):
    """The environment of every git this script runs and of the CGI: no GIT_* from the
    caller (a test run from a git hook has GIT_DIR set), no system or user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=f"{work}/home", XDG_CONFIG_HOME=f"{work}/home/.config", GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    return env


def create_repo(work, name):
    path = f"{work}/repos/{name}.git"
    if not os.path.isdir(path):
        env = git_env(work)
        run(["git", "init", "-q", "--bare", "-b", "main", path], env=env)
        run(["git", "--git-dir", path, "config", "http.receivepack", "true"], env=env)


def write_htpasswd(work, token):
    """bcrypt at cost 4 (lighttpd checks it on every request: cheap matters with 20
    concurrent pushes); the password goes through stdin, never argv."""
    htpasswd = which("htpasswd")
    path = f"{work}/htpasswd"
    for i, user in enumerate(USERS):
        create = ["-c"] if i == 0 else []
        run([htpasswd, "-i", "-B", "-C", "4", *create, path, user], stdin=token)
    return path


def lighttpd_conf(work, port, control_port, backend, tls):
    env = git_env(work)
    cgi_env = {
        "GIT_PROJECT_ROOT": f"{work}/repos",
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": env["HOME"],
        "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"],
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
    }

    def q(s):
        return json.dumps(str(s))  # a lighttpd string literal: same quoting and escapes as JSON

    modules = ["mod_alias", "mod_auth", "mod_authn_file", "mod_setenv", "mod_cgi", "mod_accesslog"]
    if tls:
        modules.append("mod_openssl")
    lines = [
        f"server.modules = ( {', '.join(q(m) for m in modules)} )",
        'server.bind = "127.0.0.1"',
        f"server.port = {port}",
        f"server.document-root = {q(work + '/www')}",
        f"server.upload-dirs = ( {q(work + '/tmp')} )",
        f"server.errorlog = {q(work + '/lighttpd-error.log')}",
        # A pipe, not the file: lighttpd flushes a file log only about once a second.
        f"accesslog.filename = {q('|exec cat >>' + shlex.quote(work + '/access.log'))}",
        'accesslog.escaping = "json"',
        f"accesslog.format = {q(ACCESS_FORMAT)}",
        "server.stream-request-body = 0",
        # lighttpd answers a wrong password after 1 s by default (against guessing); git
        # forges answer at once, and the wrong-token tests should not wait.
        'server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )',
        f'alias.url = ( "/git/" => {q(backend + "/")} )',
        '$HTTP["url"] =~ "^/git/" {',
        '  cgi.assign = ( "" => "" )',
        f"  setenv.set-environment = ( {', '.join(f'{q(k)} => {q(v)}' for k, v in cgi_env.items())} )",
        '  auth.backend = "htpasswd"',
        f"  auth.backend.htpasswd.userfile = {q(work + '/htpasswd')}",
        '  auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )',
        "}",
    ]
    if tls:
        lines += [
            'ssl.engine = "enable"',
            f"ssl.pemfile = {q(work + '/server.pem')}",
            f"ssl.privkey = {q(work + '/server.key')}",
            f'$SERVER["socket"] == "127.0.0.1:{control_port}" {{',
            '  ssl.engine = "disable"',
            "}",
        ]
    with open(f"{work}/lighttpd.conf", "w") as f:
        f.write("\n".join(lines) + "\n")


def answers(port, ctx, path):
    """The status of GET path, or None while nothing answers."""
    try:
        if ctx:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=1, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", path, headers={"User-Agent": "tagbump-testenv"})
        status = c.getresponse().status
        c.close()
        return status
    except OSError:
        return None


def find_lighttpd():
    lighttpd = os.environ.get("TAGBUMP_TESTENV_LIGHTTPD")
    if lighttpd and not os.access(lighttpd, os.X_OK):
        fail(f"lighttpd not found at $TAGBUMP_TESTENV_LIGHTTPD ({lighttpd})\n{HINT}")
    return lighttpd or which("lighttpd")


def start_lighttpd(lighttpd, work, backend, tls, ctx, state):
    """Start lighttpd on free ports; retry when another process takes a port first.
    state["proc"] is the process as soon as it runs, for the lifeline's cleanup."""
    cmd = [lighttpd, "-D", "-f", f"{work}/lighttpd.conf"]
    if shutil.which("setpriv"):  # the kernel kills lighttpd when this process dies
        cmd = ["setpriv", "--pdeathsig", "SIGKILL", "--", *cmd]
    env = git_env(work)
    for _attempt in range(5):
        port = free_port()
        control_port = free_port() if tls else port
        lighttpd_conf(work, port, control_port, backend, tls)
        r = subprocess.run([lighttpd, "-tt", "-f", f"{work}/lighttpd.conf"], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            more = "\nhint: --tls needs lighttpd's mod_openssl (Debian: lighttpd-mod-openssl)" if tls else ""
            fail(f"lighttpd rejects {work}/lighttpd.conf:\n{r.stderr}{r.stdout}{more}\n{HINT}")
        with open(f"{work}/lighttpd.out", "ab") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        state["proc"] = proc
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            # (/_testenv/ is left out of the tests' view of the access log.)
            if answers(port, ctx, "/_testenv/ready") == 200 and answers(control_port, None, "/_testenv/ready") == 200:
                return proc, port, control_port
            time.sleep(0.005)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            fail(f"lighttpd did not answer within 15 s; see {work}/lighttpd-error.log")
        log_text = ""
        for name in ("lighttpd.out", "lighttpd-error.log"):
            if os.path.exists(f"{work}/{name}"):
                with open(f"{work}/{name}", errors="replace") as f:
                    log_text += f.read()
        if "Address already in use" not in log_text:
            fail(f"lighttpd exited ({proc.returncode}):\n{log_text[-2000:]}")
    fail("no free port after 5 attempts")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--repo", action="append", default=[])
    ap.add_argument("--token")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--remove-if-orphaned", action="store_true", help="remove WORKDIR if the parent dies")
    a = ap.parse_args()
    work = os.path.abspath(a.workdir)
    token = os.environ.get("GIT_HTTP_TOKEN") or a.token or DEFAULT_TOKEN
    if any(c in token for c in ":\n\r"):
        fail("the token must not contain ':' or a line break")
    for d in ("repos", "www/_testenv", "tmp", "home"):
        os.makedirs(f"{work}/{d}", exist_ok=True)
    with open(f"{work}/www/_testenv/ready", "w") as f:
        f.write("ready\n")

    state = {}  # filled once started; the lifeline's cleanup kills what is in it

    def cleanup():
        proc = state.get("proc")
        if proc is not None and proc.returncode is None:
            try:
                os.kill(proc.pid, 9)
                os.waitpid(proc.pid, 0)
            except OSError:
                pass

    lifeline.tie_to_parent(cleanup, orphan_dir=work if a.remove_if_orphaned else None)

    lighttpd = find_lighttpd()
    exec_path = run(["git", "--exec-path"], env=git_env(work)).strip() if shutil.which("git") else ""
    backend = f"{exec_path}/git-http-backend"
    if not os.access(backend, os.X_OK):
        fail(f"git-http-backend not found (git --exec-path: {exec_path or 'no git on PATH'})\n{HINT}")
    for name in a.repo:
        create_repo(work, name)
    write_htpasswd(work, token)
    open(f"{work}/access.log", "w").close()

    ctx = None
    if a.tls:
        which("openssl")
        make_tls(work)
        ctx = ssl.create_default_context(cafile=f"{work}/ca.pem")

    proc, port, control_port = start_lighttpd(lighttpd, work, backend, a.tls, ctx, state)
    scheme = "https" if a.tls else "http"
    ready = {
        "url": f"{scheme}://127.0.0.1:{port}/git",
        "addr": f"127.0.0.1:{port}",
        "port": port,
        "control_addr": f"127.0.0.1:{control_port}",
        "pid": proc.pid,
        "pids": [os.getpid(), proc.pid],
        "repos": f"{work}/repos",
        "access_log": f"{work}/access.log",
        "users": list(USERS),
        "ca_file": f"{work}/ca.pem" if a.tls else None,
    }
    print(json.dumps(ready), flush=True)
    while proc.poll() is None:
        time.sleep(0.2)
    fail(f"lighttpd exited ({proc.returncode}); see {work}/lighttpd-error.log")


if __name__ == "__main__":
    main()
