#!/usr/bin/env bash
# Run the hotline on this machine with no outside services.
#   ConnectionStrings__Hotline  use this database instead of the private cluster
#   HOTLINE_PG_PORT             private cluster port (55432)
#   HOTLINE_URL                 where the app listens (http://127.0.0.1:5080)
#   HOTLINE_DEMO_PASSWORD       password of the seeded demo staff (hotline-demo)
#   Twilio__AccountSid/Twilio__AuthToken  real Twilio; without them, the local sandbox
# Ctrl-C or SIGTERM stops the app, then the cluster. Data stays in .data/ for the next run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source "$repo/ops/lib/postgres.sh"
cd "$repo"

export HOTLINE_URL=${HOTLINE_URL:-http://127.0.0.1:5080}
pg_data=''   # set once we own a running cluster
app_pid='' banner_pid='' sandbox_pid=''

# shellcheck disable=SC2317  # only called from the EXIT trap
cleanup() {
  [[ -z $banner_pid ]] || kill "$banner_pid" 2>/dev/null || true
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    echo "[run] stopping the app" >&2
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  [[ -z $sandbox_pid ]] || { kill -TERM "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null; } || true
  [[ -z $pg_data ]] || pg_cluster_stop "$pg_data" || true
}
trap cleanup EXIT
# Exiting from these traps runs cleanup; without them a TERM would wait for the app to exit on its own.
trap 'exit 130' INT
trap 'exit 143' TERM

# Fail before starting anything when another server already answers there (the banner below
# would otherwise greet that server).
if command -v curl >/dev/null && curl -s -o /dev/null --max-time 2 "$HOTLINE_URL"; then
  echo "[run] something already answers at $HOTLINE_URL; set HOTLINE_URL to a free address" >&2
  exit 1
fi

mkdir -p .data

if [[ -z ${ConnectionStrings__Hotline:-} ]]; then
  data=$repo/.data/pg
  # As root the cluster runs as `postgres`, which cannot enter e.g. a checkout under /root.
  # Then keep the data in a fixed per-checkout place under /var/tmp so a second run finds it.
  if ! pg_reachable "$repo/.data"; then
    data=/var/tmp/hotline-$(printf %s "$repo" | md5sum | cut -c1-8)/pg
    echo "[run] $(pg_owner) cannot reach $repo/.data; keeping the database in $data" >&2
    mkdir -p "$(dirname "$data")" && chmod 755 "$(dirname "$data")"
  fi
  port=${HOTLINE_PG_PORT:-55432}
  pg_cluster_start "$data" "$port"
  pg_data=$data   # only now ours to stop: a failed start may mean another run owns it
  pg_ensure_db "$port" hotline
  ConnectionStrings__Hotline=$(pg_conn_string "$port" hotline)
  export ConnectionStrings__Hotline
fi

export Hotline__SeedDemoStaff=true
export Hotline__DemoPassword=${HOTLINE_DEMO_PASSWORD:-hotline-demo}
export Twilio__PublicBaseUrl=${Twilio__PublicBaseUrl:-$HOTLINE_URL}

# The local Twilio stand-in: the app's REST calls go there instead of api.twilio.com, and it plays
# calls and SMS back at the app with the same account and token. Its page shows what each phone got.
export HOTLINE_SANDBOX_URL=${HOTLINE_SANDBOX_URL:-http://127.0.0.1:5090}
start_sandbox() {
  dotnet build src/Hotline.Sandbox -c Release -v quiet -nologo
  local dll
  dll=$(dotnet msbuild src/Hotline.Sandbox -getProperty:TargetPath -p:Configuration=Release)
  dotnet "$dll" serve --urls "$HOTLINE_SANDBOX_URL" --app "$HOTLINE_URL" \
    --account-sid "$Twilio__AccountSid" --auth-token "$Twilio__AuthToken" --hotline-number "$Twilio__PhoneNumber" &
  sandbox_pid=$!
  export Twilio__ApiBaseUrl=$HOTLINE_SANDBOX_URL
}

if [[ -z ${Twilio__AccountSid:-} && -z ${Twilio__AuthToken:-} ]]; then
  # A stable local token so webhook signatures stay valid across runs; the sid is deliberately
  # not a real-looking one (AC + 32 hex digits) so nothing mistakes it for a Twilio account.
  [[ -s .data/sandbox-token ]] || (umask 077 && openssl rand -hex 16 >.data/sandbox-token)
  export Twilio__AccountSid=AC_sandbox
  export Twilio__PhoneNumber=${Twilio__PhoneNumber:-+15005550006}
  Twilio__AuthToken=$(<.data/sandbox-token)
  export Twilio__AuthToken
  start_sandbox
elif [[ -z ${Twilio__AccountSid:-} || -z ${Twilio__AuthToken:-} ]]; then
  echo "[run] set both Twilio__AccountSid and Twilio__AuthToken, or neither (local sandbox)" >&2
  exit 2
fi

dotnet build src/Hotline -c Release
dll=$(dotnet msbuild src/Hotline -getProperty:TargetPath -p:Configuration=Release)

# Run the built dll directly (not `dotnet run`) so our TERM reaches the app itself; the project
# directory is the content root, as with `dotnet run`.
(cd src/Hotline && exec dotnet "$dll" --urls "$HOTLINE_URL") &
app_pid=$!

# Print the address once the app answers, so it is not lost above the start-up log.
(
  for _ in $(seq 240); do
    kill -0 "$app_pid" 2>/dev/null || exit 0
    command -v curl >/dev/null || break
    curl -s -o /dev/null --max-time 1 "$HOTLINE_URL" && break
    sleep 0.5
  done
  printf '\n  Hotline console: %s\n  Logins: supervisor / %s, operator / %s (seeded while there is no staff)\n' \
    "$HOTLINE_URL" "$Hotline__DemoPassword" "$Hotline__DemoPassword"
  if [[ -n $sandbox_pid ]]; then
    printf '  Twilio sandbox: %s/sandbox (what each phone received)\n' "$HOTLINE_SANDBOX_URL"
    printf '  Place a call: dotnet run --project src/Hotline.Sandbox -- simulate call --sandbox %s --app %s --auth-token %s --from +8613800000001 --press 2 --press 5 --hangup-after 30s\n' \
      "$HOTLINE_SANDBOX_URL" "$HOTLINE_URL" "$Twilio__AuthToken"
  fi
  printf '  Ctrl-C stops it.\n\n'
) &
banner_pid=$!

rc=0
wait "$app_pid" || rc=$?
app_pid=''
exit "$rc"
