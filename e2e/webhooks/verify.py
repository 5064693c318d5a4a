"""End-to-end check of Playgram's outbound webhooks with the official Standard Webhooks library.

Runs a receiver on a free port that verifies every delivery with `standardwebhooks.Webhook`
(PyPI), drives a running Playgram over its REST API (sign up, create an endpoint, make events
happen, send a test event, rotate the secret), and exits non-zero unless every delivery verified:
with the endpoint's secret, and during a rotation with both the old and the new one.

Usage: PLAYGRAM_URL=http://127.0.0.1:PORT python verify.py
"""

import http.cookiejar
import http.server
import json
import os
import sys
import threading
import time
import urllib.request

from standardwebhooks.webhooks import Webhook

BASE = os.environ["PLAYGRAM_URL"].rstrip("/")
received = []
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with lock:
            received.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_address[1]}/hooks"

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    request.add_header("origin", BASE)
    with opener.open(request) as response:
        return json.loads(response.read() or b"null")


def wait_for(count, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with lock:
            if len(received) >= count:
                return list(received)
        time.sleep(0.05)
    sys.exit(f"FAIL: {len(received)} of {count} deliveries arrived")


def verify(secret, headers, body):
    # Webhook.verify raises on a bad or missing signature, or a timestamp out of tolerance.
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] and "timestamp" in payload and "data" in payload, payload
    return payload


email = f"e2e-{int(time.time() * 1000)}@example.com"
call("POST", "/api/v1/auth/signup", {
    "email": email, "password": "correct horse battery", "name": "E2E", "workspace_name": "Webhooks E2E",
})
endpoint = call("POST", "/api/v1/webhook-endpoints", {"url": hook_url, "event_types": ["api_key.created", "member.*"]})["data"]
secret = endpoint["secret"]

# A real event, and a test send of another type's example.
call("POST", "/api/v1/api-keys", {"name": "e2e", "scopes": ["workspace:read"]})
call("POST", f"/api/v1/webhook-endpoints/{endpoint['id']}/test", {"event_type": "member.joined"})
got = wait_for(2)
types = sorted(verify(secret, h, b)["type"] for h, b in got)
assert types == ["api_key.created", "member.joined"], types

# A wrong secret must not verify (the library really checks).
try:
    Webhook("whsec_" + "QUJD" * 8).verify(got[0][1], got[0][0])
    sys.exit("FAIL: a wrong secret verified")
except Exception:
    pass

# Rotation: both signatures are sent; each secret verifies on its own.
rotated = call("POST", f"/api/v1/webhook-endpoints/{endpoint['id']}/secret/rotate", {"overlap_hours": 1})["data"]
call("POST", "/api/v1/api-keys", {"name": "e2e 2", "scopes": ["workspace:read"]})
headers, body = wait_for(3)[2]
assert len(headers.get("webhook-signature", headers.get("Webhook-Signature", "")).split(" ")) == 2, headers
verify(secret, headers, body)
verify(rotated["secret"], headers, body)
print(f"OK: {len(received)} deliveries verified by standardwebhooks (PyPI), including both secrets during a rotation")
