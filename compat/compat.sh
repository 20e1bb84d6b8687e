#!/usr/bin/env bash
# The compat lane: every notebook through the external backend, on Debian's PostgreSQL 15 and
# Redis 7.0 (MongoDB stays the embedded one). `make test-compat` runs `compat/compat.sh all`.
#
#   compat/compat.sh all        install (apt, when missing), up, seed, notebooks, down; exit 1 on
#                               any notebook error. No reachable package registry: one line, exit 0.
#   compat/compat.sh up         start PostgreSQL 15 and Redis 7 (and the embedded MongoDB if it is
#                               not running); create the role, database and pg_stat_statements
#   compat/compat.sh seed       seed them through DBWB_BACKEND=external (the MongoDB seed is shared
#                               with the embedded state and verified, not reloaded)
#   compat/compat.sh env        print the exports that point the workbook at them
#   compat/compat.sh notebooks [NB...]  `dbworkbook nbval --lax` (errors only) over the notebooks
#   compat/compat.sh down       stop what `up` started
#
# Both servers run as unprivileged processes (as the system user `dbworkbook` when run as root,
# since PostgreSQL refuses root) on loopback ports of their own, with their data in
# $DBWB_COMPAT_DIR (default .dbworkbook/compat/ in the checkout, git-ignored). Variables:
#   DBWB_COMPAT_DIR, DBWB_COMPAT_PG_PORT (55433), DBWB_COMPAT_REDIS_PORT (56380),
#   DBWB_COMPAT_MONGO_URL (mongodb://127.0.0.1:57017/?directConnection=true), PY (the venv's python).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
COMPAT_DIR="$(mkdir -p "${DBWB_COMPAT_DIR:-$ROOT/.dbworkbook/compat}" && cd "${DBWB_COMPAT_DIR:-$ROOT/.dbworkbook/compat}" && pwd)"
PG_PORT="${DBWB_COMPAT_PG_PORT:-55433}"
REDIS_PORT="${DBWB_COMPAT_REDIS_PORT:-56380}"
MONGO_URL="${DBWB_COMPAT_MONGO_URL:-mongodb://127.0.0.1:57017/?directConnection=true}"
PG_VERSION=15
PGBIN="/usr/lib/postgresql/$PG_VERSION/bin"
REDIS_BIN="$(command -v redis-server || echo /usr/bin/redis-server)"
SERVICE_USER=dbworkbook
DB=workbook; ROLE=workbook; PASSWORD=workbook    # settings.PG_DATABASE / PG_USER / PG_PASSWORD

say() { echo "compat: $*"; }

as_root() { [ "$(id -u)" = 0 ]; }

# The servers' own folder: reachable by the service user (a checkout under /root is not).
server_dir() {
    local d="$COMPAT_DIR/servers"
    if as_root; then
        local p="$COMPAT_DIR"
        while [ "$p" != / ]; do
            if [ "$(( $(stat -c %a "$p" 2>/dev/null | sed 's/^/0/') & 1 ))" = 0 ]; then
                d="/var/lib/dbworkbook/compat-$(echo -n "$COMPAT_DIR" | sha256sum | cut -c1-12)"; break
            fi
            p="$(dirname "$p")"
        done
    fi
    echo "$d"
}
SRV="$(server_dir)"
PGDATA="$SRV/pg$PG_VERSION"

run_as() {  # run_as CMD...: as the service user when root
    if as_root; then runuser -u "$SERVICE_USER" -- "$@"; else "$@"; fi
}

env_lines() {
    cat <<EOF
export DBWB_BACKEND=external
export DBWB_POSTGRES_URL=postgresql://$ROLE:$PASSWORD@127.0.0.1:$PG_PORT/$DB
export DBWB_MONGO_URL='$MONGO_URL'
export DBWB_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export DBWB_STATE_DIR=$COMPAT_DIR/dbwb
EOF
}

have_packages() {
    [ -x "$PGBIN/postgres" ] && [ -f "/usr/lib/postgresql/$PG_VERSION/lib/pg_stat_statements.so" ] \
        && "$REDIS_BIN" --version 2>/dev/null | grep -q 'v=7\.'
}

# 0: installed; 2: the package registry cannot be reached (or we may not install); 1: failed.
cmd_install() {
    have_packages && return 0
    if ! as_root; then
        say "postgresql-$PG_VERSION / redis-server (7.x) are missing and installing them needs root: skipped"
        return 2
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$COMPAT_DIR/apt.log" 2>&1; then
        say "the package registry cannot be reached (apt-get update failed, see $COMPAT_DIR/apt.log): compat lane skipped"
        return 2
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_VERSION" redis-server \
            >>"$COMPAT_DIR/apt.log" 2>&1; then
        if grep -qiE 'unable to locate|temporary failure|could not resolve|failed to fetch' "$COMPAT_DIR/apt.log"; then
            say "the package registry cannot serve postgresql-$PG_VERSION/redis-server (see $COMPAT_DIR/apt.log): compat lane skipped"
            return 2
        fi
        say "apt-get install failed (see $COMPAT_DIR/apt.log)"; return 1
    fi
    have_packages || { say "installed, but $PGBIN/postgres or redis-server 7 is still missing"; return 1; }
    # The packages' own services (port 5432 / 6379) are not ours: we never start or stop them.
}

ensure_user() {
    as_root || return 0
    id -u "$SERVICE_USER" >/dev/null 2>&1 && return 0
    useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER" 2>/dev/null \
        || id -u "$SERVICE_USER" >/dev/null 2>&1
}

pg_running() { [ -f "$PGDATA/postmaster.pid" ] && run_as "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
redis_ping() { "$PY" -c "import redis,sys; redis.Redis(port=$REDIS_PORT, socket_timeout=2).ping()" >/dev/null 2>&1; }
mongo_ping() { "$PY" -c "import pymongo; pymongo.MongoClient('$MONGO_URL', serverSelectionTimeoutMS=2000).admin.command('ping')" >/dev/null 2>&1; }

start_postgres() {
    mkdir -p "$SRV"; chmod 755 "$SRV"
    if as_root; then chown "$SERVICE_USER": "$SRV"; fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        rm -rf "$PGDATA"
        local pw="$SRV/pwfile"; echo "$PASSWORD" > "$pw"; if as_root; then chown "$SERVICE_USER" "$pw"; fi
        if ! run_as "$PGBIN/initdb" -D "$PGDATA" -U "$ROLE" --pwfile="$pw" --auth-local=trust \
                --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions >"$SRV/initdb.log" 2>&1; then
            rm -f "$pw"; say "initdb failed:"; tail -20 "$SRV/initdb.log"; return 1
        fi
        rm -f "$pw"
    fi
    if pg_running; then say "PostgreSQL $PG_VERSION already running on 127.0.0.1:$PG_PORT"; return 0; fi
    # The same server settings as the embedded server and docker/compose.yml.
    if ! run_as "$PGBIN/pg_ctl" -D "$PGDATA" -l "$SRV/postgres.log" -w -t 60 start -o \
            "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
             -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all \
             -c jit=off -c synchronous_commit=off -c max_connections=100" >/dev/null; then
        say "PostgreSQL $PG_VERSION did not start:"; tail -20 "$SRV/postgres.log"; return 1
    fi
    touch "$COMPAT_DIR/started-postgres"
    PGPASSWORD="$PASSWORD" "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
        || PGPASSWORD="$PASSWORD" "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" "$DB" || return 1
    say "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') started on 127.0.0.1:$PG_PORT (data $PGDATA)"
}

start_redis() {
    if redis_ping; then say "Redis already answers on 127.0.0.1:$REDIS_PORT"; return 0; fi
    mkdir -p "$SRV/redis"; if as_root; then chown "$SERVICE_USER": "$SRV/redis"; fi
    if ! run_as "$REDIS_BIN" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$SRV/redis" \
            --daemonize yes --pidfile "$SRV/redis/redis.pid" --logfile "$SRV/redis/redis.log" \
            --save '' --appendonly no --protected-mode yes; then
        say "redis-server did not start"; return 1
    fi
    for _ in $(seq 50); do redis_ping && break; sleep 0.2; done
    redis_ping || { say "Redis did not answer:"; tail -20 "$SRV/redis/redis.log"; return 1; }
    touch "$COMPAT_DIR/started-redis"
    say "Redis $("$REDIS_BIN" --version | sed 's/.*v=\([^ ]*\).*/\1/') started on 127.0.0.1:$REDIS_PORT"
}

start_mongo() {
    if mongo_ping; then say "MongoDB answers at $MONGO_URL: using it"; return 0; fi
    if [ -n "${DBWB_COMPAT_MONGO_URL:-}" ]; then say "MongoDB does not answer at $MONGO_URL"; return 1; fi
    (cd "$ROOT" && env -u DBWB_BACKEND -u DBWB_STATE_DIR PYTHONPATH="$ROOT/src" "$PY" -m dbworkbook up mongo) || return 1
    touch "$COMPAT_DIR/started-mongo"
}

cmd_up() {
    ensure_user || { say "cannot create the unprivileged user $SERVICE_USER"; return 1; }
    start_postgres && start_redis && start_mongo
}

cmd_down() {
    if [ -f "$COMPAT_DIR/started-postgres" ]; then
        run_as "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && say "PostgreSQL $PG_VERSION stopped"
        rm -f "$COMPAT_DIR/started-postgres"
    fi
    if [ -f "$COMPAT_DIR/started-redis" ]; then
        if [ -f "$SRV/redis/redis.pid" ]; then kill "$(cat "$SRV/redis/redis.pid")" 2>/dev/null && say "Redis stopped"; fi
        rm -f "$COMPAT_DIR/started-redis"
    fi
    if [ -f "$COMPAT_DIR/started-mongo" ]; then
        (cd "$ROOT" && env -u DBWB_BACKEND -u DBWB_STATE_DIR PYTHONPATH="$ROOT/src" "$PY" -m dbworkbook down mongo)
        rm -f "$COMPAT_DIR/started-mongo"
    fi
    return 0
}

cmd_seed() {
    local state="$COMPAT_DIR/dbwb"
    mkdir -p "$state"
    # MongoDB is shared with the embedded state: start from its fingerprint so that the seed
    # verifies MongoDB (and reloads it only if it differs) instead of reloading it.
    local main_state="${DBWB_STATE_DIR:-$ROOT/.dbworkbook}"
    local main_fp="$main_state/fingerprint.json"
    # The argon2 hashes are the same for every backend: reuse the cached ones (~25 s).
    if [ ! -d "$state/cache" ] && [ -d "$main_state/cache" ]; then cp -r "$main_state/cache" "$state/cache"; fi
    if [ ! -f "$state/fingerprint.json" ] && [ -f "$main_fp" ]; then
        "$PY" - "$main_fp" "$state/fingerprint.json" <<'EOF'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(0)
dbs = data.get("databases", {})
data["databases"] = {"mongo": dbs["mongo"]} if "mongo" in dbs else {}
json.dump(data, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
    fi
    (eval "$(env_lines)"; cd "$ROOT" && PYTHONPATH="$ROOT/src" DBWB_PROGRESS=0 "$PY" -m dbworkbook seed)
}

cmd_notebooks() {
    local nbs=("$@")
    [ ${#nbs[@]} -gt 0 ] || nbs=("$ROOT"/notebooks/[0-9][0-9]_*.ipynb)
    local failed=() nb log
    mkdir -p "$COMPAT_DIR/logs"
    for nb in "${nbs[@]}"; do
        log="$COMPAT_DIR/logs/$(basename "$nb" .ipynb).log"
        # One notebook at a time on this machine (timing asserts, server-wide settings).
        (eval "$(env_lines)"; cd "$ROOT" && env -u DBWB_STRICT_CHECKS PYTHONPATH="$ROOT/src" DBWB_PROGRESS=0 \
            flock /tmp/dbwb-notebook.lock "$PY" -m dbworkbook nbval --lax "$nb" -q) >"$log" 2>&1
        local rc=$?
        say "$(basename "$nb"): $(tail -1 "$log" | sed 's/=//g;s/^ *//;s/ *$//')"
        [ $rc = 0 ] || failed+=("$(basename "$nb")")
    done
    if [ ${#failed[@]} -gt 0 ]; then
        say "notebook errors on PostgreSQL $PG_VERSION / Redis 7 in: ${failed[*]} (logs: $COMPAT_DIR/logs/)"
    else
        say "every notebook ran without error on PostgreSQL $PG_VERSION / Redis 7"
    fi
    # The closing line counts notebooks (each one a pytest run of its cells, errors only).
    SUMMARY="compat: $(( ${#nbs[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
    echo "$SUMMARY"
    [ ${#failed[@]} = 0 ]
}

cmd_all() {
    local rc
    cmd_install; rc=$?
    [ $rc = 2 ] && return 0
    [ $rc = 0 ] || return 1
    trap cmd_down EXIT
    cmd_up || return 1
    cmd_seed || return 1
    cmd_notebooks "$@"; rc=$?
    trap - EXIT
    cmd_down
    echo "$SUMMARY"    # the closing line: notebooks passed / failed
    return $rc
}

case "${1:-all}" in
    all) shift || true; cmd_all "$@" ;;
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    seed) cmd_seed ;;
    env) env_lines ;;
    notebooks) shift; cmd_notebooks "$@" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac; exit $?  # on the same line: bash never reads past it (safe to edit this file while it runs)
