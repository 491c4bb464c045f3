# golxc — LXC's userspace tools in Go.
#
#   make                build every tool into bin/ (one binary per tool; what the tests run)
#   make demo           build, then create/start/attach/list/stop/destroy a busybox container
#   make test           install test dependencies (as root), build, unit + root integration tests
#   make install        one multicall binary (golxc) plus a link per tool, and the data files
#   make install-split  one binary per tool instead, and the same data files
#   make deb            dist/golxc_VERSION_ARCH.deb (make install into a staging tree, dpkg-deb)
#   make test-package   install that package into a Debian tree and boot it (root, networked)
#   make man / completion    generated man pages and bash/zsh/fish completion
#
# Every directory is a variable, and DESTDIR is honoured. Adding a program
# or a file to the install (and so to the package): see "Adding to the
# install" below.

PREFIX      ?= /usr
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share
LIBEXECDIR  ?= $(PREFIX)/libexec
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/golxc
SYSCONFDIR  ?= /etc
# Debian's /etc/default (RPM distributions: /etc/sysconfig).
DISTROSYSCONFDIR ?= $(SYSCONFDIR)/default
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
SYSTEMDUNITDIR ?= /lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
DESTDIR     ?=

# LXC's shared directories: templates, the include files containers'
# configs name (lxc.include = /usr/share/lxc/config/...), hooks.
TEMPLATEDIR  = $(DATADIR)/lxc/templates
LXCCONFIGDIR = $(DATADIR)/lxc/config
LXCHOOKDIR   = $(DATADIR)/lxc/hooks
# Helper programs (lxc-net, lxc-containers, and the C helpers).
LXCLIBEXECDIR = $(LIBEXECDIR)/lxc

GO        ?= go
# The golxc release: the last v* tag and the commits since ("0.1.0",
# "0.1.0-3-gabc1234", "-dirty" for uncommitted changes); see CHANGELOG.md.
VERSION   ?= $(shell ./scripts/version.sh)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || true)
# Where the installed tools look for our templates; tests use the source tree.
LDFLAGS   = -s -w -X github.com/golxc/golxc/internal/cli.GolxcVersion=$(VERSION) \
            -X github.com/golxc/golxc/internal/cli.GolxcCommit=$(COMMIT) \
            -X github.com/golxc/golxc/internal/paths.TemplateDir=$(TEMPLATEDIR) \
            -X github.com/golxc/golxc/internal/paths.LXCConfigDir=$(LXCCONFIGDIR) \
            -X github.com/golxc/golxc/internal/paths.UserNIC=$(LXCLIBEXECDIR)/lxc-user-nic
# netgo/osusergo keep every tool free of libc lookups; lxc-attach and the
# multicall binary carry the small cgo namespace-join constructor and are
# linked statically so they never load a library from inside a container.
# -trimpath and the fixed flags make the binaries reproducible: the same
# tree gives the same bytes.
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

# lxc-user-nic, the setuid-root helper of unprivileged networking: C (see
# internal/usernic/c/main.c for why), static, its two files built in.
USERNET_CONF  ?= $(SYSCONFDIR)/lxc/lxc-usernet
USERNIC_DB    ?= $(RUNSTATEDIR)/lxc/nics
USERNIC_SRC    = $(wildcard internal/usernic/c/*.c)
USERNIC_CFLAGS = -std=gnu11 -O2 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wconversion -Wno-sign-conversion \
                 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -static-pie -Wl,-z,relro,-z,now,-z,noexecstack
USERNIC_OUT   ?= bin/libexec/lxc-user-nic

.PHONY: all build supervisor multicall usernic-variant demo test test-deps test-unit test-integration test-fuzz \
        test-compat test-debootstrap test-package soak bench install install-multicall install-split \
        install-data install-libexec deb man completion vet fmt clean

all: build

build: $(BIN) bin/libexec/lxc-user-nic

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

bin/libexec/lxc-user-nic: $(USERNIC_SRC) internal/usernic/c/usernic.h
	@mkdir -p bin/libexec
	$(CC) $(USERNIC_CFLAGS) -DUSERNET_CONF='"$(USERNET_CONF)"' -DUSERNIC_DB='"$(USERNIC_DB)"' -o $@ $(USERNIC_SRC)

# The same program with other files built in (tests make a private copy):
# make usernic-variant USERNIC_OUT=... USERNET_CONF=... USERNIC_DB=...
usernic-variant: FORCE
	$(CC) $(USERNIC_CFLAGS) -DUSERNET_CONF='"$(USERNET_CONF)"' -DUSERNIC_DB='"$(USERNIC_DB)"' -o $(USERNIC_OUT) $(USERNIC_SRC)

# One binary for every tool, dispatching on the name it is called by. Not
# named "lxc": that is LXD's and Incus' client.
multicall: FORCE $(SUPERVISOR)
	@mkdir -p bin
	$(GOBUILD_CGO) -o bin/golxc ./cmd/golxc

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
	@test -z "$$(gofmt -l cmd internal hack tests)" || { echo "gofmt needed:"; gofmt -l cmd internal hack tests; exit 1; }
	@for f in config/init/lxc-containers config/hooks/clonehostname scripts/*.sh packaging/deb/*inst packaging/deb/*rm; do \
		sh -n "$$f" || exit 1; done

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
	$(GO) test -asan -run '^$$' -fuzz '^FuzzParsers$$' -fuzztime $(FUZZTIME) ./internal/usernic

# Leak soak (not in make test: minutes): 300 start/attach/stop and 50
# create/start/stop/destroy cycles; prints what is left as figures and
# fails on leftovers of the containers (processes, cgroups, mounts, links,
# boot records, loop devices). GOLXC_SOAK_STARTS / GOLXC_SOAK_CREATES
# change the counts.
soak: build
	@./scripts/install-deps.sh test
	GOLXC_BIN=$(CURDIR)/bin $(GO) test -count=1 -p 1 -timeout 120m -tags soak -v -run Soak ./tests/soak/; \
	rc=$$?; $(GO) run ./hack/testreap || rc=1; exit $$rc

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

# The package in a Debian bookworm tree: dpkg install, remove and purge,
# then a container booted from it running a nested container (networked:
# the tree comes from debootstrap, or the debian template's cache).
test-package: build deb
	@./scripts/install-deps.sh debootstrap package
	GOLXC_BIN=$(CURDIR)/bin GOLXC_DEB=$$(ls -t $(CURDIR)/dist/golxc_*.deb | head -1) $(GO) test -count=1 -p 1 -timeout 30m -tags package ./tests/package/...; \
	rc=$$?; $(GO) run ./hack/testreap || rc=1; exit $$rc

bench: build
	@./scripts/install-deps.sh bench
	./bench/run.sh

# The pages name the build they document: the same -X flags as the tools.
man: FORCE
	@rm -rf build/man && mkdir -p build/man
	$(GO) run -ldflags "$(LDFLAGS)" ./hack/gendoc man build/man

completion: FORCE
	@rm -rf build/completion && mkdir -p build/completion
	$(GO) run -ldflags "$(LDFLAGS)" ./hack/gendoc completion build/completion

# ---- Install -------------------------------------------------------------
#
# Adding to the install: a program run by the tools goes to
# $(LXCLIBEXECDIR): build it into bin/libexec/NAME (a rule of its own, made
# a prerequisite of install-libexec) and add NAME to LIBEXEC_PROGS (mode
# 0755) or LIBEXEC_SETUID_PROGS (mode 4755, root-owned in the package). A
# data file goes to install-data. `make deb` packages whatever `make
# install` installs, with the modes it installs them with; list new
# configuration files under $(SYSCONFDIR) in packaging/deb/conffiles.
LIBEXEC_PROGS =
LIBEXEC_SETUID_PROGS = lxc-user-nic

# Rewrites the default paths the data files name when a directory variable
# differs from its default (an RPM-style DISTROSYSCONFDIR, another PREFIX).
SUBST = sed -e 's|/usr/share/lxc/config|$(LXCCONFIGDIR)|g' \
	-e 's|/usr/share/lxc/hooks|$(LXCHOOKDIR)|g' \
	-e 's|/usr/libexec/lxc|$(LXCLIBEXECDIR)|g' \
	-e 's|/usr/bin/lxc-|$(BINDIR)/lxc-|g' \
	-e 's|^bindir="/usr/bin"|bindir="$(BINDIR)"|' \
	-e 's|^sysconfdir="/etc"|sysconfdir="$(SYSCONFDIR)"|' \
	-e 's|/etc/default|$(DISTROSYSCONFDIR)|g'

install-libexec: bin/libexec/lxc-user-nic
	install -d $(DESTDIR)$(LXCLIBEXECDIR)
	$(SUBST) internal/network/lxcnet/lxc-net > $(DESTDIR)$(LXCLIBEXECDIR)/lxc-net
	$(SUBST) config/init/lxc-containers > $(DESTDIR)$(LXCLIBEXECDIR)/lxc-containers
	chmod 0755 $(DESTDIR)$(LXCLIBEXECDIR)/lxc-net $(DESTDIR)$(LXCLIBEXECDIR)/lxc-containers
	@for p in $(LIBEXEC_PROGS); do install -m 0755 bin/libexec/$$p $(DESTDIR)$(LXCLIBEXECDIR)/$$p || exit 1; done
	@for p in $(LIBEXEC_SETUID_PROGS); do install -m 4755 bin/libexec/$$p $(DESTDIR)$(LXCLIBEXECDIR)/$$p || exit 1; done

# Everything but the tools: templates, LXC's include files and hooks,
# /etc files (never overwriting an existing one), systemd units, the
# helpers, man pages, completion, the state directories.
install-data: man completion install-libexec
	install -d $(DESTDIR)$(TEMPLATEDIR) $(DESTDIR)$(LXCCONFIGDIR)/common.conf.d $(DESTDIR)$(LXCHOOKDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/lxc $(DESTDIR)$(DISTROSYSCONFDIR) $(DESTDIR)$(SYSCONFDIR)/sysctl.d \
		$(DESTDIR)$(LOCALSTATEDIR)/lib/lxc $(DESTDIR)$(LOCALSTATEDIR)/cache/lxc $(DESTDIR)$(DOCDIR)
	@for f in templates/lxc-*; do d=$(DESTDIR)$(TEMPLATEDIR)/$${f##*/}; rm -f "$$d"; \
		if [ -L "$$f" ]; then cp -P "$$f" "$$d"; else $(SUBST) "$$f" > "$$d" && chmod 0755 "$$d"; fi || exit 1; done
	@for f in config/lxc/*.conf config/lxc/common.seccomp; do \
		$(SUBST) $$f > $(DESTDIR)$(LXCCONFIGDIR)/$${f##*/} && chmod 0644 $(DESTDIR)$(LXCCONFIGDIR)/$${f##*/} || exit 1; done
	install -m 0644 config/lxc/common.conf.d/README $(DESTDIR)$(LXCCONFIGDIR)/common.conf.d/README
	install -m 0755 config/hooks/clonehostname $(DESTDIR)$(LXCHOOKDIR)/clonehostname
	@for u in config/init/lxc.service config/init/lxc@.service internal/network/lxcnet/lxc-net.service; do \
		$(SUBST) $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} && chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} || exit 1; done
	@install_new() { [ -e "$$2" ] && { echo "keeping $$2"; return 0; }; $(SUBST) "$$1" > "$$2" && chmod 0644 "$$2"; }; \
	install_new config/etc/default.conf $(DESTDIR)$(SYSCONFDIR)/lxc/default.conf && \
	install_new config/etc/lxc.default $(DESTDIR)$(DISTROSYSCONFDIR)/lxc && \
	install_new config/etc/lxc-net.default $(DESTDIR)$(DISTROSYSCONFDIR)/lxc-net && \
	install_new config/etc/30-lxc-inotify.conf $(DESTDIR)$(SYSCONFDIR)/sysctl.d/30-lxc-inotify.conf
	install -m 0644 build/man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 build/man/man5/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 build/man/man7/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 build/completion/bash/* $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 build/completion/zsh/* $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 build/completion/fish/* $(DESTDIR)$(FISHCOMPDIR)/
	install -m 0644 LICENSE CHANGELOG.md $(DESTDIR)$(DOCDIR)/

# The default: one static multicall binary (about 7 MiB) and a relative
# link per tool, instead of 25 binaries (about 90 MiB).
install: install-multicall

install-multicall: multicall install-data
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/golxc $(DESTDIR)$(BINDIR)/golxc
	for t in $(TOOLS); do ln -sfn golxc $(DESTDIR)$(BINDIR)/$$t || exit 1; done

# One binary per tool, for those who want them; replaces the links.
install-split: build install-data
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/

# dist/golxc_VERSION_ARCH.deb from `make install` into a staging tree,
# built by dpkg-deb; the same tree gives the same bytes.
deb:
	VERSION=$(VERSION) ./scripts/mkdeb.sh

fmt:
	gofmt -w cmd internal hack tests

clean:
	rm -rf bin build dist $(SUPERVISOR)
