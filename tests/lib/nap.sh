# nap.sh - nap SECONDS: sleeps without starting a process (sleep is one,
# and the tests' polling loops ran it thousands of times): a read that
# times out on a pipe this shell holds both ends of, so nothing arrives.
nap() {
	[ -n "${NAP_FD:-}" ] || exec {NAP_FD}<> <(:)
	read -r -t "$1" -u "$NAP_FD" _ || :
}
