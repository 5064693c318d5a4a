#!/usr/bin/env bash
# Starts the server again after a kill (called by crash.py); prints its pid.
set -euo pipefail
"$BIN" serve --bind "127.0.0.1:$PORT" >>"$LOG" 2>&1 &
echo $!
