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

.PHONY: FORCE all lib deps test test-run conformance readme-check check run asan valgrind layering gen-check bench fuzz soak docker \
        docker-test lint-openapi browser-test plots clean hard-cases

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

# Files served from the binary (src/service/embed.c .incbin's them): web/ (the playground,
# /docs and the vendored libraries) and openapi.yaml with its JSON form, converted here
# by scripts/yaml2json.c (libyaml, a build dependency only). The runtime needs no files.
OPENAPI_COPY := $(BUILD)/gen/openapi.yaml
OPENAPI_JSON := $(BUILD)/gen/openapi.json
YAML2JSON    := $(BUILD)/gen/yaml2json
WEB_FILES    := $(shell find web -type f 2>/dev/null)
$(OPENAPI_COPY): $(wildcard openapi.yaml)
	@mkdir -p $(@D)
	$(Q)if [ -f openapi.yaml ]; then cp openapi.yaml $@; else : >$@; fi
$(YAML2JSON): scripts/yaml2json.c
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< -lyaml
$(OPENAPI_JSON): $(OPENAPI_COPY) $(YAML2JSON)
	@echo "  GEN     $@"
	$(Q)$(YAML2JSON) $(OPENAPI_COPY) > $@.tmp && mv $@.tmp $@
$(BUILD)/service/embed.o: $(OPENAPI_COPY) $(OPENAPI_JSON) $(WEB_FILES)
$(BUILD)/service/embed.o: CPPFLAGS += -DNEUROND_OPENAPI_PATH='"$(OPENAPI_COPY)"' \
                                      -DNEUROND_OPENAPI_JSON_PATH='"$(OPENAPI_JSON)"'

# The commit the binary is built from, for --version and neurond_build_info: rewritten
# only when it changes (COMMIT=... overrides; "unknown" outside a git checkout).
COMMIT_H := $(BUILD)/gen/commit.h
COMMIT ?= $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) || c=unknown; \
            [ -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && c="$$c-dirty"; \
            echo "$$c")
$(COMMIT_H): FORCE
	@mkdir -p $(@D)
	$(Q)printf '#define NEUROND_COMMIT "%s"\n' "$(COMMIT)" >$@.tmp; \
	  cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/service/main.o $(BUILD)/service/metrics.o: $(COMMIT_H)
$(BUILD)/service/main.o $(BUILD)/service/metrics.o: CPPFLAGS += -I$(BUILD)/gen -DNEUROND_COMMIT_H=1
FORCE:

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

# Generators of tables (tests/gen): the hard cases of correct rounding, found with the
# MPFR references alone (make hard-cases rewrites tests/gen/hard_cases.txt and
# hard_rows.txt; minutes).
MPREF_OBJ := $(filter $(BUILD)/tests/lib/mpref% $(BUILD)/tests/lib/jet.o,$(TEST_LIB_OBJ))
$(BUILD)/gen/hard_gen: tests/gen/hard_gen.c $(MPREF_OBJ) $(LIBENGINE)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(WARN) $(CFLAGS) -o $@ $^ $(ENGINE_LIBS) -lm

hard-cases: $(BUILD)/gen/hard_gen
	$(Q){ nice ./$(BUILD)/gen/hard_gen && nice ./$(BUILD)/gen/hard_gen --grad-x; } \
	  > tests/gen/hard_cases.txt.new && mv tests/gen/hard_cases.txt.new tests/gen/hard_cases.txt
	$(Q)nice ./$(BUILD)/gen/hard_gen --rows > tests/gen/hard_rows.txt.new && \
	  mv tests/gen/hard_rows.txt.new tests/gen/hard_rows.txt

# Runs every suite against the server binary of this variant; stops on the first
# failing suite. SUITES=check_foo limits the run.
SUITES ?= $(notdir $(TEST_BIN))
test-run: $(BIN) $(TEST_BIN)
	$(Q)fail=0; for t in $(SUITES); do \
	  echo "== $$t"; \
	  NEUROND_BIN=$(BIN) $(TEST_WRAP) $(BUILD)/tests/$$t || fail=1; \
	done; exit $$fail

# Every reply of the real server against openapi.yaml (tests/conformance/conform.py):
# each operation the document declares, its examples, invalid requests and the replies
# made before routing, validated as JSON Schema 2020-12 (Debian's python3-jsonschema).
PYTHON ?= /usr/bin/python3
conformance: $(BIN)
	$(Q)$(PYTHON) tests/conformance/conform.py $(BIN) openapi.yaml

# BROWSER=0 leaves out the browser suite and its dependencies (chromium, Node.js).
BROWSER ?= 1
export BROWSER

test: deps
	$(Q)$(MAKE) --no-print-directory test-run
	$(Q)$(MAKE) --no-print-directory conformance
	$(Q)$(MAKE) --no-print-directory readme-check
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory layering
	$(Q)$(MAKE) --no-print-directory gen-check
	$(Q)$(MAKE) --no-print-directory lint-openapi
	$(Q)if [ "$(BROWSER)" != 0 ]; then $(MAKE) --no-print-directory browser-test; fi

# Every console example of README.md run against the real server: its output must be
# the README's, byte for byte (README_FIX=1 writes the server's outputs back instead).
readme-check: $(BIN)
	$(Q)$(PYTHON) tests/readme/check.py $(BIN) README.md $(if $(README_FIX),--fix)

# The playground and /docs in Debian's headless chromium, driven by Playwright
# (tests/browser); screenshots of each panel in build/browser/.
browser-test: $(BIN)
	$(Q)cd tests/browser && NEUROND_BIN=$(abspath $(BIN)) SHOTS=$(abspath build/browser) node --test playground.test.mjs

# The README's drawings (docs/img/*.svg), by GET /plot.svg of a server started for it.
plots: $(BIN)
	$(Q)sh scripts/plots.sh $(BIN)

check: test

# Address and undefined-behaviour sanitizers, in their own build directory.
asan:
	$(Q)$(MAKE) --no-print-directory VARIANT=asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" test-run conformance

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
	$(Q)$(CC) -O2 tests/gen/gelu_table_gen.c -lmpfr -lgmp -lm -o $(GEN_DIR)/gelu_table_gen
	$(Q)$(GEN_DIR)/gelu_table_gen > $(GEN_DIR)/gelu_table.c 2>/dev/null
	$(Q)cmp -s $(GEN_DIR)/gelu_table.c src/engine/gelu_table.c || \
	  { echo "gen-check: src/engine/gelu_table.c differs from tests/gen/gelu_table_gen.c's output"; exit 1; }
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
