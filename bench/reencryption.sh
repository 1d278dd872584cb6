#!/usr/bin/env bash
# Re-encryption after a dataset key rotation, against a running appliance (the quick start,
# started with rate limits off; see docs/performance.md): builds a dataset of DOCUMENTS documents
# of CHUNKS chunks with the client's own 384-dimension vectors, runs CLIENTS query loops (semantic
# and keyword, half each) for IDLE seconds, rotates the dataset's key, runs the same load until the
# background pass has moved everything under v1, and prints one JSON object: bytes moved, pass
# seconds, MB/s, query p50/p99 idle and during.
#   bench/reencryption.sh [documents] [chunks] [clients] [idle-seconds]     (default 200 100 4 30)
# STRONGROOM_URL (default https://127.0.0.1:8443), STRONGROOM_HOME (default ./var) for the
# certificate and the owner and operator keys (read from their files, never on a command line).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/installer/lib.sh"
URL="${STRONGROOM_URL:-https://127.0.0.1:8443}"
HOME_DIR="${STRONGROOM_HOME:-$ROOT/var}"
JAVA="$(strongroom_java)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores," \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -oE 'avx2|avx512f|avx512_vnni|vaes' | sort -u | xargs)" >&2
exec "$JAVA" "$ROOT/bench/Reencryption.java" "$URL" "$HOME_DIR" "${1:-200}" "${2:-100}" "${3:-4}" "${4:-30}"
