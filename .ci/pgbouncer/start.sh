#!/usr/bin/env bash
# Starts a PgBouncer (transaction mode) on PORT (default 6543) in front of the local
# Postgres on 5432, unless one already answers there. Idempotent.
#   usage: start.sh [port] [server-pool-size] [upstream-port] [upstream-password]
# upstream-port (default 5432) points it at another local Postgres, e.g. a private one a
# fault test restarts; upstream-password is what PgBouncer logs in to that server with as
# `postgres` (clients still connect without one). With PGBOUNCER_TLS_CERT and
# PGBOUNCER_TLS_KEY (PEM files) clients must connect over TLS (client_tls_sslmode = require),
# as Supabase's pooler serves them. Stop it with: kill $(cat RUNDIR/pgbouncer.pid)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${1:-6543}
pool_size=${2:-20}
upstream_port=${3:-5432}
upstream_password=${4:-}
rundir=${PGBOUNCER_RUNDIR:-/tmp/s3ssions-pgbouncer-$port}

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "pgbouncer: already listening on $port"
  exit 0
fi
command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (apt-get install -y pgbouncer)" >&2; exit 1; }

mkdir -p "$rundir"
sed -e "s#@RUNDIR@#$rundir#g" -e "s#@PORT@#$port#g" -e "s#@POOL_SIZE@#$pool_size#g" \
  -e "s#@UPSTREAM_PORT@#$upstream_port#g" "$here/pgbouncer.ini" >"$rundir/pgbouncer.ini"
if [ -n "$upstream_password" ]; then
  # auth_type stays trust for clients; the password is only for PgBouncer's server login.
  printf '"postgres" "%s"\n' "${upstream_password//\"/\"\"}" >"$rundir/userlist.txt"
  chmod 600 "$rundir/userlist.txt"
else
  cp "$here/userlist.txt" "$rundir/userlist.txt"
fi
: >"$rundir/pgbouncer.log"
if [ -n "${PGBOUNCER_TLS_CERT:-}" ]; then
  cp "$PGBOUNCER_TLS_CERT" "$rundir/client-tls.crt"
  cp "$PGBOUNCER_TLS_KEY" "$rundir/client-tls.key"
  chmod 600 "$rundir/client-tls.key"
  printf 'client_tls_sslmode = require\nclient_tls_cert_file = %s\nclient_tls_key_file = %s\n' \
    "$rundir/client-tls.crt" "$rundir/client-tls.key" >>"$rundir/pgbouncer.ini"
fi

# PgBouncer refuses to run as root.
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$rundir"
  runuser -u postgres -- pgbouncer -d "$rundir/pgbouncer.ini"
else
  pgbouncer -d "$rundir/pgbouncer.ini"
fi

for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "pgbouncer: listening on $port (transaction mode, pool $pool_size)"
    exit 0
  fi
  sleep 0.1
done
echo "pgbouncer did not start; log:" >&2
cat "$rundir/pgbouncer.log" >&2
exit 1
