#!/usr/bin/env bash
# PostgreSQL for the Optuna storage tests (tests/optuna/test_optuna_postgres.py), run as root on
# Debian: installs the Debian package if missing, starts a cluster on loopback, creates the
# role and database, and prints their URL on stdout (everything else goes to stderr).
# Safe to run again. Usage: export ADBENCH_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
set -euo pipefail

DB_USER=${ADBENCH_PG_USER:-adbench}
DB_PASSWORD=${ADBENCH_PG_PASSWORD:-adbench}
DB_NAME=${ADBENCH_PG_DB:-adbench_test}

log() { echo "postgres.sh: $*" >&2; }

if ! dpkg -s postgresql >/dev/null 2>&1; then
    log "installing the postgresql Debian package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating cluster $version/main"
    pg_createcluster "$version" main >&2
fi
conf_d=/etc/postgresql/$version/main/conf.d   # included by Debian's postgresql.conf
mkdir -p "$conf_d"
echo "listen_addresses = '127.0.0.1'   # loopback only (adbench CI)" > "$conf_d/adbench.conf"
if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    log "starting cluster $version/main"
    pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p "$port" >&2

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
as_postgres psql -q -v ON_ERROR_STOP=1 -p "$port" >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
SQL
if ! as_postgres psql -tA -p "$port" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" \
        | grep -q 1; then
    log "creating database $DB_NAME"
    as_postgres createdb -p "$port" -O "$DB_USER" "$DB_NAME"
fi

echo "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
