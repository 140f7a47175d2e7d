#!/usr/bin/env bash
# Escalation lateness benchmark against a throwaway PostgreSQL cluster, removed afterwards.
# Extra arguments go to the benchmark (e.g. ops/bench-escalations.sh --count 1000 --rates 50,100).
# Figures and how to read them: docs/benchmarks.md, "Escalation lateness".
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source "$repo/ops/lib/postgres.sh"
cd "$repo"

pg_throwaway hotline-bench-esc
dotnet run -c Release --project tests/Hotline.Benchmarks.Escalations -- --postgres "$(pg_conn_string "$pg_port" postgres)" "$@"
