#!/bin/sh
# version.sh: the golxc release this tree is, as `git describe` says it:
# the last v* tag and the commits since ("0.1.0", "0.1.0-3-gabc1234"),
# "-dirty" with uncommitted changes. Without a tag (a shallow clone):
# "0.0.0-0-gHASH". Without git: "0.0.0". The Makefile stamps it into the
# binaries; mkdeb.sh turns it into the package version.
cd "$(dirname "$0")/.." || exit 1
v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null) && { echo "${v#v}"; exit 0; }
h=$(git rev-parse --short=12 HEAD 2>/dev/null) || { echo 0.0.0; exit 0; }
d=
git diff --quiet HEAD 2>/dev/null || d=-dirty
echo "0.0.0-0-g$h$d"
