#!/usr/bin/env bash
# Builds and runs Midge's JMH benchmarks (midge-benchmarks/target/benchmarks.jar).
#
#   ./midge-benchmarks/run.sh                                   # CodecBenchmark: 1 fork, 3 x 1 s warmup, 5 x 1 s measured
#   ./midge-benchmarks/run.sh -prof gc CodecBenchmark.decode    # any JMH arguments instead; -h lists them, -l the benchmarks
#
# Builds without compiling or running any tests (-Dmaven.test.skip=true): the benchmarks need none, and an
# unfinished test elsewhere in the reactor should not keep them from running.
# Build output goes to stderr; JMH writes its results to stdout.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")

if [[ -f $root/.ci/java-home.sh ]]; then
  # shellcheck source=../.ci/java-home.sh
  source "$root/.ci/java-home.sh"
  use_jdk_17_or_newer
else
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  export PATH="$JAVA_HOME/bin:$PATH"
fi

if (( $# == 0 )); then
  set -- -f 1 -wi 3 -i 5 -w 1s -r 1s CodecBenchmark
fi

echo "benchmarks: building $module/target/benchmarks.jar ..." >&2
if ! (cd "$root" && mvn -B -q -Dmaven.test.skip=true -pl midge-benchmarks -am package) >&2; then
  echo "benchmarks: the build failed (see above)" >&2
  exit 1
fi

exec java -jar "$module/target/benchmarks.jar" "$@"
