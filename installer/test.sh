#!/usr/bin/env bash
# Runs the whole test suite against real components: SoftHSM2 over PKCS#11, real Lucene files, a real
# Keycloak, headless Chromium (Debian chromium + chromium-driver), a real S3 server process, the
# bundle installed and upgraded, the Ansible roles converged into Debian roots.
# Installs the Debian packages the tests need when they are missing; Maven fetches the rest.
#
# Without arguments (what CI runs) the work is overlapped, because much of it waits on the network
# or on a child process rather than on the CPU: the Debian root for the Ansible test is downloaded
# while the appliance builds, and the installer module's tests (bundle, Ansible) run beside the
# appliance's own. Both Maven logs are printed; the exit status fails if either failed.
# With arguments (e.g. -Dtest=BackupRoundTripTest), one plain `mvn -B verify` with them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=installer/lib.sh
. "$ROOT/installer/lib.sh"

strongroom_java >/dev/null
strongroom_apt softhsm2 opensc maven chromium chromium-driver
cd "$ROOT"
if [ $# -gt 0 ] || [ "$(id -u)" -ne 0 ]; then
  # A developer's own selection, or no root for the Ansible test's chroots: one Maven run, in order.
  exec mvn -B verify "$@"
fi
strongroom_apt ansible ansible-lint debootstrap openssl curl

LOGS="$ROOT/installer/target/test-logs"
mkdir -p "$LOGS"
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || true; done; }
trap stop_all INT TERM

# 1. The Ansible test's Debian root, downloaded meanwhile (network and disk, little CPU).
setsid ansible/tests/converge.sh --prepare-root >"$LOGS/prepare-root.log" 2>&1 &
PREPARE=$!
PIDS+=("$PREPARE")
started=$(date +%s)

# 2. Everything built once, no tests; the appliance installed for the installer module's own run.
mvn -B -DskipTests -Dbundle.skip=true install

# 3. The installer module (bundle built and tested, then Ansible) beside the appliance's tests. The
#    appliance run stops at `test`, so the jar the bundle is built from is not rewritten meanwhile.
setsid mvn -B -pl installer verify >"$LOGS/installer.log" 2>&1 &
INSTALLER=$!
PIDS+=("$INSTALLER")
appliance_rc=0
mvn -B -pl appliance test || appliance_rc=$?
installer_rc=0
wait "$INSTALLER" || installer_rc=$?
wait "$PREPARE" || true # the converge waited for it, or made the root itself
echo "=============================== installer module ($LOGS/installer.log)"
cat "$LOGS/prepare-root.log" "$LOGS/installer.log"
echo "test.sh: appliance tests exit $appliance_rc, installer module exit $installer_rc," \
  "$(($(date +%s) - started)) s after the build started"
[ "$appliance_rc" -eq 0 ] && [ "$installer_rc" -eq 0 ]
