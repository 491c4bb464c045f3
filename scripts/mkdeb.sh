#!/bin/sh
# mkdeb.sh (make deb): dist/golxc_VERSION_ARCH.deb from the source tree.
#
# The package is `make install` (the default, multicall layout) into a
# staging tree, plus the Debian control files of packaging/deb, built by
# dpkg-deb. dpkg-deb rather than a packaging library: it is the format's
# reference implementation, present on every Debian system (package dpkg
# is Essential), needs nothing from the network, and keeps the package
# exactly what `make install` installs, so there is one list of files.
#
# Reproducible: the same tree gives the same bytes. The Go build is
# -trimpath with fixed flags; every file's time is the last commit's
# (SOURCE_DATE_EPOCH), owners are root, man pages are gzipped without
# names or times, and dpkg-deb compresses with one thread (xz splits its
# output by thread count, which differs between machines).
#
# Environment: GO, MAKE, SOURCE_DATE_EPOCH, DEB_MAINTAINER, and the
# Makefile's directory variables (PREFIX, ...) through MAKEFLAGS.
set -eu

cd "$(dirname "$0")/.."
GO=${GO:-go}
MAKE=${MAKE:-make}
export LC_ALL=C TZ=UTC
umask 022

command -v dpkg-deb >/dev/null 2>&1 || { echo "mkdeb: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }

# The golxc release, as `make` computes it, turned into a Debian version:
# 0.1.0 -> 0.1.0, 0.1.0-3-gabc1234 -> 0.1.0+3.gabc1234, a dirty tree adds
# +dirty / .dirty (sorting after the clean build of the same commit).
describe=${VERSION:-$(./scripts/version.sh)}
version=$(echo "$describe" | sed -e 's/^\([^-]*\)-\([0-9][0-9]*\)-g\([0-9a-f]*\)/\1+\2.g\3/' -e 's/-dirty$/.dirty/')
case "$version" in *+*) ;; *.dirty) version=${version%.dirty}+dirty ;; esac

case "$($GO env GOARCH)" in
amd64) arch=amd64 ;; arm64) arch=arm64 ;; 386) arch=i386 ;; arm) arch=armhf ;;
ppc64le) arch=ppc64el ;; s390x) arch=s390x ;; riscv64) arch=riscv64 ;; loong64) arch=loong64 ;;
*) echo "mkdeb: no Debian architecture for GOARCH $($GO env GOARCH)" >&2; exit 1 ;;
esac

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
maintainer=${DEB_MAINTAINER:-golxc developers <golxc@users.noreply.github.com>}

# MKDEB_OUT: where the package goes (default dist/); tests build twice.
out_dir=${MKDEB_OUT:-dist}
work=build/deb
root=$work/root
rm -rf "$work"
mkdir -p "$root/DEBIAN" "$out_dir"

$MAKE --no-print-directory install DESTDIR="$PWD/$root" PREFIX=/usr

# Debian's documentation layout: the licence lives in copyright (Apache-2.0
# is in /usr/share/common-licenses), the changelog compressed.
doc=$root/usr/share/doc/golxc
rm -f "$doc/LICENSE"
install -m 0644 packaging/deb/copyright "$doc/copyright"
mv "$doc/CHANGELOG.md" "$doc/changelog"
gzip -9n "$doc/changelog"
find "$root/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +

# Installed-Size in KiB, as dpkg-gencontrol counts it: each file rounded
# up, 1 for each directory and link; counted from the tree, not from the
# file system's blocks, so it is the same everywhere.
size=$(find "$root" -path "$root/DEBIAN" -prune -o -printf '%y %s\n' |
	awk '$1 == "f" { s += int(($2 + 1023) / 1024); next } { s += 1 } END { print s }')

# Built-Using (Debian policy 7.8): the C libraries linked statically into
# what the package ships, so the archive keeps their sources as the
# LGPL asks. glibc: golxc's namespace-join constructor and lxc-user-nic
# are linked with -static; musl: the supervisor golxc embeds, when
# musl-gcc built it (a musl binary carries none of glibc's messages).
built_using=
src_of() { dpkg-query -W -f '${source:Package} (= ${source:Version})' "$1" 2>/dev/null; }
if grep -aqs 'Fatal glibc error' "$root/usr/bin/golxc" "$root/usr/libexec/lxc/lxc-user-nic"; then
	built_using=$(src_of libc6-dev)
fi
if [ -f internal/supervisor/bin/golxc-supervisor ] && ! grep -aqs glibc internal/supervisor/bin/golxc-supervisor; then
	musl=$(src_of musl-dev)
	[ -z "$musl" ] || built_using=${built_using:+$built_using, }$musl
fi

sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$size|" \
	-e "s|@MAINTAINER@|$maintainer|" -e "s|@BUILT_USING@|$built_using|" -e '/^Built-Using: $/d' \
	packaging/deb/control.in >"$root/DEBIAN/control"
install -m 0644 packaging/deb/conffiles "$root/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
# Every conffile must be in the tree (a typo would make dpkg-deb fail late).
while read -r f; do
	[ -f "$root$f" ] || { echo "mkdeb: conffile $f is not installed" >&2; exit 1; }
done <packaging/deb/conffiles
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

out=$out_dir/golxc_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz -z9 --threads-max=1 --build "$root" "$out" >/dev/null
echo "$out: $(du -k "$out" | cut -f1) KiB, Installed-Size $size KiB ($((size / 1024)) MiB)"
