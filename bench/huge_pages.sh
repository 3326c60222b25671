# huge_pages.sh - sourced by run.sh: the sync bench's server keeps its
# shared memory in huge pages when it can, as PostgreSQL's documentation
# recommends for production and managed services do.
#
# Why: every backend is a new process (one per connection, and syncfn
# connects afresh each run), and a process maps the shared buffers it
# touches one 4 kB page at a time. On a virtual machine with slow minor
# page faults that cost swamps random reads: on the 2-core machine of
# docs/benchmarks.md a 4 kB fault takes about 11 µs, and a new backend
# reading 9,874 cached buffers scattered over a table took 140 ms (14 ms
# with huge pages, and 16 ms a second time in the same backend). The
# COPY pipe the figures divide by reads through a small ring of buffers
# and hardly pays it, so with 4 kB pages the ratios of random-access
# work measure the machine's page faults rather than syncfn.
#
#   BENCH_HUGE_PAGES=1 (default): reserve enough 2 MB pages for the
#     server if we may (root: vm.nr_hugepages), start it with
#     huge_pages=on, give the reservation back at exit; without the
#     permission, 4 kB pages and the reason, printed with the figures.
#   BENCH_HUGE_PAGES=0: 4 kB pages (huge_pages=off), to compare.
#
# Sets HUGE_SETTING (on or off) and HUGE_NOTE (one line for the reader).

HUGE_SETTING=off
HUGE_NOTE=
HUGE_ADDED=0

# huge_pages_unused: free huge pages that no running program has claimed
# (HugePages_Free counts the ones a server mapped but has not touched yet:
# HugePages_Rsvd)
huge_pages_unused() {
	awk '/^HugePages_Free:/ { f = $2 } /^HugePages_Rsvd:/ { r = $2 }
		END { if (f != "") print f - r }' /proc/meminfo 2>/dev/null
}

# huge_pages_reserve MB: pages for MB of shared memory, on top of what the
# system already has reserved.
huge_pages_reserve() {
	local mb=$1 size_kb free need have got
	if [ "${BENCH_HUGE_PAGES:-1}" = 0 ]; then
		HUGE_NOTE="server shared memory in 4 kB pages (BENCH_HUGE_PAGES=0)"
		return 0
	fi
	size_kb=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo 2>/dev/null)
	free=$(huge_pages_unused)
	if [ -z "$size_kb" ] || [ -z "$free" ]; then
		HUGE_NOTE="server shared memory in 4 kB pages (this kernel has no huge pages)"
		return 0
	fi
	need=$(((mb * 1024 + size_kb - 1) / size_kb))
	if [ "$free" -lt "$need" ]; then
		have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
		if ! { echo $((have + need - free)) >/proc/sys/vm/nr_hugepages; } 2>/dev/null; then
			HUGE_NOTE="server shared memory in 4 kB pages (reserving huge pages needs root: vm.nr_hugepages)"
			return 0
		fi
		got=$(cat /proc/sys/vm/nr_hugepages)
		HUGE_ADDED=$((got - have))
		free=$(huge_pages_unused)
		if [ "$free" -lt "$need" ]; then
			huge_pages_release
			HUGE_NOTE="server shared memory in 4 kB pages (the kernel found $free of $need huge pages)"
			return 0
		fi
	fi
	HUGE_SETTING=on
	HUGE_NOTE="server shared memory in $((size_kb / 1024)) MB huge pages (huge_pages=on; BENCH_HUGE_PAGES=0 for 4 kB pages)"
}

# huge_pages_release: gives back what huge_pages_reserve added.
huge_pages_release() {
	[ "$HUGE_ADDED" -gt 0 ] || return 0
	local now
	now=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null) || return 0
	echo $((now - HUGE_ADDED)) >/proc/sys/vm/nr_hugepages 2>/dev/null
	HUGE_ADDED=0
}
