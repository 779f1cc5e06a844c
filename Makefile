# fleetsim: plain make, after wrk's Makefile (see ../shared/style.md 7.6).
#
#   make run        build what is missing (installing Debian packages if absent), then run
#                   the default scenario for a bounded time against a local fleetsim-target
#   make test       build everything, run the unit tests, then the end-to-end tests
#   make asan       the same tests under ASan + UBSan, built in out/asan
#   make tsan       the same tests under TSan, built in out/tsan
#   make asan-unit  only the unit tests under ASan + UBSan (what .ci/run adds to make test)
#   make bench      the benchmarks (bounded; see bench/RESULTS.md)
#   make format / format-check, make install (PREFIX, DESTDIR), make clean
#
# Objects go to out/$(BUILD)/obj; programs to bin/ (out/$(BUILD)/bin for sanitizer builds).
# Everything but *_main.cc goes into one static library linked into every program and test.

BUILD ?= release
OUT   := out/$(BUILD)
ifeq ($(BUILD),release)
BIN   := bin
else
BIN   := $(OUT)/bin
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CXX      ?= g++
CXXSTD   := -std=c++17
WARN     := -Wall -Wextra -Werror
OPT      := -O2 -g
SANFLAGS :=
ifeq ($(BUILD),asan)
OPT      := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
ifeq ($(BUILD),tsan)
OPT      := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=thread
endif

# pkg-config output is cached in $(OUT)/config.mk, which make rebuilds (after installing
# any missing package) before anything else, so a fresh machine needs no manual step.
PKGS := gflags libglog yaml-cpp libmicrohttpd libsystemd nlohmann_json \
        absl_status absl_statusor absl_strings absl_str_format absl_time absl_flat_hash_map \
        absl_synchronization absl_random_random
-include $(OUT)/config.mk
$(OUT)/config.mk: Makefile tools/install_deps.sh
	@tools/install_deps.sh
	@mkdir -p $(@D)
	@echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))" > $@.tmp
	@echo "PKG_LIBS := $$(pkg-config --libs $(PKGS)) -lev -lpthread" >> $@.tmp
	@echo "GTEST_LIBS := $$(pkg-config --libs gmock gtest)" >> $@.tmp
	@echo "ABSL_STATIC_LIBS := $$(pkg-config --static --libs absl_status absl_statusor absl_strings absl_str_format absl_time absl_synchronization)" >> $@.tmp
	@mv $@.tmp $@

CPPFLAGS := -I. -MMD -MP -DFLEETSIM_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
CXXFLAGS := $(CXXSTD) $(OPT) $(WARN) $(SANFLAGS)
LDFLAGS  := $(SANFLAGS)

LIB_SRCS  := $(filter-out %_main.cc,$(wildcard src/*.cc tools/target/*.cc))
LIB_OBJS  := $(LIB_SRCS:%.cc=$(OUT)/obj/%.o)
LIB       := $(OUT)/libfleetsim.a

TESTLIB_SRCS := $(wildcard tests/testlib/*.cc)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.cc=$(OUT)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/*_test.cc)
E2E_SRCS  := $(wildcard tests/e2e/*_test.cc)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.cc=$(OUT)/tests/unit/%)
E2E_BINS  := $(E2E_SRCS:tests/e2e/%.cc=$(OUT)/tests/e2e/%)

# program name -> its main file
PROGRAMS := $(BIN)/fleetsim $(BIN)/fleetsim-agent $(BIN)/fleetsim-target
MAIN_fleetsim        := src/fleetsim_main.cc
MAIN_fleetsim-agent  := src/agent_main.cc
MAIN_fleetsim-target := tools/target/target_main.cc
PROGRAMS := $(foreach p,$(PROGRAMS),$(if $(wildcard $(MAIN_$(notdir $(p)))),$(p)))

DEPS := $(LIB_OBJS:.o=.d) $(TESTLIB_OBJS:.o=.d) \
        $(patsubst %,$(OUT)/obj/%,$(UNIT_SRCS:.cc=.d) $(E2E_SRCS:.cc=.d)) \
        $(patsubst %,$(OUT)/obj/%,$(foreach p,$(PROGRAMS),$(MAIN_$(notdir $(p))):.cc=.d))

.PHONY: all deps test test-unit test-e2e asan asan-unit tsan run bench format format-check \
        install clean
.DEFAULT_GOAL := all
# Keep test objects make would otherwise delete as intermediates.
.SECONDARY:

all: $(PROGRAMS) $(UNIT_BINS) $(E2E_BINS)

deps:
	@tools/install_deps.sh

$(OUT)/obj/%.o: %.cc $(OUT)/config.mk
	@mkdir -p $(@D)
	@echo "CXX $<"
	@$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@echo "AR  $@"
	@rm -f $@ && ar rcs $@ $^

$(OUT)/libtestlib.a: $(TESTLIB_OBJS)
	@rm -f $@ && ar rcs $@ $^

define program_rule
$(BIN)/$(1): $(OUT)/obj/$(basename $(MAIN_$(1))).o $(LIB)
	@mkdir -p $$(@D)
	@echo "LD  $$@"
	@$$(CXX) $$(LDFLAGS) -o $$@ $$^ $$(or $$(LIBS_$(1)),$$(PKG_LIBS))
endef
# fleetsim-agent's RSS budget is 8 MB (issue 5): linking absl, glog, gflags and libstdc++
# in statically saves mapping ~30 shared objects (~1.4 MB resident). Release only: the
# sanitizers want the shared libstdc++. libunwind.a is not PIC, so it stays shared.
ifeq ($(BUILD),release)
LIBS_fleetsim-agent = -static-libstdc++ -static-libgcc -Wl,-Bstatic -lglog -lgflags \
    $(ABSL_STATIC_LIBS) -Wl,-Bdynamic -lunwind -lmicrohttpd -lpthread
endif
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(notdir $(p)))))

$(OUT)/tests/%: $(OUT)/obj/tests/%.o $(OUT)/libtestlib.a $(LIB)
	@mkdir -p $(@D)
	@echo "LD  $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(GTEST_LIBS) -lgtest_main $(PKG_LIBS)

# Unit tests first (fast, pure), then end-to-end tests (real processes on loopback).
test: deps all
	@tests/run_tests.sh unit $(OUT) $(BIN)
	@tests/run_tests.sh e2e $(OUT) $(BIN)

test-unit: deps $(UNIT_BINS)
	@tests/run_tests.sh unit $(OUT) $(BIN)

test-e2e: deps $(PROGRAMS) $(E2E_BINS)
	@tests/run_tests.sh e2e $(OUT) $(BIN)

asan:
	@$(MAKE) --no-print-directory BUILD=asan test
asan-unit:
	@$(MAKE) --no-print-directory BUILD=asan test-unit
tsan:
	@$(MAKE) --no-print-directory BUILD=tsan test

run: deps $(PROGRAMS)
	@tools/run_default.sh $(BIN)

bench: deps $(PROGRAMS)
	@bench/run_all.sh $(BIN)

FORMAT_FILES = $(shell git ls-files '*.cc' '*.h')
format:
	@clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: clean"

PREFIX  ?= /usr/local
DESTDIR ?=
install: deps $(PROGRAMS)
	@tools/install.sh "$(DESTDIR)" "$(PREFIX)" $(BIN)

clean:
	rm -rf out bin

-include $(DEPS)
