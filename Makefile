# neurond: build, test and run. `make run` serves on :8080; `make test` runs every suite.
# Both install missing Debian packages first (scripts/deps.sh). Quiet unless V=1.

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
VARIANT ?= default
BUILD   := build/$(VARIANT)
ifeq ($(VARIANT),default)
BIN     := build/neurond
else
BIN     := $(BUILD)/neurond
endif

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wcast-qual -Wundef -Wwrite-strings \
        -Wswitch-enum -Wvla -Werror
CPPFLAGS += -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE

PKGS      := libmicrohttpd libcjson
TEST_PKGS := check libcurl
# The engine's exact path (correct rounding) is MPFR's: linked into the engine's users.
ENGINE_LIBS := -lmpfr -lgmp
PKG_CFLAGS    = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS   = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS     = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

# The layers, each below the one that uses it: service -> codec, exec -> engine.
ENGINE_SRC := $(wildcard src/engine/*.c)
SVC_SRC    := $(wildcard src/codec/*.c src/exec/*.c) \
              $(filter-out src/service/main.c,$(wildcard src/service/*.c))
ENGINE_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(ENGINE_SRC))
SVC_OBJ    := $(patsubst src/%.c,$(BUILD)/%.o,$(SVC_SRC))
MAIN_OBJ   := $(BUILD)/service/main.o
LIBENGINE  := $(BUILD)/libengine.a
LIBSVC     := $(BUILD)/libservice.a

TEST_SRC   := $(wildcard tests/check_*.c)
TEST_LIB_SRC := $(wildcard tests/lib/*.c)
TEST_BIN   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_LIB_OBJ := $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(TEST_LIB_SRC))

ifndef V
Q := @
endif

.PHONY: all lib deps test test-run check run asan valgrind layering gen-check bench fuzz soak docker \
        docker-test lint-openapi clean

all: $(BIN)

lib: $(LIBENGINE)

deps:
	$(Q)sh scripts/deps.sh

# The block kernels are written for vector lanes: -O3 vectorizes their loops, and
# -fno-trapping-math lets it compute both sides of a select (no code reads FP flags).
$(BUILD)/engine/act_block.o: FILE_CFLAGS = -O3 -fno-trapping-math

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) $(FILE_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) -Itests -Itests/lib $(PKG_CFLAGS) $(TEST_CFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

# openapi.yaml is embedded in the binary (h_health.c .incbin's this copy; empty until
# the spec exists), so the runtime needs no source tree.
OPENAPI_COPY := $(BUILD)/gen/openapi.yaml
$(OPENAPI_COPY): $(wildcard openapi.yaml)
	@mkdir -p $(@D)
	$(Q)if [ -f openapi.yaml ]; then cp openapi.yaml $@; else : >$@; fi
$(BUILD)/service/h_health.o: $(OPENAPI_COPY)
$(BUILD)/service/h_health.o: CPPFLAGS += -DNEUROND_OPENAPI_PATH='"$(OPENAPI_COPY)"'

$(LIBENGINE): $(ENGINE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBSVC): $(SVC_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBSVC) $(LIBENGINE)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(ENGINE_LIBS) -lm -lpthread

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(TEST_LIB_OBJ) $(LIBSVC) $(LIBENGINE)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS) $(ENGINE_LIBS) -lm -lpthread

# Benchmark programs: tests/bench/<name>.c -> $(BUILD)/bench/<name>.
$(BUILD)/bench/%: tests/bench/%.c $(LIBSVC) $(LIBENGINE)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(ENGINE_LIBS) -lm -lpthread

# The engine's kernel benchmark needs the engine alone.
$(BUILD)/bench/bench_engine: tests/bench/bench_engine.c $(LIBENGINE)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $^ $(ENGINE_LIBS) -lm

# Runs every suite against the server binary of this variant; stops on the first
# failing suite. SUITES=check_foo limits the run.
SUITES ?= $(notdir $(TEST_BIN))
test-run: $(BIN) $(TEST_BIN)
	$(Q)fail=0; for t in $(SUITES); do \
	  echo "== $$t"; \
	  NEUROND_BIN=$(BIN) $(TEST_WRAP) $(BUILD)/tests/$$t || fail=1; \
	done; exit $$fail

test: deps
	$(Q)$(MAKE) --no-print-directory test-run
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory layering
	$(Q)$(MAKE) --no-print-directory gen-check
	$(Q)$(MAKE) --no-print-directory lint-openapi

check: test

# Address and undefined-behaviour sanitizers, in their own build directory.
asan:
	$(Q)$(MAKE) --no-print-directory VARIANT=asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" test-run

# valgrind memcheck over every suite and the server it starts.
valgrind: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=valgrind CFLAGS="-O1 -g" \
	  TEST_WRAP="env CK_FORK=no ACCURACY_STRIDE=16 NEUROND_WRAP=valgrind valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect" test-run

# Generated tables: each generator in tests/gen is built and run, and its output must
# equal the committed file.
GEN_DIR := $(BUILD)/gen
gen-check:
	@mkdir -p $(GEN_DIR)
	$(Q)$(CC) -O2 tests/gen/pow10_gen.c -lgmp -o $(GEN_DIR)/pow10_gen
	$(Q)$(GEN_DIR)/pow10_gen > $(GEN_DIR)/num_pow10.h
	$(Q)cmp -s $(GEN_DIR)/num_pow10.h src/codec/num_pow10.h || \
	  { echo "gen-check: src/codec/num_pow10.h differs from tests/gen/pow10_gen.c's output"; exit 1; }
	$(Q)$(CC) -O2 -Iinclude -Itests/lib tests/gen/taylor_gen.c tests/lib/jet.c -lmpfr -lgmp -lm \
	  -o $(GEN_DIR)/taylor_gen
	$(Q)$(GEN_DIR)/taylor_gen > $(GEN_DIR)/taylor_data.c 2>/dev/null
	$(Q)cmp -s $(GEN_DIR)/taylor_data.c src/engine/taylor_data.c || \
	  { echo "gen-check: src/engine/taylor_data.c differs from tests/gen/taylor_gen.c's output"; exit 1; }
	@echo "gen-check: ok"

# The layers: the engine knows no HTTP or JSON; exec knows only the engine; the codec
# knows no HTTP and nothing of the service.
layering:
	$(Q)if grep -nE '#include *[<"](microhttpd|cjson/|curl/|codec/|exec/|service/)' include/*.h src/engine/*; then \
	  echo "layering: the engine includes an HTTP, JSON or upper-layer header"; exit 1; fi
	$(Q)if grep -nE '#include *[<"](microhttpd|cjson/|curl/|codec/|service/)' src/exec/*; then \
	  echo "layering: exec includes an HTTP, JSON or upper-layer header"; exit 1; fi
	$(Q)if grep -nE '#include *[<"](microhttpd|curl/|service/)' src/codec/*; then \
	  echo "layering: the codec includes an HTTP or service header"; exit 1; fi
	@echo "layering: ok"

lint-openapi:
	$(Q)if command -v npx >/dev/null 2>&1; then \
	  npx --yes @redocly/cli@2.77.0 lint --format=stylish openapi.yaml; \
	else echo "lint-openapi: skipped (npx not installed)"; fi

run: deps $(BIN)
	./$(BIN) $(ARGS)

bench: deps
	$(Q)sh tests/bench/run.sh

fuzz: deps
	$(Q)sh tests/fuzz/run.sh

soak: deps
	$(Q)sh tests/soak/run.sh

docker:
	docker build -f docker/Dockerfile -t neurond .

docker-test:
	$(Q)sh docker/test.sh

clean:
	rm -rf build

-include $(ENGINE_OBJ:.o=.d) $(SVC_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_LIB_OBJ:.o=.d) \
         $(patsubst %,%.d,$(TEST_BIN))
