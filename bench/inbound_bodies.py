#!/usr/bin/env python3
"""Writes a wrk Lua script that cycles through N distinct, correctly signed WhatsApp Cloud API
inbound text webhooks (X-Hub-Signature-256 over the exact body), from 997 senders, the same shape
as the peers' generator so the numbers compare; each wrk thread starts at its own offset, so the
message ids stay distinct.

Usage: inbound_bodies.py N APP_SECRET PATH OUT.lua [PHONE_NUMBER_ID]"""
import hashlib
import hmac
import json
import os
import sys

n, secret, path, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3], sys.argv[4]
phone_number_id = sys.argv[5] if len(sys.argv) > 5 else "106540352242922"
# Lua allows 65,536 constants per function: the table is filled by functions of 10,000 entries.
PER_FUNCTION = 10_000
with open(out, "w") as f:
    f.write("local B = {}\n")
    for i in range(n):
        if i % PER_FUNCTION == 0:
            if i:
                f.write("end\nfill()\n")
            f.write("local function fill()\n")
        sender = f"1650555{i % 997:04d}"
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": f"Bench User {i % 997}"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": f"wamid.{os.environ.get('ID_PREFIX', 'BENCH')}{i:010d}", "timestamp": str(1700000000 + i),
                          "type": "text", "text": {"body": f"hello number {i}"}}],
        }
        body = json.dumps({"object": "whatsapp_business_account",
                           "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]},
                          separators=(",", ":"))
        signature = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        f.write("B[#B+1] = {%s,%s}\n" % (json.dumps(body), json.dumps(signature)))
    f.write("end\nfill()\nlocal i = 0\nlocal n = #B\n")
    # Each wrk thread starts a quarter of the list further on, so threads do not send the same
    # bodies (up to 4 threads, while each sends fewer than N/4).
    f.write("local threads = 0\n"
            "function setup(thread)\n  thread:set(\"offset\", threads)\n  threads = threads + 1\nend\n"
            "function init(args)\n  i = (offset or 0) * math.floor(n / 4)\nend\n")
    f.write("function request()\n  i = i %% n + 1\n  local r = B[i]\n"
            "  return wrk.format(\"POST\", %s, {[\"Content-Type\"]=\"application/json\", "
            "[\"X-Hub-Signature-256\"]=r[2]}, r[1])\nend\n" % json.dumps(path))
    f.write("function response(status, headers, body)\n"
            "  if status ~= 200 then failed = (failed or 0) + 1 end\nend\n")
