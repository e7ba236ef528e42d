# The checks of the shell tests, sourced: `fail MESSAGE` counts a failed
# check, `expect STATUS PATTERN command...` runs a command and checks its
# exit status and a grep pattern on its stdout+stderr (the output is kept
# in $out), `finish NAME` ends the test with the verdict as exit status.
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
expect() {
	want=$1
	pat=$2
	shift 2
	set +e
	out=$("$@" 2>&1)
	got=$?
	set -e
	if [ "$got" != "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		fail "$* -> exit $got (want $want, pattern '$pat'), output:"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}
finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails $1 checks failed"
		exit 1
	fi
	echo "$1: all checks passed"
}
