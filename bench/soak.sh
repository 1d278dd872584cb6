#!/usr/bin/env bash
# Soak test against a running appliance (the quick start, started with rate limits off; see
# docs/performance.md): for SECONDS (default 600) CONCURRENCY clients (default 16) run a mix of
# hybrid queries (70 %), uploads (20 %) and deletes (10 %) over 4 datasets, after a warm-up of
# WARMUP seconds (default 60). Reports one JSON object: requests, errors by status, latency
# p50/p99 per kind, accepted uploads lost or failed, live heap after a full GC (jcmd) at the end
# of the warm-up and at the end, and RSS.
#   bench/soak.sh [seconds] [concurrency] [warmup-seconds]
# STRONGROOM_URL (default https://127.0.0.1:8443), STRONGROOM_HOME (default ./var) for the
# certificate and the owner key, STRONGROOM_PID when more than one appliance runs on the host.
# The key is read from its file by the load generator; it is never on a command line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/installer/lib.sh"
SECONDS_RUN="${1:-600}"
CONCURRENCY="${2:-16}"
WARMUP="${3:-60}"
URL="${STRONGROOM_URL:-https://127.0.0.1:8443}"
HOME_DIR="${STRONGROOM_HOME:-$ROOT/var}"
JAVA="$(strongroom_java)"
JAR="$ROOT/appliance/target/strongroom.jar"
[ -f "$JAR" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
KEY_FILE="${STRONGROOM_KEY_FILE:-$HOME_DIR/bootstrap/owner-api-key}"
[ -r "$KEY_FILE" ] || { echo "no API key at $KEY_FILE (set STRONGROOM_KEY_FILE)" >&2; exit 1; }

PID="${STRONGROOM_PID:-}"
if [ -z "$PID" ]; then
  PIDS=()
  for d in /proc/[0-9]*; do
    tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -q 'strongroom.jar serve' && PIDS+=("${d#/proc/}")
  done
  [ "${#PIDS[@]}" -eq 1 ] || { echo "found ${#PIDS[@]} appliances (${PIDS[*]:-none}); set STRONGROOM_PID" >&2; exit 1; }
  PID="${PIDS[0]}"
fi
JCMD="$(dirname "$JAVA")/jcmd"
echo "soak: appliance pid $PID, $SECONDS_RUN s at concurrency $CONCURRENCY after $WARMUP s warm-up" >&2
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores," \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -oE 'avx2|avx512f|avx512_vnni' | sort -u | xargs)" >&2
PATH="$(dirname "$JCMD"):$PATH" exec "$JAVA" "$ROOT/bench/Soak.java" "$URL" "$HOME_DIR/tls/server.crt" "$KEY_FILE" \
  "$JAR" "$PID" "$SECONDS_RUN" "$CONCURRENCY" "$WARMUP"
