# Shared by quickstart.sh and test.sh: find JDK 25 and install missing Debian packages.

# Prints the path of a JDK 25 `java`, or explains what to install and fails.
strongroom_java() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
      echo "$candidate/bin/java"
      return 0
    fi
  done
  echo "Strongroom needs JDK 25 (e.g. Temurin 25 in /usr/lib/jvm/temurin-25-jdk-amd64, or JAVA_HOME pointing at one)." >&2
  return 1
}

# Installs the named Debian packages that are not installed yet (needs root or sudo).
strongroom_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
