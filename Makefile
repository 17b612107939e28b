# moat: the two commands a newcomer needs are `make demo` and `make check`.
BUILD  := build
ASAN   := build-asan
FUZZ   := build-fuzz
NINJA  := ninja
# Bounded libFuzzer run per target inside `make check` (seconds).
FUZZ_SECONDS ?= 20
# Each target's run in `make fuzz-long`, before a release (seconds), and how
# many targets run at once.
FUZZ_LONG_SECONDS ?= 600
FUZZ_LONG_JOBS ?= 1

.PHONY: all deps demo check check-kvm fuzz fuzz-long mutate format format-check bench clean install check-package
# `make install`: PREFIX/sbin/moat and moat-vmm, PREFIX/lib/moat/ the domain
# images, the man pages, the bash completion, PREFIX/share/doc/moat/examples,
# the systemd units in PREFIX/lib/systemd/system;
# DESTDIR stages it elsewhere (as packages do).
PREFIX ?= /usr/local
DESTDIR ?=

all: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(ASAN)/build.ninja:
	meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

$(FUZZ)/build.ninja:
	CC=clang meson setup $(FUZZ) -Dfuzz=true -Db_lundef=false

asan: deps $(ASAN)/build.ninja
	$(NINJA) -C $(ASAN)

install: all
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	$(NINJA) -C $(BUILD)
	meson install -C $(BUILD) --no-rebuild $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))

demo: all
	@scripts/demo.sh $(BUILD)

# Every test: unit and integration tests under ASan+UBSan, bounded fuzz runs,
# the formatting check, the lean process runtime's tests (suite 'lean') in the
# optimised build, which alone has that runtime (sanitizers need the C
# library it replaces), and the kvm suite: on the host's /dev/kvm where it
# works, else in a nested VM under QEMU (tests/nested/README.md; set
# MOAT_NESTED=force to use the nested VM anyway). Ends with the tally line
# `N passed, N failed, N skipped`.
check: all asan fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-all.sh $(ASAN) $(FUZZ) $(BUILD):lean

# Only the Debian package's test: dpkg-buildpackage from the tree, install
# into this system, moat init, up, traffic, upgrade, purge (tests/package.sh).
check-package: all
	meson test -C $(BUILD) --no-rebuild --print-errorlogs package

# Only the kvm-platform suite, for work on the tender: same host-or-nested
# choice as `make check`.
check-kvm: all asan
	@tests/run-all.sh --suite kvm $(ASAN)

fuzz-build: deps $(FUZZ)/build.ninja
	$(NINJA) -C $(FUZZ)

# Every fuzz target for FUZZ_LONG_SECONDS each, FUZZ_LONG_JOBS at a time; a crashing
# input is kept under $(FUZZ)/fuzz-artifacts/ and its path printed.
fuzz-long: fuzz-build
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) meson test -C $(FUZZ) --suite fuzz --num-processes $(FUZZ_LONG_JOBS) \
		--timeout-multiplier $$(( $(FUZZ_LONG_SECONDS) / 200 + 1 )) --print-errorlogs

# Each mutant of tests/mutants.ini applied alone; every one must be caught
# (ONLY=name[,name] for some). Run before a release; see docs/testing.md.
mutate: all asan
	@tests/mutate.py $(if $(ONLY),--only $(ONLY)) tests/mutants.ini asan=$(ASAN) build=$(BUILD)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	@tests/format-check.sh

bench: all
	@rc=0; for b in bench/*; do [ -x "$$b" ] || continue; "$$b" $(BUILD) || rc=1; done; exit $$rc

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
