#!/usr/bin/env bash
# Builds the deployable bundle from an already built appliance (appliance/target/strongroom.jar and
# its lib/):
#
#   installer/target/strongroom-<version>-linux-x86_64.tar.gz         the bundle
#   installer/target/strongroom-<version>-linux-x86_64.tar.gz.sha256  `sha256sum -c` file
#
# holding, below strongroom-<version>/:
#   bin/strongroom        CLI and service launcher (the bundled runtime with the appliance's JVM flags)
#   runtime/              Java runtime made by jlink from JDK 25 (modules from jdeps, plus MODULES_EXTRA)
#   app/strongroom.jar    the appliance, and app/lib/ exactly the jars its manifest's Class-Path names
#   conf/                 strongroom.yaml (production example), strongroom.service (systemd unit)
#   install.sh            the installer (same as installer/install.sh)
#   sbom.json             CycloneDX SBOM of the runtime dependencies (made by Maven before this runs)
#   VERSION
#
# Normally run by Maven in the installer module's package phase (`mvn -B -DskipTests package` at the
# root); the environment below is what Maven passes. Entries are sorted, owned by 0:0 and stamped
# with SOURCE_DATE_EPOCH (default: the last commit's time), so two builds list the same files.
set -euo pipefail
umask 022
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=installer/lib.sh
. "$HERE/lib.sh"

VERSION="${STRONGROOM_VERSION:-$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -1)}"
APPLIANCE_TARGET="${APPLIANCE_TARGET:-$ROOT/appliance/target}"
BUNDLE_TARGET="${BUNDLE_TARGET:-$HERE/target}"
BUNDLE_SBOM="${BUNDLE_SBOM:-$BUNDLE_TARGET/sbom.json}"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)"
fi
# Found by the service at run time (ServiceLoader, reflection), so jdeps cannot see them:
# jdk.charsets (extended charsets in uploaded documents), jdk.zipfs (zip file systems),
# jdk.management (com.sun.management MXBeans). PKCS#11 goes through ipkcs11wrapper's own JNI library.
MODULES_EXTRA="${MODULES_EXTRA:-jdk.charsets,jdk.zipfs,jdk.management}"

NAME="strongroom-$VERSION"
ARCHIVE="$BUNDLE_TARGET/$NAME-linux-x86_64.tar.gz"
JAR="$APPLIANCE_TARGET/strongroom.jar"
[ -f "$JAR" ] || { echo "build-bundle: $JAR is missing; build the appliance first (mvn -B -DskipTests package)" >&2; exit 1; }
[ -f "$BUNDLE_SBOM" ] || { echo "build-bundle: $BUNDLE_SBOM is missing (made by cyclonedx-maven-plugin)" >&2; exit 1; }

JAVA="$(strongroom_java)"
JDK="$(dirname "$(dirname "$JAVA")")"

STAGE_PARENT="$BUNDLE_TARGET/bundle"
STAGE="$STAGE_PARENT/$NAME"
rm -rf "$STAGE_PARENT"
mkdir -p "$STAGE/bin" "$STAGE/app/lib" "$STAGE/conf"

# The application: the jar, and the jars its Class-Path names (not whatever else lies in lib/).
cp "$JAR" "$STAGE/app/strongroom.jar"
classpath="$(unzip -p "$JAR" META-INF/MANIFEST.MF | tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' |
  sed -n 's/^Class-Path: //p')"
[ -n "$classpath" ] || { echo "build-bundle: no Class-Path in $JAR" >&2; exit 1; }
for entry in $classpath; do
  cp "$APPLIANCE_TARGET/$entry" "$STAGE/app/$entry"
done

# The runtime: what jdeps finds the application needs, plus what it loads by name.
modules="$("$JDK/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
  --class-path "$STAGE/app/lib/*" "$STAGE/app/strongroom.jar" 2>/dev/null | tail -1)"
case "$modules" in java.base*) ;; *) echo "build-bundle: jdeps gave no module list: $modules" >&2; exit 1 ;; esac
modules="$(echo "$modules,$MODULES_EXTRA,jdk.incubator.vector" | tr ',' '\n' | awk 'NF && !seen[$0]++' | paste -sd,)"
echo "build-bundle: jlink --add-modules $modules" >&2
"$JDK/bin/jlink" --add-modules "$modules" --output "$STAGE/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 2> >(grep -v '^Warning: .*incubat' >&2 || true)

cat > "$STAGE/bin/strongroom" <<'EOF'
#!/bin/sh
# Strongroom: service and CLI (`strongroom serve`, `strongroom keys status`, ...; `--help`).
# Runs the appliance on the Java runtime bundled next to this script, with the JVM flags it needs:
# the Vector API (Lucene's SIMD scoring) and native access (BC-FIPS native AES, off-heap caches).
# STRONGROOM_JAVA_OPTS adds JVM options (e.g. -Xmx4g). exec, so a service manager's SIGTERM
# reaches the JVM, which shuts down cleanly.
base="$(dirname "$(dirname "$(readlink -f "$0")")")"
# shellcheck disable=SC2086
exec "$base/runtime/bin/java" $STRONGROOM_JAVA_OPTS --add-modules jdk.incubator.vector \
  --enable-native-access=ALL-UNNAMED -jar "$base/app/strongroom.jar" "$@"
EOF
chmod 755 "$STAGE/bin/strongroom"

cp "$ROOT/conf/strongroom.yaml" "$ROOT/conf/strongroom.service" "$STAGE/conf/"
cp "$HERE/install.sh" "$STAGE/install.sh"
chmod 755 "$STAGE/install.sh"
cp "$BUNDLE_SBOM" "$STAGE/sbom.json"
echo "$VERSION" > "$STAGE/VERSION"
chmod -R u+rwX,go-w,go+rX "$STAGE"

# Sorted entries, numeric owner 0:0, one mtime, no gzip time stamp: same listing on every build.
rm -f "$ARCHIVE" "$ARCHIVE.sha256"
tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  -C "$STAGE_PARENT" -cf - "$NAME" | gzip -n -6 > "$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"
(cd "$BUNDLE_TARGET" && sha256sum "$(basename "$ARCHIVE")" > "$(basename "$ARCHIVE").sha256")
echo "build-bundle: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)), modules: $modules" >&2
