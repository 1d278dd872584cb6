#!/usr/bin/env bash
# Runs the whole test suite against real components: SoftHSM2 over PKCS#11, real Lucene files, a real
# Keycloak, headless Chromium (Debian chromium + chromium-driver), ...
# Installs the Debian packages the tests need when they are missing; Maven fetches the rest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=installer/lib.sh
. "$ROOT/installer/lib.sh"

strongroom_java >/dev/null
strongroom_apt softhsm2 opensc maven chromium chromium-driver
cd "$ROOT"
exec mvn -B verify "$@"
