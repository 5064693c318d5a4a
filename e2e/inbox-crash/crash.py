"""Drives the inbox crash test (see run.sh): sends signed webhooks from 32 threads, kills the
server twice with SIGKILL under load, restarts it, redelivers what was not answered (as Meta
would), waits for the parser, then checks every acknowledged message is stored exactly once."""
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

URL = os.environ["PLAYGRAM_URL"]
HOST, PORT = URL.removeprefix("http://").split(":")
SECRET = "crash-test-secret"
TOTAL = int(os.environ.get("CRASH_WEBHOOKS", "6000"))


def api(method, path, body=None, cookie=None):
    request = urllib.request.Request(URL + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    request.add_header("origin", URL)
    if cookie:
        request.add_header("cookie", cookie)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null"), response.headers


_, headers = api("POST", "/auth/signup", {"email": "crash@example.com", "password": "crash-password-1",
                                         "name": "Crash", "workspace_name": "Crash"})
cookie = headers["set-cookie"].split(";")[0]
channel, _ = api("POST", "/channels", {"kind": "whatsapp", "phone_number_id": "1", "waba_id": "2",
                                      "access_token": "t", "app_secret": SECRET}, cookie)
path = "/hooks/whatsapp/" + channel["data"]["id"]


def body(i):
    sender = f"3460{i % 251:07d}"
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "2", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
        "contacts": [{"profile": {"name": f"Customer {i % 251}"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": f"wamid.CRASH{i:08d}", "timestamp": str(1765000000 + i), "type": "text",
                      "text": {"body": f"message {i}"}}]}}]}]}).encode()


acked = set()
lock = threading.Lock()
pending = list(range(TOTAL))


def deliver(numbers):
    connection = None
    for i in numbers:
        data = body(i)
        signature = "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, int(PORT), timeout=10)
            connection.request("POST", path, data, {"content-type": "application/json", "x-hub-signature-256": signature})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                with lock:
                    acked.add(i)
        except Exception:
            connection = None  # Killed mid-request: not acknowledged, Meta will retry it.
            time.sleep(0.05)


def round_of(numbers, kill_after=None):
    threads = [threading.Thread(target=deliver, args=(numbers[k::32],)) for k in range(32)]
    for t in threads:
        t.start()
    if kill_after is not None:
        time.sleep(kill_after)
        pid = int(open(os.environ["PID_FILE"]).read())
        os.kill(pid, signal.SIGKILL)
        print(f"killed the server with SIGKILL after {kill_after} s ({len(acked)} acknowledged so far)")
        time.sleep(0.5)
        new_pid = subprocess.run([os.environ["RESTART"]], capture_output=True, text=True, env=os.environ).stdout.strip()
        open(os.environ["PID_FILE"], "w").write(new_pid)
        wait_ready()
    for t in threads:
        t.join()


def wait_ready():
    for _ in range(300):
        try:
            urllib.request.urlopen(URL + "/readyz", timeout=2)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit("the server did not come back")


round_of(pending, kill_after=1.5)
round_of([i for i in range(TOTAL) if i not in acked], kill_after=1.0)
# Meta redelivers what was never answered, and some of what was (it may have missed a 200).
missing = [i for i in range(TOTAL) if i not in acked]
round_of(missing + list(range(0, TOTAL, 50)))
print(f"{len(acked)} of {TOTAL} acknowledged; waiting for the parser")

deadline = time.time() + 180
while True:
    stored = 0
    cursor = ""
    seen_ids = []
    while True:
        page, _ = api("GET", f"/conversations?limit=200{cursor}", cookie=cookie)
        for conversation in page["data"]:
            cursor_m = ""
            while True:
                messages, _ = api("GET", f"/conversations/{conversation['id']}/messages?limit=200{cursor_m}", cookie=cookie)
                seen_ids += [m["provider_id"] for m in messages["data"]]
                if not messages["meta"]["next_cursor"]:
                    break
                cursor_m = "&cursor=" + messages["meta"]["next_cursor"]
        if not page["meta"]["next_cursor"]:
            break
        cursor = "&cursor=" + page["meta"]["next_cursor"]
    have = {int(p.removeprefix("wamid.CRASH")) for p in seen_ids}
    if acked <= have or time.time() > deadline:
        break
    time.sleep(1)

duplicates = len(seen_ids) - len(set(seen_ids))
lost = sorted(acked - have)
print(f"messages stored: {len(seen_ids)}; acknowledged and stored: {len(acked & have)}; lost: {len(lost)}; twice: {duplicates}")
if lost or duplicates:
    sys.exit(f"FAILED: lost {lost[:10]}…, duplicates {duplicates}")
print("ok: every acknowledged webhook is one message")
