#!/usr/bin/env bash
# Escalation lateness benchmark against a throwaway PostgreSQL cluster, removed afterwards.
# Extra arguments go to the benchmark (e.g. ops/bench-escalations.sh --count 1000 --rates 50,100).
# Figures and how to read them: docs/benchmarks.md, "Escalation lateness".
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source "$repo/ops/lib/postgres.sh"
cd "$repo"

for base in "${TMPDIR:-}" /tmp /var/tmp; do
  [[ -n $base && -d $base ]] && pg_reachable "$base" && break
done
work=$(mktemp -d "$base/hotline-bench-esc.XXXXXX")
chmod 755 "$work"

# shellcheck disable=SC2317  # only called from the EXIT trap
cleanup() {
  pg_cluster_stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(pg_free_port)
pg_cluster_start "$work/pg" "$port"
dotnet run -c Release --project tests/Hotline.Benchmarks.Escalations -- --postgres "$(pg_conn_string "$port" postgres)" "$@"
