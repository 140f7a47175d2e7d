# shellcheck shell=bash
# Private PostgreSQL clusters for development and tests, from the installed server binaries.
# Sourced by ops/run.sh, ops/test.sh and the benchmarks (ops/bench*.sh). Progress goes to stderr so that functions which
# print a value (pg_free_port, pg_conn_string) can be captured with $(...).
# Every `return` carries an explicit status: a bare one inside an EXIT trap would return the
# status the script was exiting with, not that of the function's last command.
#
# The server binaries refuse to run as root, so as root everything that touches the cluster
# runs as the `postgres` user; otherwise the cluster belongs to the current user.

pg_log() { printf '[postgres] %s\n' "$*" >&2; }

# Server binaries (initdb, pg_ctl, postgres) are usually not on PATH. PG_BINDIR overrides.
# pg_config may come from libpq-dev alone, so only trust it when initdb sits next to it.
pg_bindir() {
  local dir
  for dir in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)"; do
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
  done
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/initdb" ]] && { echo "$dir"; return 0; }
  dir=$(command -v initdb 2>/dev/null) && { dirname "$dir"; return 0; }
  pg_log "PostgreSQL server binaries not found (set PG_BINDIR)"; return 1
}

# The role that owns the cluster; it is also the superuser name in connection strings.
pg_owner() { if [[ $EUID -eq 0 ]]; then echo postgres; else id -un; fi; }

# Run a command as the cluster owner, from / so that an unreachable cwd (e.g. under a mode-700
# /root) does not trip initdb or pg_ctl.
pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# True when the cluster owner can traverse DIR (every ancestor must be searchable).
pg_reachable() { pg_as_owner test -x "$1"; }

# A free loopback TCP port. The kernel picks it; a tiny race with other processes remains.
pg_free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return $?
  fi
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    # A refused connection means nobody listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  pg_log "no free port found"; return 1
}

# Npgsql connection string: pg_conn_string PORT [DATABASE]
pg_conn_string() {
  echo "Host=127.0.0.1;Port=$1;Username=$(pg_owner);Database=${2:-hotline}"
}

# pg_cluster_start DATA_DIR PORT: initdb on first use, then start and wait until it accepts connections.
pg_cluster_start() {
  local data=$1 port=$2 bin
  bin=$(pg_bindir) || return 1
  [[ $EUID -ne 0 ]] || id -u postgres >/dev/null 2>&1 || { pg_log "running as root needs a 'postgres' user"; return 1; }

  mkdir -p "$data"
  data=$(cd "$data" && pwd -P)
  [[ $EUID -ne 0 ]] || chown postgres:postgres "$data"
  chmod 700 "$data"   # initdb and postgres insist on it
  if ! pg_reachable "$data"; then
    pg_log "$(pg_owner) cannot reach $data (a parent directory is not searchable)"; return 1
  fi

  if [[ ! -f "$data/PG_VERSION" ]]; then
    pg_log "initialising a new cluster in $data"
    # C.UTF-8 sorts like C but still knows the case of non-ASCII letters (lower(), ILIKE).
    local locale=C out
    locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && locale=C.UTF-8
    out=$(pg_as_owner "$bin/initdb" -D "$data" --encoding=UTF8 --locale="$locale" --auth=trust \
      --username="$(pg_owner)" 2>&1) || { echo "$out" >&2; return 1; }
    # Our settings live in their own file so the generated postgresql.conf stays untouched.
    echo "include_if_exists = 'hotline.conf'" | pg_as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi
  if pg_as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    pg_log "a server is already running on $data; stop it first: $bin/pg_ctl stop -D $data"; return 1
  fi

  # Rewritten at every start because the port may change. Loopback only; the socket sits in the
  # data directory unless that path is too long for a unix socket (then TCP only).
  local sockdir=${data//\'/\'\'}
  (( ${#data} < 90 )) || sockdir=''
  pg_as_owner tee "$data/hotline.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
max_connections = 200
timezone = 'UTC'
log_timezone = 'UTC'
EOF

  pg_log "starting on 127.0.0.1:$port (log: $data/server.log)"
  if ! pg_as_owner "$bin/pg_ctl" start -D "$data" -l "$data/server.log" -w -t 60 >/dev/null; then
    tail -n 20 "$data/server.log" >&2; return 1
  fi
}

# pg_cluster_stop DATA_DIR: fast shutdown (rolls back open transactions, no crash recovery next time).
pg_cluster_stop() {
  local data=$1 bin
  bin=$(pg_bindir) || return 1
  # Status 3 means not running (also after a crash left a stale postmaster.pid): nothing to do.
  pg_as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1 || return 0
  pg_log "stopping the cluster in $data"
  pg_as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null
}

# pg_statement_stats DATA_DIR PORT [--plans]: restarts the cluster with pg_stat_statements loaded (only a server
# start loads it; ALTER SYSTEM outlives the restart whoever writes the config files); --plans counts planning too,
# which costs a little more. Whoever reads the figures creates the extension in their database.
pg_statement_stats() {
  local data=$1 port=$2 plans=${3:-} psql
  psql="$(pg_bindir)/psql" || return 1
  "$psql" -X -q -h 127.0.0.1 -p "$port" -U "$(pg_owner)" -d postgres \
    -c "alter system set shared_preload_libraries = 'pg_stat_statements'" || return 1
  pg_cluster_stop "$data" && pg_cluster_start "$data" "$port" || return 1
  if [[ $plans == --plans ]]; then
    # Known only once the library is loaded.
    "$psql" -X -q -h 127.0.0.1 -p "$port" -U "$(pg_owner)" -d postgres \
      -c "alter system set pg_stat_statements.track_planning = on" -c "select pg_reload_conf()" >/dev/null
  fi
}

# pg_ensure_db PORT NAME: create the database when it does not exist yet.
pg_ensure_db() {
  local port=$1 name=$2 psql
  psql="$(pg_bindir)/psql" || return 1
  if [[ -z $("$psql" -X -h 127.0.0.1 -p "$port" -U "$(pg_owner)" -d postgres -tAc \
      "select 1 from pg_database where datname = '$name'") ]]; then
    pg_log "creating database $name"
    "$psql" -X -h 127.0.0.1 -p "$port" -U "$(pg_owner)" -d postgres -qc "create database \"$name\""
  fi
}

# pg_throwaway PREFIX: a private cluster in a fresh temporary directory, started on a free loopback port, stopped
# and removed when the script exits (Ctrl-C included). Sets pg_work (the directory: the cluster lives in
# $pg_work/pg, the rest is the caller's scratch space) and pg_port. A script with more to clean up (an app it
# started) defines pg_throwaway_atexit; it runs first. Call it from the script itself, not in $(...).
pg_throwaway() {
  local base
  # As root the cluster runs as `postgres`, so it must live where that user can enter: skip a
  # $TMPDIR it cannot reach, and open up mktemp's mode-700 directory.
  for base in "${TMPDIR:-}" /tmp /var/tmp; do
    [[ -n $base && -d $base ]] && pg_reachable "$base" && break
  done
  pg_work=$(mktemp -d "$base/$1.XXXXXX") || return 1
  chmod 755 "$pg_work"
  trap _pg_throwaway_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_port=$(pg_free_port) || return 1
  pg_cluster_start "$pg_work/pg" "$pg_port"
}

# shellcheck disable=SC2317  # only called from the EXIT trap
_pg_throwaway_cleanup() {
  if declare -F pg_throwaway_atexit >/dev/null; then pg_throwaway_atexit || true; fi
  pg_cluster_stop "$pg_work/pg" || true
  rm -rf "$pg_work"
  return 0
}
