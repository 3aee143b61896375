# selfprof-bpf top-level Makefile.
#   make            programs in build/bin, library in build/lib (BUILD=DIR: all output there)
#   make test       C unit tests + bats, under ASan/UBSan; last line "N passed, N failed"
#   make bench      benchmarks (format library; tracer when root)
#   make fuzz       libFuzzer on the reader and on ELF probe discovery (FUZZ_SECONDS each, default 60)
#   make demo       set up, trace a compile of a bundled example, print the summary
#   make deps       apt-get install what is missing
#   make install    PREFIX=/usr/local DESTDIR=
#   make vmlinux    regenerate vmlinux/vmlinux.h from the running kernel's BTF
SHELL := /bin/bash
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
BUILD ?= build
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin

SP_MAJOR := $(shell sed -n 's/^\#define SELFPROF_VERSION_MAJOR \([0-9]*\)/\1/p' tools/lib/selfprof/selfprof.h)
SP_MINOR := $(shell sed -n 's/^\#define SELFPROF_VERSION_MINOR \([0-9]*\)/\1/p' tools/lib/selfprof/selfprof.h)
SP_VERSION := $(SP_MAJOR).$(SP_MINOR)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# -MMD -MP: each object's header dependencies, written next to it as .d.
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -fPIC -MMD -MP

# Layers, each built only against the ones below it:
#   libselfprof (tools/lib/selfprof)  the format library
#   sptext      (tools/lib/sptext)    the text tables both programs print
#   selfprof    (tools/selfprof)      the command; selfprof-bpf (user/, bpf/) the loader
LIB_INC := -Itools/lib/selfprof
TEXT_INC := -Itools/lib/sptext $(LIB_INC)
TOOL_INC := -Itools/selfprof -I$(BUILD)/include $(TEXT_INC)
USER_INC := -Iuser -Ibpf -I$(BUILD)/include $(TEXT_INC)

LIB_SRC := $(wildcard tools/lib/selfprof/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_A := $(BUILD)/lib/libselfprof.a
LIB_SO := $(BUILD)/lib/libselfprof.so.$(SP_VERSION)
LIB_SONAME := libselfprof.so.$(SP_MAJOR)
LIB_LIBS := -lz

TEXT_SRC := $(wildcard tools/lib/sptext/*.c)
TEXT_OBJ := $(TEXT_SRC:%.c=$(BUILD)/obj/%.o)
TEXT_A := $(BUILD)/obj/libsptext.a

TOOL_SRC := $(wildcard tools/selfprof/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_MAIN := $(BUILD)/obj/tools/selfprof/main.o
TOOL_A := $(BUILD)/obj/libselfprof-tool.a

BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_OBJ := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKEL := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/include/%.skel.h)
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

USER_SRC := $(wildcard user/*.c)
USER_OBJ := $(USER_SRC:%.c=$(BUILD)/obj/%.o)
USER_MAIN := $(BUILD)/obj/user/selfprof-bpf.o
USER_A := $(BUILD)/obj/libselfprof-user.a
USER_LIBS := -lbpf -lelf -lz -liberty -lcapstone

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) $(BUILD)/tests/harness_many
UNIT_INC := -Itests/unit -Itools/selfprof $(USER_INC)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)

PROGS := $(BUILD)/bin/selfprof
ifneq ($(USER_SRC),)
PROGS += $(BUILD)/bin/selfprof-bpf
endif

.PHONY: all lib tests test bench fuzz demo deps install clean vmlinux
.SECONDARY:
all: lib $(PROGS)
lib: $(LIB_A) $(LIB_SO) $(BUILD)/lib/selfprof.pc
tests: all $(UNIT_BIN) $(BENCH_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC) -c $< -o $@

# Only SP_EXPORT symbols leave the shared library: the ABI is selfprof.h.
$(LIB_OBJ): ALL_CFLAGS += -fvisibility=hidden
$(LIB_OBJ): INC := $(LIB_INC)
$(TEXT_OBJ): INC := $(TEXT_INC)
$(TOOL_OBJ): INC := $(TOOL_INC)
$(USER_OBJ): INC := $(USER_INC)

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIB_SO): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)
	ln -sf libselfprof.so.$(SP_VERSION) $(BUILD)/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(BUILD)/lib/libselfprof.so
$(BUILD)/lib/selfprof.pc: tools/lib/selfprof/selfprof.pc.in tools/lib/selfprof/selfprof.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|;s|@LIBDIR@|$(LIBDIR)|;s|@INCLUDEDIR@|$(INCLUDEDIR)|;s|@VERSION@|$(SP_VERSION)|' $< > $@

$(TEXT_A): $(TEXT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(TOOL_A): $(filter-out $(TOOL_MAIN),$(TOOL_OBJ))
	rm -f $@ && ar rcs $@ $^
$(BUILD)/bin/selfprof: $(TOOL_MAIN) $(TOOL_A) $(TEXT_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LIBS) -lm

# selfprof compare's report page: tools/selfprof/compare.html becomes a C
# array in a generated header that compare.c includes (od and sed only).
$(BUILD)/include/compare_html.h: tools/selfprof/compare.html
	@mkdir -p $(@D)
	{ echo '/* Generated from $< by the Makefile: do not edit. */'; \
	  echo 'static const unsigned char compare_html[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/tools/selfprof/compare.o: $(BUILD)/include/compare_html.h

# BPF: CO-RE objects against the committed vmlinux.h, then skeletons.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf -Wall -Werror -MMD -MP -c $< -o $@
$(BUILD)/include/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# The loader embeds the skeletons: only its objects wait for them, so the
# rest builds without bpftool. Order-only: -MMD makes the one object that
# includes a skeleton (tracer.o) rebuild when its BPF program changes.
$(USER_OBJ): | $(BPF_SKEL)

$(USER_A): $(filter-out $(USER_MAIN),$(USER_OBJ))
	rm -f $@ && ar rcs $@ $^
$(BUILD)/bin/selfprof-bpf: $(USER_MAIN) $(USER_A) $(TEXT_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(USER_LIBS) -lm

# Programs compiled and linked in one step keep their .d under obj/ too
# (tests/run.sh runs every tests/test_* file).
DEPFILE = $(BUILD)/obj/$(patsubst $(BUILD)/%,%,$@).d

# Unit tests link the library, the text module and the non-main objects of
# both programs.
UNIT_LINK := $(TOOL_A) $(if $(USER_SRC),$(USER_A)) $(TEXT_A) $(LIB_A)
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_LINK)
	@mkdir -p $(@D) $(dir $(DEPFILE))
	$(CC) $(ALL_CFLAGS) -MF $(DEPFILE) -MT $@ $(UNIT_INC) $(LDFLAGS) -o $@ $< $(UNIT_LINK) $(if $(USER_SRC),$(USER_LIBS)) $(LIB_LIBS) -lm
$(BUILD)/tests/bench/%: tests/bench/%.c $(LIB_A)
	@mkdir -p $(@D) $(dir $(DEPFILE))
	$(CC) $(ALL_CFLAGS) -MF $(DEPFILE) -MT $@ $(LIB_INC) -O2 $(LDFLAGS) -o $@ $< $(LIB_A) $(LIB_LIBS) -lm

# The tracer's floor benchmark loads BPF: it links the loader's objects.
ifneq ($(USER_SRC),)
$(BUILD)/tests/bench/tracer_floor: tests/bench/tracer_floor.c $(USER_A) $(TEXT_A) $(LIB_A) $(BPF_SKEL)
	@mkdir -p $(@D) $(dir $(DEPFILE))
	$(CC) $(ALL_CFLAGS) -MF $(DEPFILE) -MT $@ $(USER_INC) -O2 $(LDFLAGS) -o $@ $< $(USER_A) $(TEXT_A) $(LIB_A) $(USER_LIBS) -lpthread -lm
endif

-include $(LIB_OBJ:.o=.d) $(TEXT_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(USER_OBJ:.o=.d) $(BPF_OBJ:.o=.d)
-include $(UNIT_BIN:$(BUILD)/%=$(BUILD)/obj/%.d) $(BENCH_BIN:$(BUILD)/%=$(BUILD)/obj/%.d)

# Tests run against a sanitizer build in build/san.
test:
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory BUILD=build/san SAN=1 tests
	@BUILD=build/san tests/run.sh

bench: all tests
	@tests/bench/run.sh

FUZZ_SECONDS ?= 60
# Every input must finish in seconds and bounded memory, or it is a finding.
FUZZ_FLAGS := -max_len=65536 -timeout=5 -rss_limit_mb=2048
# Each target's body is tests/fuzz/NAME_entry.h, shared with the corpus
# replay unit test (tests/unit/test_corpus_replay.c) that make test runs.
fuzz: $(BUILD)/tests/fuzz_reader $(BUILD)/tests/fuzz_elfsyms
	mkdir -p $(BUILD)/fuzz-corpus $(BUILD)/fuzz-corpus-elfsyms
	cp -n tests/corpus/* $(BUILD)/fuzz-corpus/ 2>/dev/null || true
	cp -n tests/fuzz/corpus-elfsyms/* $(BUILD)/fuzz-corpus-elfsyms/ 2>/dev/null || true
	$(BUILD)/tests/fuzz_reader -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) $(BUILD)/fuzz-corpus
	$(BUILD)/tests/fuzz_elfsyms -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) $(BUILD)/fuzz-corpus-elfsyms
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/%_entry.h $(LIB_SRC)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Itools/lib/selfprof -o $@ $(filter %.c,$^) -lz -lm
$(BUILD)/tests/test_corpus_replay: tests/fuzz/reader_entry.h tests/fuzz/elfsyms_entry.h
# Probe discovery's ELF side: the user/ parsers, not the format library.
FUZZ_ELF_SRC := user/elfsyms.c user/demangle.c user/probes.c
$(BUILD)/tests/fuzz_elfsyms: tests/fuzz/fuzz_elfsyms.c tests/fuzz/elfsyms_entry.h $(FUZZ_ELF_SRC) $(FUZZ_ELF_SRC:.c=.h)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(WARN) -std=gnu11 -D_GNU_SOURCE \
		-Itools/lib/selfprof -Iuser -Ibpf -o $@ $(filter %.c,$^) -lelf -liberty -lz

deps:
	@tests/deps.sh

demo: deps all
	@tests/demo.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libselfprof.so.$(SP_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libselfprof.so
	install -m 0644 tools/lib/selfprof/selfprof.h $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|;s|@LIBDIR@|$(LIBDIR)|;s|@INCLUDEDIR@|$(INCLUDEDIR)|;s|@VERSION@|$(SP_VERSION)|' \
		tools/lib/selfprof/selfprof.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/selfprof.pc

clean:
	rm -rf $(BUILD)
