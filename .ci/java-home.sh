# Sourced by ./midge and .ci/run: picks the JDK that builds and runs Midge (21 or newer).
#
#   use_jdk_21_or_newer   exports JAVA_HOME and puts its bin first on PATH; prints why and
#                         returns 1 when there is no such JDK
#
# Preference: $JAVA_HOME when it is 21 or newer, else the newest 21+ under /usr/lib/jvm,
# else the java on PATH when it is 21 or newer.

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

use_jdk_21_or_newer() {
  local candidate release best="" best_release=0
  if [[ -n ${JAVA_HOME:-} ]]; then
    release=$(jdk_feature_release "$JAVA_HOME")
    if (( ${release:-0} >= 21 )); then
      best=$JAVA_HOME
    fi
  fi
  if [[ -z $best ]]; then
    for candidate in /usr/lib/jvm/*/; do
      candidate=${candidate%/}
      release=$(jdk_feature_release "$candidate")
      if (( ${release:-0} >= 21 && ${release:-0} > best_release )); then
        best=$candidate best_release=$release
      fi
    done
  fi
  if [[ -z $best ]] && command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    release=$(jdk_feature_release "$candidate")
    if (( ${release:-0} >= 21 )); then
      best=$candidate
    fi
  fi
  if [[ -z $best ]]; then
    echo "midge: needs a JDK 21 or newer; set JAVA_HOME to one (found none in JAVA_HOME=${JAVA_HOME:-}, /usr/lib/jvm or PATH)" >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}
