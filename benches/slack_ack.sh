#!/usr/bin/env bash
# Load benchmark of the signed /slack/commands ack path (loopback only, bounded duration).
# Builds examples/slack_bench_server (real router, instant fake asker, counting in-memory Slack double), signs one slash
# command body with a fresh timestamp (Slack's scheme accepts it for five minutes), and drives it with wrk:
#   1. ~200 req/s (4 connections, 20 ms between requests each) → p50/p99 latency
#   2. closed loop, 64 connections → max sustained req/s
# Every request is the same signed body, so after the first each one is refused as a replay (same trigger_id):
# signature check, form parse, one seen-id insert and an ephemeral ack — the ack path without a spawned answer.
# Prints idle and peak RSS of the server. Needs wrk (apt-get install -y wrk) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/asklake-target}"
DURATION="${DURATION:-15s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2; exit 2; }

# Optimise asklake itself (dependencies already are in the dev profile) without the release profile's DuckDB rebuild.
cargo build --quiet --example slack_bench_server --config 'profile.dev.package.asklake.opt-level=3'
BIN="$CARGO_TARGET_DIR/debug/examples/slack_bench_server"
WORK="$(mktemp -d)"
SECRET="bench-signing-secret"
trap 'exec 3>&- 2>/dev/null || true; [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Start the server with stdin from a FIFO we hold open; closing it stops the server.
mkfifo "$WORK/stdin"
"$BIN" 127.0.0.1:0 "$SECRET" "$WORK/bench.db" <"$WORK/stdin" >"$WORK/out" 2>"$WORK/err" &
PID=$!
exec 3>"$WORK/stdin"
for _ in $(seq 1 100); do grep -q '^listening ' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
PORT="$(awk '/^listening /{print $2}' "$WORK/out")"
[ -n "$PORT" ] || { echo "server did not start:"; cat "$WORK/err"; exit 1; }
URL="http://127.0.0.1:$PORT/slack/commands"

rss() { awk -v k="$1" '$1==k":"{print $2" "$3}' "/proc/$PID/status"; }
echo "server pid $PID on port $PORT; idle RSS: $(rss VmRSS)"

BODY='token=x&team_id=T1&team_domain=acme&channel_id=C1&channel_name=security&user_id=U1&user_name=alice&command=%2Fasklake&text=who+created+IAM+users+in+the+last+7+days%3F&api_app_id=A1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fabc&trigger_id=1.2.abc'
TS="$(date +%s)"
SIG="v0=$(printf 'v0:%s:%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')"

# Sanity check: the signed request is accepted, a forged one is not.
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL" -H "x-slack-request-timestamp: $TS" -H "x-slack-signature: $SIG" -H 'content-type: application/x-www-form-urlencoded' --data "$BODY")"
bad="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL" -H "x-slack-request-timestamp: $TS" -H "x-slack-signature: v0=00" -H 'content-type: application/x-www-form-urlencoded' --data "$BODY")"
echo "signed request → $code, forged request → $bad"
[ "$code" = 200 ] && [ "$bad" = 401 ] || exit 1

cat >"$WORK/req.lua" <<LUA
wrk.method = "POST"
wrk.body = "$BODY"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = "$TS"
wrk.headers["X-Slack-Signature"] = "$SIG"
local pace = tonumber(os.getenv("PACE_MS") or "0")
function delay() return pace end
LUA

echo
echo "== paced: 4 connections x 1 request per 20 ms (~200 req/s) for $DURATION =="
PACE_MS=20 wrk -t1 -c4 -d"$DURATION" --latency -s "$WORK/req.lua" "$URL" | tee "$WORK/paced.txt" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo
echo "== max throughput: 2 threads, 64 connections for $DURATION =="
PACE_MS=0 wrk -t2 -c64 -d"$DURATION" --latency -s "$WORK/req.lua" "$URL" | tee "$WORK/max.txt" | sed -n '/Latency Distribution/,/Transfer/p'
grep -E 'Non-2xx|Socket errors' "$WORK/paced.txt" "$WORK/max.txt" && echo "(errors above)" || true
echo
echo "peak RSS: $(rss VmHWM); RSS after load: $(rss VmRSS)"
METRICS="$(curl -s "http://127.0.0.1:$PORT/metrics")"
echo "$METRICS" | grep -E '^asklake_http_requests_total|^asklake_answer_seconds_count|^asklake_answers_in_flight'
exec 3>&-
wait "$PID" || true
PID=""
