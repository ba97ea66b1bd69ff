# lockyard build. `make` builds build/lockyard (optimised); `make test` builds
# everything again under AddressSanitizer + UBSan and runs every test suite.
# Sources are found by wildcard: a new .c under mock/<module>/ or scenarios/runner/ is built without
# touching this file; a new tests/unit/test_NAME.c becomes one cmocka binary.

CC      ?= cc
PKGS    := libxml-2.0
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCS    := -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/libxml2)
LIBS    := -levent -levent_openssl -llmdb -ljansson -lyaml -lisal -lssl -lcrypto -lz -lm \
           $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lxml2)
OPT     := -O2 -g
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(shell find mock scenarios/runner -name '*.c' ! -path mock/main.c 2>/dev/null))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

REL_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
SAN_OBJ  := $(LIB_SRC:%.c=build/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/san/unit/%)

.PHONY: all run test unit clean deps fuzz bench crash-test check soak
all: build/lockyard

deps:
	@tools/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	./build/lockyard serve

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

check:
	tools/check-source

fuzz:
	@tools/install-deps --test
	tests/fuzz/run

bench:
	@tools/install-deps --test
	tools/bench/run

crash-test: build/san/lockyard
	tests/crash/kill9.py

# Slow checks kept out of `make test`: every executable tests/soak/* (each ends "N passed, N failed").
soak: build/lockyard build/san/lockyard
	@fail=0; for t in tests/soak/*; do [ -x "$$t" ] || continue; echo "== $$t"; \
	    "$$t" || fail=1; done; exit $$fail

test:
	@tools/install-deps --test
	@$(MAKE) --no-print-directory build/san/lockyard $(UNIT_BIN) build/lockyard
	tests/run-all

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
