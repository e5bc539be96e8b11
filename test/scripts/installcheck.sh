#!/usr/bin/env bash
# What a user of an installed extension runs: `make installcheck` (the
# pg_regress suites through PGXS, against the running server named by
# PGHOST/PGPORT/PGUSER), and `estoque-cache` found on an ordinary PATH after
# `make install`.  Runs from a copy of the files PGXS needs, so that the
# source tree stays read-only.
set -euo pipefail

src=${ESTOQUE_CACHE_SRC:-$(pwd)}
work=$(mktemp -d "${TMPDIR:-/tmp}/installcheck.XXXXXX")
cp -r "$src/Makefile" "$src/estoque_cache.control" "$src/test" "$work/"

status=0
if ! make -s -C "$work" PG_CONFIG="${PG_CONFIG:-pg_config}" installcheck >"$work/make.log" 2>&1; then
	echo "make installcheck failed:"
	cat "$work/make.log"
	[ -f "$work/regression.diffs" ] && head -n 200 "$work/regression.diffs"
	status=1
else
	tail -n 3 "$work/make.log"
	grep -q "All [0-9]* tests passed" "$work/make.log" || {
		echo "make installcheck did not report its tests as passed"
		status=1
	}
fi

# the command-line tool, on the PATH an interactive shell has by default
if found=$(env PATH=/usr/local/bin:/usr/bin:/bin sh -c 'command -v estoque-cache'); then
	echo "estoque-cache is found at $found"
	env PATH=/usr/local/bin:/usr/bin:/bin estoque-cache --help >/dev/null || {
		echo "estoque-cache --help failed"
		status=1
	}
else
	echo "estoque-cache is not on PATH=/usr/local/bin:/usr/bin:/bin after make install"
	status=1
fi
exit $status
