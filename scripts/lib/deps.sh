# shellcheck shell=bash
# Installs, on Debian 12, the packages that building and testing estoque_cache need.
# Sourced by scripts/demo, test/run and .ci/run; nothing runs at source time.
#
#   estoque_deps_ensure [extra-package...]
#
# Only missing packages are installed (quietly, non-interactively). Without root
# and with something missing, it prints the apt-get line to run and fails.

ESTOQUE_DEPS_BASE=(
	postgresql-15            # server, initdb, pg_ctl, pgbench
	postgresql-client-15     # psql, pg_regress, pg_isolation_regress, Perl test modules
	postgresql-server-dev-15 # PGXS and server headers
	libipc-run-perl          # IPC::Run, needed by the Perl TAP tests
	perl                     # prove
	make
	gcc
	libc6-dev
)

# What test/run needs beyond the base list (scripts/demo does not): the Flask
# example's tests and the pg_cron jobs' test.
ESTOQUE_DEPS_TEST=(
	python3-flask      # Flask, for examples/flask and test/scripts/flask.sh
	python3-psycopg2   # psycopg2, the example's database driver
	chromium           # headless browser that loads the example's page
	postgresql-15-cron # pg_cron, for examples/cron.sql and test/t/100_cron.pl
	postgresql-15-partman # pg_partman, monthly partitions in test/t/110_particoes.pl
)

# Prints, one a line, the named Debian packages that are not installed.
estoque_deps_missing() {
	local p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$status" = installed ] || printf '%s\n' "$p"
	done
}

estoque_deps_ensure() {
	local missing
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: not a Debian system; make sure PostgreSQL 15 with its server headers," \
			"pg_regress, prove and IPC::Run are installed" >&2
		return 0
	fi
	mapfile -t missing < <(estoque_deps_missing "${ESTOQUE_DEPS_BASE[@]}" "$@")
	[ "${#missing[@]}" -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${missing[*]}; run as root, or install them first:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		return 1
	fi
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	local log
	log=$(mktemp) || return 1
	if [ -z "${ESTOQUE_DEPS_UPDATED:-}" ]; then
		if ! apt-get update -qq >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			return 1
		fi
		ESTOQUE_DEPS_UPDATED=1
	fi
	if ! apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
		"${missing[@]}" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
	# Installing the server makes Debian create and start a "main" cluster.
	# Nothing here uses it; stop it so it does not hold memory or port 5432.
	if printf '%s\n' "${missing[@]}" | grep -qx 'postgresql-15' &&
		command -v pg_ctlcluster >/dev/null 2>&1; then
		pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
	fi
}
