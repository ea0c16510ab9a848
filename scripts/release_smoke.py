#!/usr/bin/env python3
"""Smoke test of the release binary, the one scripts/run.sh runs: `carteiro serve` with every
role answers its public routes as the debug build does in the test suite. Exits 1, naming the
check, on the first failure. Run by scripts/test.sh after the suite."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "release", "carteiro")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main():
    data = tempfile.mkdtemp(prefix="carteiro-smoke-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    token = subprocess.run(
        [BINARY, "token", "create", "--name", "smoke", "--scope", "admin", "--data-dir", data],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    log = open(os.path.join(data, "serve.log"), "w")
    server = subprocess.Popen(
        [BINARY, "serve", "--port", str(port), "--data-dir", data, "--public-url", base,
         "--signup-address", "Loja <cadastro@loja.example>"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    failures = []

    def check(name, got, expected):
        if got != expected:
            failures.append(f"{name}: got {got}, expected {expected}")

    try:
        for _ in range(200):
            try:
                if request("GET", f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            failures.append("the server never answered /health")
        if not failures:
            check("GET /health", request("GET", f"{base}/health")[0], 200)
            signup = json.dumps({"email": "Ana Souza <ana@exemplo.com.br>"}).encode()
            check("POST /api/v1/signups", request("POST", f"{base}/api/v1/signups", signup, {"Content-Type": "application/json"})[0], 202)
            check("GET /api/v1/contacts without a token", request("GET", f"{base}/api/v1/contacts")[0], 401)
            status, body = request("GET", f"{base}/api/v1/contacts?email=ana@exemplo.com.br", headers={"Authorization": f"Bearer {token}"})
            check("GET /api/v1/contacts with a token", status, 200)
            check("the signed-up contact", (json.loads(body).get("items") or [{}])[0].get("status") if status == 200 else None, "pending")
            check("GET /t/o/forged", request("GET", f"{base}/t/o/forged.token")[0], 404)
            check("POST /u/forged", request("POST", f"{base}/u/forged", b"List-Unsubscribe=One-Click")[0], 404)
            check("GET /confirm/unknown", request("GET", f"{base}/confirm/{'a' * 32}")[0], 404)
            check("GET /api/v1/reports/usage", request(
                "GET", f"{base}/api/v1/reports/usage?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
                headers={"Authorization": f"Bearer {token}", "Accept": "text/csv"})[0], 200)
        if server.poll() is not None:
            failures.append(f"the server exited with {server.returncode}")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=30)
                check("exit after SIGTERM", code, 0)
            except subprocess.TimeoutExpired:
                server.kill()
                failures.append("the server did not stop within 30 s of SIGTERM")
        log.close()
    if failures:
        print("release smoke test failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        print(open(os.path.join(data, "serve.log")).read()[-4000:], file=sys.stderr)
        sys.exit(1)
    print("release smoke test passed")


if __name__ == "__main__":
    main()
