# golxc — LXC's userspace tools in Go.
#
#   make            build every tool into bin/
#   make demo       build, then create/start/attach/list/stop/destroy a busybox container
#   make test       install test dependencies (as root), build, unit + root integration tests
#   make install    PREFIX/DESTDIR/BINDIR/DATADIR/... honoured, one binary per tool
#   make install-multicall   one binary (lxc) plus a link per tool
#   make man / completion    generated man pages and bash/zsh/fish completion

PREFIX      ?= /usr
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share
LIBEXECDIR  ?= $(PREFIX)/libexec
MANDIR      ?= $(DATADIR)/man
SYSCONFDIR  ?= /etc
SYSTEMDUNITDIR ?= /lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
DESTDIR     ?=

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
TEMPLATEDIR = $(DATADIR)/lxc/templates
# Where the installed tools look for our templates; tests use the source tree.
LDFLAGS   = -s -w -X github.com/golxc/golxc/internal/cli.GolxcVersion=$(VERSION) \
            -X github.com/golxc/golxc/internal/paths.TemplateDir=$(TEMPLATEDIR)
# netgo/osusergo keep every tool free of libc lookups; lxc-attach and the
# multicall binary carry the small cgo namespace-join constructor and are
# linked statically so they never load a library from inside a container.
GOTAGS    = netgo,osusergo
GOBUILD   = CGO_ENABLED=0 $(GO) build -trimpath -tags $(GOTAGS) -ldflags "$(LDFLAGS)"
GOBUILD_CGO = CGO_ENABLED=1 $(GO) build -trimpath -tags $(GOTAGS) -ldflags "$(LDFLAGS) -linkmode external -extldflags -static"

# The container supervisor (internal/supervisor/c): a small static C program
# the tools embed. musl when installed: a tenth of glibc's static size, and
# it starts in a handful of page faults.
SUPERVISOR     = internal/supervisor/bin/golxc-supervisor
SUPERVISOR_SRC = $(wildcard internal/supervisor/c/*.c internal/supervisor/c/*.h)
SUPERVISOR_CC ?= $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
SUPERVISOR_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Os -static \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-strict-aliasing \
            -Wl,-z,relro,-z,now,-z,noexecstack -s

TOOLS     = $(notdir $(wildcard cmd/lxc-*))
CGO_TOOLS = lxc-attach
BIN       = $(addprefix bin/,$(TOOLS))

FUZZTIME ?= 15s

.PHONY: all build supervisor multicall demo test test-deps test-unit test-integration test-fuzz install-data \
        test-compat test-debootstrap bench install install-multicall man completion \
        vet fmt clean

all: build

build: $(BIN)

supervisor: $(SUPERVISOR)

$(SUPERVISOR): $(SUPERVISOR_SRC)
	$(SUPERVISOR_CC) $(SUPERVISOR_CFLAGS) -o $@ $(filter %.c,$(SUPERVISOR_SRC))

bin/%: FORCE $(SUPERVISOR)
	@mkdir -p bin
	@if echo " $(CGO_TOOLS) " | grep -q " $* "; then \
		$(GOBUILD_CGO) -o $@ ./cmd/$*; \
	else \
		$(GOBUILD) -o $@ ./cmd/$*; \
	fi

multicall: FORCE $(SUPERVISOR)
	@mkdir -p bin
	$(GOBUILD_CGO) -o bin/lxc ./cmd/lxc

FORCE:

# Everything the tests need from Debian, installed when missing (root only).
test-deps:
	@./scripts/install-deps.sh test

demo: build
	@./scripts/install-deps.sh demo
	@./scripts/demo.sh

# The README's test command; .ci/run calls it.
test: test-deps build vet test-integration test-fuzz

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal hack)" || { echo "gofmt needed:"; gofmt -l cmd internal hack; exit 1; }

# Unit tests only (no root needed): integration tests are skipped with -short.
test-unit:
	$(GO) test -count=1 -short ./...

# Unit and root integration tests: real containers from a busybox rootfs,
# each in its own temp lxcpath. Without -short a missing prerequisite (root,
# busybox, a kernel feature) is a failure, never a skip.
# A test binary killed by its timeout runs no cleanups: testreap then
# removes what its containers left and keeps the run red.
test-integration: build
	GOLXC_BIN=$(CURDIR)/bin $(GO) test -count=1 -p 1 -timeout 30m ./...; \
	rc=$$?; $(GO) run ./hack/testreap || rc=1; exit $$rc

test-fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/supervisor/cplan

# Differential suite against Debian's LXC 5.0.2.
test-compat: build
	@./scripts/install-deps.sh compat
	GOLXC_BIN=$(CURDIR)/bin $(GO) test -count=1 -p 1 -timeout 30m -tags compat ./tests/compat/...; \
	rc=$$?; $(GO) run ./hack/testreap || rc=1; exit $$rc

# Debian bookworm through debootstrap from the host's apt mirror (slow, networked).
test-debootstrap: build
	@./scripts/install-deps.sh debootstrap
	GOLXC_BIN=$(CURDIR)/bin $(GO) test -count=1 -p 1 -timeout 60m -tags debootstrap -run Debootstrap ./...; \
	rc=$$?; $(GO) run ./hack/testreap || rc=1; exit $$rc

bench: build
	@./scripts/install-deps.sh bench
	./bench/run.sh

man: FORCE
	@mkdir -p doc/man
	$(GO) run ./hack/gendoc man doc/man

completion: FORCE
	@mkdir -p completion
	$(GO) run ./hack/gendoc completion completion

# Everything but the binaries: templates, man pages, completion, the
# lxc-net bridge helper and its (disabled by default) systemd unit.
install-data: man completion
	install -d $(DESTDIR)$(TEMPLATEDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(LIBEXECDIR)/lxc \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 templates/lxc-* $(DESTDIR)$(TEMPLATEDIR)/
	install -m 0644 doc/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 completion/bash/* $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 completion/zsh/* $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 completion/fish/* $(DESTDIR)$(FISHCOMPDIR)/
	install -m 0755 internal/network/lxcnet/lxc-net $(DESTDIR)$(LIBEXECDIR)/lxc/lxc-net
	sed 's|/usr/libexec|$(LIBEXECDIR)|g' internal/network/lxcnet/lxc-net.service > $(DESTDIR)$(SYSTEMDUNITDIR)/lxc-net.service

install: build install-data
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/

install-multicall: multicall install-data
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/lxc $(DESTDIR)$(BINDIR)/lxc
	for t in $(TOOLS); do ln -sf lxc $(DESTDIR)$(BINDIR)/$$t; done

fmt:
	gofmt -w cmd internal hack

clean:
	rm -rf bin $(SUPERVISOR)
