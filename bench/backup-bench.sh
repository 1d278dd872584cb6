#!/usr/bin/env bash
# Backup benchmark against a running appliance (the quick start, started with rate limits off; see
# docs/performance.md, "Backups"). In order:
#   1. uploads N documents with their own 384-dimension vectors (so the model's speed plays no
#      part), 8 at a time, and waits until all are indexed;
#   2. `backup run`: a full snapshot -> snapshot throughput (MB/s of ciphertext read and stored);
#   3. uploads 1 % more documents, `backup run` again -> the incremental snapshot's share of a full one;
#   4. steady ingest (one document every 200 ms) for STEADY_SECONDS while reading journal_lag_seconds
#      from GET /v1/system/backups every second -> max and p95 of the lag (the RPO exposure);
#   5. `dr drill`: restore of the newest point into a scratch home, a second appliance started
#      there, check queries compared -> RTO (seconds to ready) and RPO.
#   bench/backup-bench.sh [documents]          (default 10000; STEADY_SECONDS default 60)
# Needs curl, jq, python3. Uses STRONGROOM_HOME (default ./var), STRONGROOM_URL, STRONGROOM_CONFIG as
# the quick start does; the API key goes to curl in a 0600 file, never on a command line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=installer/lib.sh
. "$ROOT/installer/lib.sh"
DOCS="${1:-10000}"
STEADY="${STEADY_SECONDS:-60}"
URL="${STRONGROOM_URL:-https://127.0.0.1:8443}"
export STRONGROOM_HOME="${STRONGROOM_HOME:-$ROOT/var}"
[ -n "${STRONGROOM_CONFIG:-}" ] && export STRONGROOM_CONFIG
export SOFTHSM2_CONF="${SOFTHSM2_CONF:-$STRONGROOM_HOME/hsm/softhsm2.conf}"
KEY="${STRONGROOM_KEY:-$(cat "$STRONGROOM_HOME/bootstrap/owner-api-key")}"
JAVA="$(strongroom_java)"
JAR="$ROOT/appliance/target/strongroom.jar"
CLI=("$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$JAR")
for tool in curl jq python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y $tool" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(umask 077 && printf 'Authorization: Bearer %s\n' "$KEY" > "$WORK/auth")
api() { curl -sSk --fail-with-body -H @"$WORK/auth" -H 'Content-Type: application/json' "$@"; }

# Documents: 2 chunks of Europarl-like text each, random unit vectors (seeded, reproducible).
python3 - "$DOCS" "$WORK/docs" <<'PY'
import json, math, os, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out)
rnd = random.Random(42)
words = ("council parliament member state report commission budget vote directive market energy "
         "transport fisheries rights citizens regional policy agreement proposal amendment").split()
def vec():
    v = [rnd.gauss(0, 1) for _ in range(384)]
    s = math.sqrt(sum(x * x for x in v))
    return [round(x / s, 6) for x in v]
for i in range(int(n * 1.01) + 400):
    chunks = [{"content": f"Document {i} part {p}: " + " ".join(rnd.choice(words) for _ in range(120)),
               "vector": vec()} for p in range(2)]
    with open(f"{out}/{i:06d}.json", "w") as f:
        json.dump({"chunks": chunks, "metadata": {"n": i}}, f)
PY
DS=$(api -d "{\"name\":\"backup-bench-$(date +%s)\"}" "$URL/v1/datasets" | jq -r .id)
upload() { # first count
  ls "$WORK"/docs/*.json | sed -n "$(($1 + 1)),$(($1 + $2))p" | xargs -P 8 -I{} curl -sSk -o /dev/null \
    --fail-with-body -H @"$WORK/auth" -H 'Content-Type: application/json' --data-binary @{} \
    "$URL/v1/datasets/$DS/documents"
}
await_indexed() { # expected document count
  while :; do
    local total processing
    total=$(api "$URL/v1/datasets/$DS/documents?limit=1" | jq .total)
    processing=$(api "$URL/v1/datasets/$DS/documents?limit=100" | jq '[.items[] | select(.status == "processing")] | length')
    [ "$total" -ge "$1" ] && [ "$processing" -eq 0 ] && break
    sleep 1
  done
}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_vnni|avx_vnni|amx_tile)$' | tr '\n' ' ')

echo "dataset $DS: uploading $DOCS documents with their own vectors" >&2
t=$(date +%s.%N); upload 0 "$DOCS"; await_indexed "$DOCS"
ingest_s=$(python3 -c "import time; print(round(time.time() - $t, 1))")

echo "full snapshot" >&2
t=$(date +%s.%N); "${CLI[@]}" backup run > "$WORK/full.json"
full_s=$(python3 -c "import time; print(round(time.time() - $t, 2))")

extra=$((DOCS / 100))
echo "uploading $extra more (1 %), incremental snapshot" >&2
upload "$DOCS" "$extra"; await_indexed $((DOCS + extra))
t=$(date +%s.%N); "${CLI[@]}" backup run > "$WORK/incr.json"
incr_s=$(python3 -c "import time; print(round(time.time() - $t, 2))")

echo "steady ingest for $STEADY s, journal lag every second" >&2
(
  i=$((DOCS + extra))
  end=$(( $(date +%s) + STEADY ))
  while [ "$(date +%s)" -lt "$end" ]; do
    curl -sSk -o /dev/null -H @"$WORK/auth" -H 'Content-Type: application/json' \
      --data-binary @"$(ls "$WORK"/docs/*.json | sed -n "$((i + 1))p")" "$URL/v1/datasets/$DS/documents" || true
    i=$((i + 1)); sleep 0.2
  done
) &
ingest_pid=$!
: > "$WORK/lag"
for _ in $(seq "$STEADY"); do
  api "$URL/v1/system/backups" | jq .journal_lag_seconds >> "$WORK/lag"; sleep 1
done
wait "$ingest_pid"

echo "dr drill (RTO)" >&2
"${CLI[@]}" dr drill > "$WORK/drill.json"

python3 - "$WORK" "$DOCS" "$extra" "$ingest_s" "$full_s" "$incr_s" "$cpu" "$flags" <<'PY'
import json, sys
w, docs, extra, ingest_s, full_s, incr_s, cpu, flags = sys.argv[1:]
full, incr, drill = (json.load(open(f"{w}/{n}.json")) for n in ("full", "incr", "drill"))
lags = sorted(float(x) for x in open(f"{w}/lag") if x.strip() not in ("", "null"))
up = lambda r: max(r["bytes_uploaded"].values())
print(json.dumps({
  "documents": int(docs), "cpu": cpu, "cpu_flags": flags.split(),
  "ingest_seconds": float(ingest_s),
  "full_snapshot_bytes": full["bytes_total"], "full_snapshot_uploaded": up(full),
  "full_snapshot_seconds": float(full_s), "full_snapshot_mb_per_s": round(up(full) / 1e6 / float(full_s), 1),
  "incremental_after_1pct_bytes": up(incr), "incremental_seconds": float(incr_s),
  "incremental_share_of_full": round(up(incr) / full["bytes_total"], 4),
  "journal_lag_max_s": max(lags) if lags else None,
  "journal_lag_p95_s": lags[int(0.95 * (len(lags) - 1))] if lags else None,
  "rto_seconds": drill.get("rto_seconds"), "rpo_seconds": drill.get("rpo_seconds"),
  "drill_passed": drill.get("passed"), "drill_objects_verified": drill.get("objects_verified"),
}, indent=1))
PY
