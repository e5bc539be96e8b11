# shellcheck shell=bash disable=SC2034  # variables set here are for the caller
# Throwaway PostgreSQL 15 clusters for tests and the demo.
# Sourced by test/run and scripts/demo; nothing runs at source time.
#
#   estoque_pg_setup                 find pg_config and the PGXS test tools
#   estoque_as_postgres CMD...       run CMD as the postgres OS user (keeps the env)
#   estoque_cluster_start DIR [conf-line...]
#                                    initdb in DIR/data (DIR must exist), start on
#                                    127.0.0.1 and a free port, socket in DIR,
#                                    server log in DIR/server.log; exports
#                                    PGHOST, PGPORT, PGUSER
#   estoque_cluster_stop             stop it (safe to call twice, or before start)
#   estoque_mktemp NAME              make a temporary directory that the postgres
#                                    user can reach ($TMPDIR, else /tmp); print it
#
# PostgreSQL refuses to run as root, so the cluster belongs to the postgres OS user;
# the caller is expected to be root.

ESTOQUE_PG_USER=${ESTOQUE_PG_USER:-postgres}
ESTOQUE_CLUSTER_DIR=
ESTOQUE_CLUSTER_DATA=

# Sets PG_CONFIG, PG_BINDIR, PG_REGRESS, PG_ISOLATION_REGRESS and PG_PERL_LIB.
# The PostgreSQL 15 pg_config is preferred over whatever "pg_config" is first
# in PATH, so that another installed major version is never picked by accident.
estoque_pg_setup() {
	if [ -z "${PG_CONFIG:-}" ]; then
		if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
			PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
		else
			PG_CONFIG=pg_config
		fi
	fi
	if ! command -v "$PG_CONFIG" >/dev/null 2>&1; then
		echo "pg_config not found (set PG_CONFIG)" >&2
		return 1
	fi
	export PG_CONFIG
	PG_BINDIR=$("$PG_CONFIG" --bindir) || return 1
	local pgxs_test
	pgxs_test="$(dirname "$("$PG_CONFIG" --pgxs)")/../test"
	pgxs_test=$(cd "$pgxs_test" 2>/dev/null && pwd) || {
		echo "PGXS test tools not found next to $("$PG_CONFIG" --pgxs)" >&2
		return 1
	}
	PG_REGRESS="$pgxs_test/regress/pg_regress"
	PG_ISOLATION_REGRESS="$pgxs_test/isolation/pg_isolation_regress"
	PG_PERL_LIB="$pgxs_test/perl"
}

estoque_as_postgres() {
	runuser -u "$ESTOQUE_PG_USER" -- "$@"
}

estoque_mktemp() {
	local base dir
	for base in "${TMPDIR:-/tmp}" /tmp; do
		dir=$(mktemp -d "$base/$1.XXXXXX" 2>/dev/null) || continue
		chmod 755 "$dir"
		if estoque_as_postgres test -x "$dir"; then
			echo "$dir"
			return 0
		fi
		rmdir "$dir"
	done
	echo "could not make a temporary directory that $ESTOQUE_PG_USER can reach" >&2
	return 1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
estoque_port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

estoque_cluster_start() {
	local dir=$1
	shift
	[ -n "${PG_BINDIR:-}" ] || estoque_pg_setup || return 1
	if [ ! -d "$dir" ]; then
		echo "cluster: $dir is not a directory" >&2
		return 1
	fi
	chown "$ESTOQUE_PG_USER": "$dir" && chmod 700 "$dir" || return 1
	if ! estoque_as_postgres test -w "$dir"; then
		echo "cluster: user $ESTOQUE_PG_USER cannot reach $dir (check its parents' modes)" >&2
		return 1
	fi
	ESTOQUE_CLUSTER_DIR=$dir
	ESTOQUE_CLUSTER_DATA=$dir/data

	# C.UTF-8 gives byte-order collation and UTF-8 text on every Debian machine,
	# so test output does not depend on the locale of whoever runs the tests.
	if ! estoque_as_postgres "$PG_BINDIR/initdb" -D "$ESTOQUE_CLUSTER_DATA" \
		-U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
		>"$dir/initdb.log" 2>&1; then
		echo "cluster: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		return 1
	fi

	local conf=$ESTOQUE_CLUSTER_DATA/postgresql.conf line
	{
		echo
		echo "# throwaway cluster settings"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir'"
		echo "shared_preload_libraries = 'estoque_cache'"
		echo "max_connections = 100"
		echo "max_prepared_transactions = 10"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "timezone = 'UTC'"
		echo "log_timezone = 'UTC'"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		for line in "$@"; do
			echo "$line"
		done
	} >>"$conf"

	# Pick a random port that nothing listens on; if the server still cannot
	# bind it (a race with another process), try another one.
	local port
	for _ in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 30000))
		estoque_port_in_use "$port" && continue
		echo "port = $port" >>"$conf" # on a retry, the last line wins
		[ ! -f "$dir/server.log" ] || : >"$dir/server.log"
		if estoque_as_postgres "$PG_BINDIR/pg_ctl" -D "$ESTOQUE_CLUSTER_DATA" \
			-l "$dir/server.log" -w -t 120 start >"$dir/pg_ctl.log" 2>&1; then
			export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
			return 0
		fi
		if ! grep -q 'could not bind\|could not create any TCP/IP sockets' \
			"$dir/server.log" 2>/dev/null; then
			break
		fi
		echo "cluster: port $port was taken, trying another" >&2
	done
	echo "cluster: the server did not start; last lines of its log:" >&2
	tail -n 40 "$dir/server.log" >&2 2>/dev/null || cat "$dir/pg_ctl.log" >&2
	estoque_cluster_stop
	return 1
}

estoque_cluster_stop() {
	[ -n "$ESTOQUE_CLUSTER_DATA" ] || return 0
	if [ -f "$ESTOQUE_CLUSTER_DATA/postmaster.pid" ]; then
		estoque_as_postgres "$PG_BINDIR/pg_ctl" -D "$ESTOQUE_CLUSTER_DATA" \
			-m fast -w -t 60 stop >/dev/null 2>&1 ||
			estoque_as_postgres "$PG_BINDIR/pg_ctl" -D "$ESTOQUE_CLUSTER_DATA" \
				-m immediate -w -t 30 stop >/dev/null 2>&1
	fi
	ESTOQUE_CLUSTER_DATA=
}
