# syncfn - build, test, run, bench, ship.
#
# build/syncfn              the program (runtime/: CLI, HTTP, auth, config, logs)
# build/syncfn-sync.so      the sync engine (function/sync/ + sql/), libpq
# build/syncfn-schedule.so  the QStash schedule client (function/schedule/) and
#                           the failure alerts (function/alert/), libcurl
#
# The two engines are loaded by the program only when an invocation needs
# them, so a cold start that answers /healthz never maps libpq or libcurl.
#
# The seam: runtime/ sees only function/'s public headers (sync.h,
# schedule.h, alert.h, fn_log.h, engine_abi.h); each engine's private
# headers and the libpq headers are on no include path of runtime/.

VERSION  := 0.1.0
# The commit `syncfn --version` names (make COMMIT=... where there is no
# .git, as in an image build).
COMMIT   ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build

CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror
OPT      ?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(EXTRA_CFLAGS) \
             -DSYNCFN_VERSION='"$(VERSION)"' -fPIC
PG_INC   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)

# Include paths by directory: what each part may see.
INC_RUNTIME  := -Iruntime -Ifunction
INC_SYNC     := -Ifunction -Ifunction/sync -I$(BUILD) -I$(PG_INC)
INC_SCHEDULE := -Ifunction -Ifunction/schedule
INC_TESTS    := $(INC_RUNTIME) $(INC_SYNC) -Ifunction/schedule -Itests/unit

MAIN_LIBS     := -lcivetweb -lmbedcrypto -lcjson -ldl -lpthread
SYNC_LIBS     := -lpq -lcjson
SCHEDULE_LIBS := -lcurl -lcjson

RUNTIME_SRCS  := $(sort $(wildcard runtime/*.c))
FN_COMMON     := function/fn_log.c function/names.c function/sync_rules.c
MAIN_SRCS     := $(RUNTIME_SRCS) $(FN_COMMON)
ENGINE_COMMON := $(FN_COMMON) function/engine_abi.c
SYNC_SRCS     := $(sort $(wildcard function/sync/*.c)) $(ENGINE_COMMON)
SCHEDULE_SRCS := $(sort $(wildcard function/schedule/*.c function/alert/*.c)) $(ENGINE_COMMON)
SQL_FILES     := $(sort $(wildcard sql/*.sql))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

MAIN_OBJS     := $(call obj,$(MAIN_SRCS))
SYNC_OBJS     := $(call obj,$(SYNC_SRCS)) $(BUILD)/obj/sql_text.o
SCHEDULE_OBJS := $(call obj,$(SCHEDULE_SRCS))

BINS := $(BUILD)/syncfn $(BUILD)/syncfn-sync.so $(BUILD)/syncfn-schedule.so

.PHONY: all asan deps test unit qstash-dev-bin run bench fuzz clean install image-rootfs qstash-dev
all: $(BINS)

# Before the first compile: every library header is there, or one line that
# says what to install (instead of "fatal error: cjson/cJSON.h").
DEP_HEADERS := civetweb.h cjson/cJSON.h mbedtls/md.h curl/curl.h libpq-fe.h
$(BUILD)/.headers-ok:
	@for h in $(DEP_HEADERS); do \
	  printf '#include <%s>\n' $$h | $(CC) -E -x c -I$(PG_INC) - >/dev/null 2>&1 || { \
	    echo "missing <$$h>: run \`make deps\` (it installs libcivetweb-dev libcjson-dev libmbedtls-dev libcurl4-openssl-dev libpq-dev and the test tools)" >&2; \
	    exit 1; }; \
	done; mkdir -p $(dir $@); touch $@

# -MMD -MP: each object depends on exactly the headers it includes.
$(BUILD)/obj/runtime/%.o: INC := $(INC_RUNTIME)
$(BUILD)/obj/function/%.o: INC := -Ifunction
$(BUILD)/obj/function/sync/%.o: INC := $(INC_SYNC)
$(BUILD)/obj/function/schedule/%.o $(BUILD)/obj/function/alert/%.o: INC := $(INC_SCHEDULE)
$(BUILD)/obj/tests/qstash_server/%.o: INC := -Itests/qstash_server
$(BUILD)/obj/%.o: %.c | $(BUILD)/sql_text.h $(BUILD)/.headers-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DEFS) $(INC) -MMD -MP -c $< -o $@
# Only version.o knows the commit, rebuilt when it changes.
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(dir $@); echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
$(BUILD)/obj/runtime/version.o: $(BUILD)/commit.stamp
$(BUILD)/obj/runtime/version.o: DEFS := -DSYNCFN_COMMIT='"$(COMMIT)"'
.PHONY: FORCE
FORCE:
-include $(shell find $(BUILD)/obj $(BUILD)/unit -name '*.d' 2>/dev/null)

# Every SQL file becomes a NUL-terminated string named sql_<file>, so the
# SQL lives in sql/ and the binary still needs no files at run time.
$(BUILD)/sql_text.c: $(SQL_FILES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated from sql/ by the Makefile; do not edit */'; \
	  for f in $(SQL_FILES); do \
	    n=$$(basename $$f .sql | tr -c 'A-Za-z0-9_\n' '_'); \
	    echo "const char sql_$$n[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
	    echo ';'; \
	  done; } > $@.tmp && mv $@.tmp $@
$(BUILD)/sql_text.h: $(SQL_FILES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated from sql/ by the Makefile; do not edit */'; \
	  echo '#ifndef SYNCFN_SQL_TEXT_H'; echo '#define SYNCFN_SQL_TEXT_H'; \
	  for f in $(SQL_FILES); do \
	    n=$$(basename $$f .sql | tr -c 'A-Za-z0-9_\n' '_'); \
	    echo "extern const char sql_$$n[];"; \
	  done; echo '#endif'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/sql_text.o: $(BUILD)/sql_text.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/syncfn: $(MAIN_OBJS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(MAIN_LIBS)
$(BUILD)/syncfn-sync.so: $(SYNC_OBJS)
	$(CC) $(CFLAGS_ALL) -shared -o $@ $^ $(SYNC_LIBS)
$(BUILD)/syncfn-schedule.so: $(SCHEDULE_OBJS)
	$(CC) $(CFLAGS_ALL) -shared -o $@ $^ $(SCHEDULE_LIBS)

# The QStash-compatible development server (tests/qstash_server/).
QDEV_SRCS := $(sort $(wildcard tests/qstash_server/*.c))
$(BUILD)/qstash-dev: $(call obj,$(QDEV_SRCS))
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lcivetweb -lcurl -lmbedcrypto -lcjson -lpthread -lm

# QStash signature verifications per second (bench/run.sh runs it).
$(BUILD)/verify-bench: bench/verify_bench.c $(BUILD)/obj/runtime/qstash_verify.o $(BUILD)/obj/runtime/json_guard.o
	$(CC) $(CFLAGS_ALL) $(INC_RUNTIME) -Itests/unit -o $@ $^ -lmbedcrypto -lcjson

# Unit tests: each tests/unit/test_*.c is its own program, linked with every
# object it may exercise (runtime without main, the engines' sources), and
# a version.o that does not know the commit, so that a commit relinks
# syncfn, not every unit program.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_VERSION := $(BUILD)/obj/unit/version.o
UNIT_LINK := $(filter-out $(BUILD)/obj/runtime/main.o $(BUILD)/obj/runtime/version.o,$(MAIN_OBJS)) \
             $(UNIT_VERSION) \
             $(filter-out $(call obj,$(ENGINE_COMMON)),$(SYNC_OBJS) $(SCHEDULE_OBJS))
$(UNIT_VERSION): runtime/version.c | $(BUILD)/.headers-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(INC_RUNTIME) -MMD -MP -c $< -o $@
$(BUILD)/unit/%: tests/unit/%.c $(UNIT_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(INC_TESTS) -MMD -MP -o $@ $< $(UNIT_LINK) \
	  -lcivetweb -lmbedcrypto -lcjson -lpq -lcurl -ldl -lpthread
# Test helpers in C (tests/tools/), one program per file: a process the
# tests start hundreds of times costs a millisecond, not a Python start.
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
$(BUILD)/tools/%: tests/tools/%.c | $(BUILD)/.headers-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< -lcjson -lm
unit: $(UNIT_BINS) $(TOOL_BINS)

# The same program built with AddressSanitizer and UBSan, for `make test`.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g -fno-omit-frame-pointer' \
	  EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=undefined' \
	  all unit qstash-dev-bin

# Debian packages the build, the tests, the demo and the benchmarks need.
DEB_PKGS := build-essential libcivetweb-dev libpq-dev libcurl4-openssl-dev \
            libmbedtls-dev libcjson-dev postgresql postgresql-contrib openssl curl \
            time procps iproute2 clang libclang-rt-14-dev nodejs python3 ca-certificates \
            shellcheck pgbouncer
# npm ships inside some nodejs builds (NodeSource); Debian's own is a package.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done; command -v npm >/dev/null || echo npm); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The test server, without starting it (`make qstash-dev` runs it).
qstash-dev-bin: $(BUILD)/qstash-dev

# The sub-makes build on every core unless the caller chose a -j.
JOBS_FLAG := $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))

test: deps
	@$(MAKE) --no-print-directory $(JOBS_FLAG) all unit qstash-dev-bin
	@$(MAKE) --no-print-directory $(JOBS_FLAG) asan
	@bash tests/run

run: deps
	@$(MAKE) --no-print-directory $(JOBS_FLAG) all
	@bash tests/demo/run.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/verify-bench
	@bash bench/run.sh

# make fuzz: the libFuzzer harnesses (FUZZ_SECONDS, default 60), then the
# sync's differential fuzzer (tests/fuzz/sync_fuzz.sh) for SYNC_FUZZ_SECONDS
# (default 300) with SYNC_FUZZ_ARGS (e.g. --seed N, --exclude bpchar,dupkey).
SYNC_FUZZ_SECONDS ?= 300
fuzz: deps
	@$(MAKE) --no-print-directory $(JOBS_FLAG) all
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)
	@bash tests/fuzz/sync_fuzz.sh --seconds $(SYNC_FUZZ_SECONDS) $(SYNC_FUZZ_ARGS)

image-rootfs: $(BINS)
	@bash tests/image/rootfs.sh $(BUILD)/rootfs

qstash-dev: $(BUILD)/qstash-dev
	@$(BUILD)/qstash-dev

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/syncfn
	install -m 0755 $(BUILD)/syncfn $(DESTDIR)$(PREFIX)/bin/syncfn
	install -m 0644 $(BUILD)/syncfn-sync.so $(BUILD)/syncfn-schedule.so $(DESTDIR)$(PREFIX)/lib/syncfn/

clean:
	rm -rf $(BUILD)
