#!/usr/bin/env bash
# Build and run every test against a throwaway PostgreSQL cluster, removed afterwards.
# Extra arguments go to `dotnet test` (e.g. ops/test.sh --filter Escalation).
# Exports HOTLINE_TEST_POSTGRES, a connection string to the maintenance database `postgres`;
# the test fixture creates its own databases from it. Exit code: that of `dotnet test`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source "$repo/ops/lib/postgres.sh"
cd "$repo"

pg_throwaway hotline-test
work=$pg_work port=$pg_port
mkdir "$work/results"
HOTLINE_TEST_POSTGRES=$(pg_conn_string "$port" postgres)
# What the app under test logs (warnings and up), printed below for each failed test.
HOTLINE_TEST_LOG="$work/results/app.log"
export HOTLINE_TEST_POSTGRES HOTLINE_TEST_LOG

rc=0
dotnet test Hotline.sln -c Release --logger trx --results-directory "$work/results" "$@" || rc=$?

# A failed test with what the app logged while it ran (UTC times on both sides), at most 40 lines each.
if [[ $rc -ne 0 && -s $HOTLINE_TEST_LOG ]]; then
  find "$work/results" -name '*.trx' -exec cat {} + | awk -v log_file="$HOTLINE_TEST_LOG" '
    function attr(k) { return match($0, " " k "=\"[^\"]*\"") ? substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 4) : "" }
    /<UnitTestResult / && /outcome="Failed"/ {
      from = substr(attr("startTime"), 1, 23); to = substr(attr("endTime"), 1, 23); shown = 0
      printf "\n--- app log during %s (%s to %s):\n", attr("testName"), from, to
      while ((getline line < log_file) > 0) {
        t = substr(line, 1, 23)
        if (t >= from && t <= to && shown++ < 40) print line
      }
      close(log_file)
    }'
fi

# One .trx per test project; add up their counters (a skipped test is counted but not executed).
find "$work/results" -name '*.trx' -exec cat {} + | awk '
  function get(k,  v) {
    if (!match($0, " " k "=\"[0-9]+\"")) return 0
    v = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); return v + 0
  }
  /<Counters / { p += get("passed"); f += get("failed") + get("error") + get("timeout") + get("aborted"); s += get("total") - get("executed") }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
exit "$rc"
