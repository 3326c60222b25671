# Not a case file: tests/cases/runner.sh runs tests/run on this directory.
# Each function leaves something running for the runner to end or to catch;
# LEAK_TAG makes each process's command line unique to the run.

test_restart_loop_left_running() {
	( while :; do sleep "30$LEAK_TAG"; done ) &
	sleep 0.1
}

test_child_ignoring_term_left_running() {
	( trap '' TERM; sleep "31$LEAK_TAG" ) &
	sleep 0.1
}

test_own_session_left_running() {
	setsid sleep "32$LEAK_TAG" &
	sleep 0.1
}

test_nothing_left() { :; }
