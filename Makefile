# SPDX-License-Identifier: BSD-2-Clause
# pycost build: `make` builds build/pycost (BPF objects embedded as skeletons).

BUILD ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := x86
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wmissing-field-initializers -Werror=undef \
	  -D_GNU_SOURCE -DPYCOST_VERSION='"$(VERSION)"' -I$(BUILD) -Ibpf -Iuser -MMD -MP
LDLIBS := -lbpf -lelf -lz -lsqlite3 -lm
# the host's system include dirs, after vmlinux.h: usdt.bpf.h needs <asm/errno.h>
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPFCFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf \
	     $(CLANG_BPF_SYS_INCLUDES) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	     -MMD -MP

# sampler.bpf.c defines the shared maps; libbpf 1.1's linker needs the
# defining object before those that declare them extern
BPF_SRCS := bpf/sampler.bpf.c $(filter-out bpf/sampler.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
# every BPF object is linked into one, so that they share maps
SKELS := $(BUILD)/pycost.skel.h
USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(BUILD)/%.o,$(USER_SRCS))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%.o,$(TEST_SRCS))
DEPS := $(BPF_OBJS:.o=.d) $(USER_OBJS:.o=.d) $(BUILD)/main.d $(TEST_OBJS:.o=.d) \
	$(patsubst tests/bench/%.bpf.c,$(BUILD)/tests/%.bpf.d,$(wildcard tests/bench/*.bpf.c)) \
	$(patsubst tests/bench/%.bpf.c,$(BUILD)/tests/%.d,$(wildcard tests/bench/*.bpf.c))

.PHONY: all clean test unit e2e demo bench format deps
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/pycost

$(BUILD) $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFCFLAGS) -c $< -o $@

$(BUILD)/pycost.bpf.linked.o: $(BPF_OBJS)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/pycost.skel.h: $(BUILD)/pycost.bpf.linked.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name pycost_bpf > $@

# The HTML report's stylesheet and script, as C string literals.
$(BUILD)/report_html_assets.h: user/report_html.css user/report_html.js | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)for f in css js; do \
		echo "static const char report_html_$$f[] ="; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' user/report_html.$$f || exit 1; \
		echo ";"; \
	done > $@
$(BUILD)/report_html.o: $(BUILD)/report_html_assets.h

# User objects that include a skeleton must be built after it.
$(USER_OBJS) $(BUILD)/main.o: $(SKELS)

$(BUILD)/%.o: user/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libpycost.a: $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/pycost: $(BUILD)/main.o $(BUILD)/libpycost.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%.o: tests/unit/%.c $(SKELS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Wno-missing-field-initializers -c $< -o $@

$(BUILD)/tests/unit: $(TEST_OBJS) $(BUILD)/libpycost.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lcriterion

# make bench's own tools (tests/bench): the BPF primitives' timing, the ring filler
BENCH_TOOLS := $(BUILD)/tests/hookcost $(BUILD)/tests/ringfill

$(BUILD)/tests/%.bpf.o: tests/bench/%.bpf.c | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFCFLAGS) -Itests/bench -c $< -o $@

$(BUILD)/tests/%.skel.h: $(BUILD)/tests/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BENCH_TOOLS): $(BUILD)/tests/%: tests/bench/%.c $(BUILD)/tests/%.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/tests -Itests/bench $< -o $@ -lbpf -lelf -lz

deps:
	$(Q)./scripts/setup-deps.sh

unit: deps $(BUILD)/tests/unit
	$(BUILD)/tests/unit

test: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/unit $(BENCH_TOOLS)
	$(Q)./tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	$(Q)./scripts/bench.sh

format:
	clang-format -i bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/bench/*.c tests/bench/*.h

clean:
	rm -rf $(BUILD)

-include $(DEPS)
