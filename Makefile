# lockyard build. `make` builds build/lockyard (optimised); `make test` builds
# everything again under AddressSanitizer + UBSan and runs every test suite.
# Sources are found by wildcard: a new .c under mock/<module>/ or scenarios/runner/ is built without
# touching this file; a new tests/unit/test_NAME.c becomes one cmocka binary.

CC      ?= cc
PKGS    := libxml-2.0
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCS    := -Iinclude -Ibuild/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/libxml2)
LIBS    := -levent -levent_openssl -llmdb -ljansson -lyaml -lisal -lssl -lcrypto -lz -lm \
           $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lxml2)
OPT     := -O2 -g
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(shell find mock scenarios/runner -name '*.c' ! -path mock/main.c 2>/dev/null))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

REL_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
SAN_OBJ  := $(LIB_SRC:%.c=build/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/san/unit/%)

VERSION      := 0.1.0
GIT_DESCRIBE := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)

.PHONY: all run test unit clean deps fuzz bench crash-test check soak install uninstall FORCE
all: build/lockyard

# The version header is rewritten only when the git description changes.
build/gen/version.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define LOCKYARD_VERSION "%s"\n#define LOCKYARD_GIT "%s"\n' '$(VERSION)' '$(GIT_DESCRIBE)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
build/rel/mock/main.o build/san/mock/main.o: build/gen/version.h

deps:
	@tools/install-deps

# make run ARGS='--listen 127.0.0.1:9000' (or LOCKYARD_LISTEN=127.0.0.1:9000 make run)
run: deps
	@$(MAKE) --no-print-directory all
	./build/lockyard serve --log-level info $(ARGS)

build/lockyard: build/rel/mock/main.o $(REL_OBJ)
	@echo '  LD    $@'
	@$(CC) $(OPT) -o $@ $^ $(LIBS)

build/san/lockyard: build/san/mock/main.o $(SAN_OBJ)
	@echo '  LD    $@'
	@$(CC) $(SAN) -o $@ $^ $(LIBS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC    $<'
	@$(CC) $(WARN) $(DEFS) $(INCS) $(OPT) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC    $< (asan)'
	@$(CC) $(WARN) $(DEFS) $(INCS) $(SAN) -MMD -MP -c -o $@ $<

build/san/liblockyard.a: $(SAN_OBJ)
	@rm -f $@
	@ar rcs $@ $^

build/san/unit/%: build/san/tests/unit/%.o build/san/liblockyard.a
	@mkdir -p $(dir $@)
	@echo '  LD    $@'
	@$(CC) $(SAN) -o $@ $^ $(LIBS) -lcmocka

unit: $(UNIT_BIN)

check: build/lockyard
	tools/check-source

fuzz:
	@tools/install-deps --test
	tests/fuzz/run

bench:
	@tools/install-deps --test
	tools/bench/run

# Long runs outside CI: every executable in tests/soak/ (each ends with "N passed, N failed").
soak:
	@tools/install-deps --test
	@$(MAKE) --no-print-directory build/san/lockyard build/lockyard
	@st=0; for t in tests/soak/*; do [ -x "$$t" ] || continue; echo "== $$t"; "$$t" || st=1; done; exit $$st

crash-test: build/san/lockyard
	tests/crash/kill9.py

test:
	@tools/install-deps --test
	@$(MAKE) --no-print-directory build/san/lockyard $(UNIT_BIN) build/lockyard
	tests/run-all

# make install PREFIX=/usr/local [DESTDIR=...]: the binary, man pages, bash and zsh completion,
# and the scenario library (found by an installed `lockyard run NAME`). make uninstall undoes it.
PREFIX  ?= /usr/local
DESTDIR ?=
I_BIN   := $(DESTDIR)$(PREFIX)/bin
I_MAN   := $(DESTDIR)$(PREFIX)/share/man/man1
I_DATA  := $(DESTDIR)$(PREFIX)/share/lockyard
I_BASH  := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
I_ZSH   := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
MANPAGES := $(notdir $(wildcard docs/man/*.1))

install: build/lockyard
	install -d $(I_BIN) $(I_MAN) $(I_DATA)/scenarios/protocols $(I_BASH) $(I_ZSH)
	install -m 755 build/lockyard $(I_BIN)/lockyard
	install -m 644 $(addprefix docs/man/,$(MANPAGES)) $(I_MAN)/
	install -m 644 scenarios/*.yaml $(I_DATA)/scenarios/
	install -m 644 scenarios/protocols/*.yaml $(I_DATA)/scenarios/protocols/
	install -m 644 tools/completion/lockyard.bash $(I_BASH)/lockyard
	install -m 644 tools/completion/_lockyard $(I_ZSH)/_lockyard

uninstall:
	rm -f $(I_BIN)/lockyard $(addprefix $(I_MAN)/,$(MANPAGES)) $(I_BASH)/lockyard $(I_ZSH)/_lockyard
	rm -rf $(I_DATA)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
