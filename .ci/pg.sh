# Shared by .ci/test and .ci/bench-disputes: a throwaway PostgreSQL from the machine's binaries.
# Source it, then call start_throwaway_postgres; it exports TEST_DATABASE_URL (a superuser URL
# ending in /postgres), PG_BIN and PG_PORT, and stops and removes the server on exit.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "error: '$*' needs root; install it by hand" >&2; exit 1; fi
}

apt_install() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null && command -v pg_ctl >/dev/null && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( (RANDOM % 20000) + 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    echo "error: no free port found" >&2; return 1
}

start_throwaway_postgres() {
    if ! PG_BIN=$(find_pg_bin); then
        echo "PostgreSQL binaries not found; installing the postgresql package" >&2
        apt_install postgresql
        PG_BIN=$(find_pg_bin)
    fi
    PG_DIR=$(mktemp -d /tmp/odr-pg.XXXXXX)
    PG_RUNNER=()
    if [ "$(id -u)" -eq 0 ]; then
        # initdb and postgres refuse to run as root.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_DIR"
        PG_RUNNER=(runuser -u postgres --)
    fi
    PG_PORT=$(free_port)
    "${PG_RUNNER[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${PG_RUNNER[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 ${PG_EXTRA_OPTIONS:-} -c max_connections=300" \
        start >/dev/null
    trap stop_throwaway_postgres EXIT
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "Started a throwaway PostgreSQL ($("$PG_BIN/postgres" --version)) on port $PG_PORT" >&2
}

stop_throwaway_postgres() {
    "${PG_RUNNER[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
