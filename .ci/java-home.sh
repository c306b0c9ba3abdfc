# Sourced by ./midge, .ci/run and the benchmark scripts. Midge targets Java 17 (Debian 12's default JDK).
#
#   use_jdk_17_or_newer    for running the broker and the benchmarks: exports JAVA_HOME and puts its bin first
#                          on PATH; prints why and returns 1 when there is no such JDK. Preference: $JAVA_HOME
#                          when it is 17 or newer, else the newest 17+ under /usr/lib/jvm (a newer JDK runs
#                          the broker faster), else the java on PATH when it is 17 or newer.
#   set_broker_jvm_flags   sets the array jvm_flags to the options the broker runs with on $JAVA_HOME's JDK.
#   require_default_jdk_17 for the test command, which runs with the machine's own JDK: returns 1, naming what
#                          to install, when the java and javac that Maven will use are older than 17 or missing.

# The feature release (17, 21, 25, ...) of the JDK at $1, or nothing when it is not a JDK.
jdk_feature_release() {
  local home=$1 version
  [[ -x $home/bin/java && -x $home/bin/javac ]] || return 0
  if [[ -r $home/release ]]; then
    version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")
  else
    version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.version = //p')
  fi
  version=${version#1.}   # 1.8.0_402 -> 8.0_402
  version=${version%%[!0-9]*}
  [[ -n $version ]] && echo "$version"
  return 0
}

use_jdk_17_or_newer() {
  local candidate release best="" best_release=0
  if [[ -n ${JAVA_HOME:-} ]]; then
    release=$(jdk_feature_release "$JAVA_HOME")
    if (( ${release:-0} >= 17 )); then
      best=$JAVA_HOME
    fi
  fi
  if [[ -z $best ]]; then
    for candidate in /usr/lib/jvm/*/; do
      candidate=${candidate%/}
      release=$(jdk_feature_release "$candidate")
      if (( ${release:-0} >= 17 && ${release:-0} > best_release )); then
        best=$candidate best_release=$release
      fi
    done
  fi
  if [[ -z $best ]] && command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    release=$(jdk_feature_release "$candidate")
    if (( ${release:-0} >= 17 )); then
      best=$candidate
    fi
  fi
  if [[ -z $best ]]; then
    echo "midge: needs a JDK 17 or newer (apt-get install openjdk-17-jdk); set JAVA_HOME to one (found none in JAVA_HOME=${JAVA_HOME:-}, /usr/lib/jvm or PATH)" >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

require_default_jdk_17() {
  local home release
  if [[ -n ${JAVA_HOME:-} ]]; then
    home=$JAVA_HOME
  elif command -v javac >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  else
    echo "ci: no JDK found: install JDK 17 or newer (Debian: apt-get install openjdk-17-jdk)" >&2
    return 1
  fi
  release=$(jdk_feature_release "$home")
  if (( ${release:-0} < 17 )); then
    echo "ci: the JDK at $home is ${release:-not a JDK}; Midge needs 17 or newer (Debian: apt-get install openjdk-17-jdk)" >&2
    return 1
  fi
  echo "$release"
}

# The JVM options the broker runs with for the JDK at $JAVA_HOME, in the array jvm_flags: the release's launcher
# (midge-dist/src/bin/midge, which ./midge runs too) says which, so that they are written in one place.
set_broker_jvm_flags() {
  local root
  root=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
  read -r -a jvm_flags <<< "$(MIDGE_PRINT_JVM_FLAGS=1 "$root/midge-dist/src/bin/midge")"
}
