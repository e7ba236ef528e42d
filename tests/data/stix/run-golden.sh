#!/bin/sh
# Golden-file test for `tripact validate`: runs the command line in
# CASE.args (from the source tree, so paths in the output are stable),
# feeding CASE.stdin when it exists, and compares stdout+stderr plus a
# final "exit N" line with CASE.out.
# Usage: run-golden.sh SOURCE_DIR TRIPACT CASE.args   (UPDATE=1 rewrites CASE.out)
set -u
src=$1
tripact=$2
case=$3
base=${case%.args}
cd "$src" || exit 2
args=$(cat "$case")
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
if [ -f "$base.stdin" ]; then
	# shellcheck disable=SC2086
	"$tripact" validate $args <"$base.stdin" >"$actual" 2>&1
else
	# shellcheck disable=SC2086
	"$tripact" validate $args >"$actual" 2>&1
fi
echo "exit $?" >>"$actual"
if [ "${UPDATE:-0}" = 1 ]; then
	cp "$actual" "$base.out"
	exit 0
fi
if ! diff -u "$base.out" "$actual"; then
	echo "golden output differs: $base.out" >&2
	exit 1
fi
