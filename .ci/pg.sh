# PostgreSQL for the scripts of .ci: find or install the server, start a private throw-away
# cluster, stop it. Sourced by .ci/run and .ci/bench, which set PG_PORT, PG_USER, PG_PASSWORD,
# PG_DB and PG_TMP_PREFIX (where the cluster lives: ${PG_TMP_PREFIX}XXXXXXXX) first.
PGTMP=""
PGBIN=""
APT_UPDATED=0

log()  { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
info() { printf '    %s\n' "$*"; }
run()  { printf '    $'; printf ' %q' "$@"; printf '\n'; "$@"; }
die()  { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

as_postgres() { ( cd "$PGTMP" && runuser -u postgres -- "$@" ); }

apt_install() {
    [ "$(id -u)" -eq 0 ] || die "need root to apt-get install $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        run apt-get update
        APT_UPDATED=1
    fi
    run apt-get install -y "$@"
}

# Postmasters started by an earlier run of this script: their command line has `-D /tmp/ci-pg.*`.
stale_postmasters() {
    local f pid
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}; pid=${pid%/cmdline}
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || continue
        tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "-D ${PG_TMP_PREFIX}[^ ]*/data " && echo "$pid"
    done
    return 0
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; }

cleanup_stale_clusters() {
    local d pid pids i
    for d in "$PG_TMP_PREFIX"*; do
        [ -d "$d" ] || continue
        info "found a cluster of an earlier run: $d"
        if [ -f "$d/data/postmaster.pid" ] && [ -n "$PGBIN" ]; then
            ( cd "$d" && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m fast -w -t 60 stop ) || true
        fi
    done
    pids=$(stale_postmasters)
    if [ -n "$pids" ]; then
        info "stopping postmaster(s) left running by an earlier run: $pids"
        for pid in $pids; do kill -INT "$pid" 2>/dev/null || true; done      # fast shutdown
        for i in $(seq 60); do [ -z "$(stale_postmasters)" ] && break; sleep 0.5; done
        for pid in $(stale_postmasters); do kill -KILL "$pid" 2>/dev/null || true; done
        sleep 1
    fi
    for d in "$PG_TMP_PREFIX"*; do
        [ -d "$d" ] && run rm -rf "$d"
    done
    return 0
}

stop_cluster() {
    [ -n "$PGTMP" ] && [ -d "$PGTMP" ] || return 0
    if [ -f "$PGTMP/data/postmaster.pid" ]; then
        log "Stopping the PostgreSQL cluster in $PGTMP"
        as_postgres "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w -t 60 stop || {
            info "fast stop failed; immediate stop"
            as_postgres "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w -t 30 stop || true
        }
    fi
    rm -rf "$PGTMP"
    PGTMP=""
}

find_pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
    done
    d=$(command -v initdb 2>/dev/null) || return 1
    d=$(dirname "$(readlink -f "$d")")
    [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && echo "$d"
}

# Finds the server binaries, or installs Debian's postgresql; sets PGBIN and PSQL.
ensure_pg_bin() {
    if PGBIN=$(find_pg_bin); then
        info "found PostgreSQL server binaries in $PGBIN: not installing"
    else
        info "no PostgreSQL server binaries: installing Debian's postgresql"
        apt_install postgresql
        PGBIN=$(find_pg_bin) || die "postgresql installed but no initdb/pg_ctl/postgres found under /usr/lib/postgresql"
    fi
    id postgres >/dev/null 2>&1 || die "the postgres system user does not exist (installed by Debian's postgresql-common)"
    PSQL="$PGBIN/psql"; [ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found"
    info "$("$PGBIN/postgres" --version)"
}

# Starts a cluster of this script's own on 127.0.0.1:$PG_PORT with the role and database of
# PG_USER/PG_PASSWORD/PG_DB; sets PGTMP.
start_cluster() {
    cleanup_stale_clusters
    if port_in_use; then
        die "127.0.0.1:$PG_PORT is already in use by a server this script did not start; stop it and rerun"
    fi
    PGTMP=$(mktemp -d "${PG_TMP_PREFIX}XXXXXXXX")
    run mkdir -p "$PGTMP/data" "$PGTMP/sock"
    run chown -R postgres: "$PGTMP"
    run chmod 755 "$PGTMP"
    as_postgres "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log" 2>&1 \
        || { cat "$PGTMP/initdb.log"; die "initdb failed"; }
    info "initdb -D $PGTMP/data: done"
    # fsync and friends off: a throw-away cluster, speed over durability.
    run as_postgres "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w -t 60 \
        -o "-p $PG_PORT -k $PGTMP/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start
    run as_postgres "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PGTMP/sock" -p "$PG_PORT" -d postgres \
        -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB" \
        -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
    # Check the URL's credentials over TCP exactly as Django will use them.
    PGPASSWORD=$PG_PASSWORD run "$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
        -tAc "SELECT 'connected as ' || current_user || ' to ' || version()"
}
