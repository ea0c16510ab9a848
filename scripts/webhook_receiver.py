#!/usr/bin/env python3
"""A webhook receiver for tests and for trying Carteiro's outgoing webhooks by hand.

Listens on 127.0.0.1:PORT, checks each POST's Carteiro-Signature header the way a real receiver
should (HMAC-SHA256 of "<t>.<raw body>" with the shared secret, compared in constant time; t
within 5 minutes of this machine's clock, so that a captured request cannot be replayed), and
appends one JSON line per request to --record:

  {"accepted": true, "reason": "", "status": 204, "id": "...", "kind": "...", "position": 42,
   "subject": "...", "webhookId": "...", "attempt": "1", "body": {...}}

Answers 204 when accepted, 401 for a bad signature, 400 for a stale or missing timestamp, and
--status CODE for every request when given (to play a failing receiver), after --delay
seconds (to play a slow one).

    .venv/bin/python scripts/webhook_receiver.py --port 9099 --secret whsec_... --record got.jsonl
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 300


def verify(header, body, secret, now):
    """(accepted, reason) for a Carteiro-Signature header value and the raw body."""
    if not header:
        return False, "no signature"
    timestamp = None
    signatures = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    try:
        t = int(timestamp)
    except (TypeError, ValueError):
        return False, "no timestamp"
    if abs(now - t) > REPLAY_WINDOW_SECONDS:
        return False, "timestamp outside the replay window"
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        return False, "bad signature"
    return True, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True, help="file to append one JSON line per request to")
    parser.add_argument("--status", type=int, default=None, help="answer every request with this status")
    parser.add_argument("--delay", type=float, default=0, help="seconds to wait before answering (a slow receiver)")
    options = parser.parse_args()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            accepted, reason = verify(self.headers.get("Carteiro-Signature"), body, options.secret, time.time())
            try:
                document = json.loads(body)
            except ValueError:
                document = None
                accepted, reason = False, "body is not JSON"
            status = options.status or (204 if accepted else (400 if "timestamp" in reason else 401))
            record = {
                "accepted": accepted and 200 <= status < 300,
                "reason": reason,
                "status": status,
                "path": self.path,
                "attempt": self.headers.get("Carteiro-Delivery-Attempt"),
                "id": (document or {}).get("id"),
                "kind": (document or {}).get("kind"),
                "position": (document or {}).get("position"),
                "subject": (document or {}).get("subject"),
                "webhookId": (document or {}).get("webhookId"),
                "body": document,
            }
            with lock, open(options.record, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, sort_keys=True) + "\n")
            if options.delay:
                time.sleep(options.delay)
            answer = b"" if status == 204 else json.dumps({"error": reason or "refused"}).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            if answer:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):
            sys.stderr.write("webhook_receiver: " + (format % args) + "\n")

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    print(f"listening on 127.0.0.1:{options.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
