#!/usr/bin/env bash
# Builds the Debian package berth_VERSION_ARCH.deb from this checkout, with dpkg-deb and npm only:
#
#   bash scripts/package-deb.sh [--no-build] [-o DIR]     # then: apt install ./berth_*.deb
#
#   /usr/lib/berth/        compiled daemon and CLI (dist/), production node_modules, the C helper
#   /usr/sbin/berthd       the daemon          /usr/bin/berth     the CLI
#   /lib/systemd/system/   berthd.service (Type=notify) and berthd.socket (root:berth 0660)
#   /etc/berth/daemon.json conffile            man pages berth(1), berthd(8), shell completions
#
# --no-build reuses dist/ and the helper as built (CI builds once before its tests).
# The maintainer scripts are in scripts/deb/; what they do is described at their top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

build=1
out=$ROOT
while (($#)); do
  case $1 in
    --no-build) build=0 ;;
    -o) out=${2:?-o needs a directory}; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-deb: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'package-deb: %s\n' "$*"; }
for tool in dpkg-deb dpkg-shlibdeps npm node gzip; do
  command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install dpkg-dev nodejs npm)"; exit 1; }
done

VERSION=$(node -p 'require("./package.json").version')
ARCH=$(dpkg --print-architecture)
DEB="$out/berth_${VERSION}_${ARCH}.deb"

if ((build)); then
  say "building (npm run build)"
  npm run -s build
fi
[[ -f dist/daemon/main.js && -f dist/client/main.js && -x native/helper/build/berth-helper ]] || {
  say "dist/ or the helper is missing: run without --no-build"; exit 1; }

STAGE=$(mktemp -d /tmp/berth-deb.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
chmod 0755 "$STAGE" # it becomes the mode of / in the archive
umask 022
LIB=$STAGE/usr/lib/berth

# ---------------------------------------------------------------- the program
mkdir -p "$LIB/dist" "$LIB/native/helper/build"
for d in daemon client native; do cp -a "dist/$d" "$LIB/dist/"; done
# dist/ may hold output of deleted sources; the package carries only what has a source.
while IFS= read -r js; do
  src=${js#"$LIB"/dist/}; src=${src%.js}.ts
  [[ -f $src ]] || rm -f "$js" "${js%.js}.d.ts" "$js.map"
done < <(find "$LIB/dist" -name '*.js')
find "$LIB/dist" \( -name '*.d.ts' -o -name '*.map' \) -delete
install -m 0755 native/helper/build/berth-helper "$LIB/native/helper/build/berth-helper"
cp package.json package-lock.json "$LIB/"
say "production node_modules (npm ci --omit=dev)"
(cd "$LIB" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null)
# koffi's prebuilt binaries for other systems are dead weight here.
find "$LIB/node_modules/@koromix" -mindepth 1 -maxdepth 1 ! -name "koffi-linux-$(node -p process.arch)" -exec rm -rf {} + 2>/dev/null || true
rm -f "$LIB/package-lock.json" "$LIB/node_modules/.package-lock.json"

mkdir -p "$STAGE/usr/bin" "$STAGE/usr/sbin"
printf '#!/usr/bin/node\n// berth: the CLI of the berth container engine (package berth).\nrequire("/usr/lib/berth/dist/client/main.js");\n' >"$STAGE/usr/bin/berth"
printf '#!/usr/bin/node\n// berthd: the berth container engine daemon (package berth).\nrequire("/usr/lib/berth/dist/daemon/main.js");\n' >"$STAGE/usr/sbin/berthd"
chmod 0755 "$STAGE/usr/bin/berth" "$STAGE/usr/sbin/berthd"

# ---------------------------------------------------------------- units, config
install -D -m 0644 systemd/berthd.service "$STAGE/lib/systemd/system/berthd.service"
install -D -m 0644 systemd/berthd.socket "$STAGE/lib/systemd/system/berthd.socket"
install -D -m 0644 scripts/deb/daemon.json "$STAGE/etc/berth/daemon.json"

# ---------------------------------------------------------------- docs, man pages, completion
DOC=$STAGE/usr/share/doc/berth
install -D -m 0644 README.md "$DOC/README.md"
install -D -m 0644 scripts/deb/copyright "$DOC/copyright"
printf 'berth (%s) unstable; urgency=medium\n\n  * Built from the berth checkout by scripts/package-deb.sh.\n\n -- berth maintainers <berth@localhost>  %s\n' \
  "$VERSION" "$(date -R)" | gzip -9n >"$DOC/changelog.gz"

# roff from the --help text: the help is the reference, the man page only frames it.
manpage() { # name section summary helptext
  local name=$1 section=$2 summary=$3 help=$4 upper
  upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
  {
    printf '.TH %s %s "%s" "berth %s" "berth"\n' "$upper" "$section" "$(date -u +%Y-%m-%d)" "$VERSION"
    printf '.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n' "$name" "$summary"
    printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'
    printf '.fi\n'
    cat
  } | gzip -9n >"$STAGE/usr/share/man/man$section/$name.$section.gz"
}
mkdir -p "$STAGE/usr/share/man/man1" "$STAGE/usr/share/man/man8"
BERTH=(node "$LIB/dist/client/main.js")
BERTHD=(node "$LIB/dist/daemon/main.js")
manpage berthd 8 "the berth container engine daemon (Docker Engine API)" "$("${BERTHD[@]}" --help)" <<'EOF'
.SH FILES
.TP
.I /etc/berth/daemon.json
Configuration (dockerd's keys). SIGHUP (\fBsystemctl reload berthd\fR) reloads the reloadable keys.
.TP
.I /var/lib/berth
Images, layers and containers (kept by \fBdpkg \-r\fR, removed by \fBdpkg \-\-purge\fR).
.TP
.I /run/berth/berth.sock
The API socket, root:berth 0660. Members of the group \fBberth\fR are root-equivalent.
.SH SEE ALSO
.BR berth (1),
.BR systemctl (1)
EOF
berth_help=$("${BERTH[@]}" --help)
manpage berth 1 "the berth container engine's command-line client" "$berth_help" <<'EOF'
.SH ENVIRONMENT
.TP
.B BERTH_HOST
The daemon's socket (unix:///run/berth/berth.sock by default).
.SH SEE ALSO
.BR berthd (8)
EOF
if "${BERTH[@]}" completion bash >/dev/null 2>&1; then
  install -d "$STAGE/usr/share/bash-completion/completions" "$STAGE/usr/share/zsh/vendor-completions" "$STAGE/usr/share/fish/vendor_completions.d"
  "${BERTH[@]}" completion bash >"$STAGE/usr/share/bash-completion/completions/berth"
  "${BERTH[@]}" completion zsh >"$STAGE/usr/share/zsh/vendor-completions/_berth"
  "${BERTH[@]}" completion fish >"$STAGE/usr/share/fish/vendor_completions.d/berth.fish"
fi

# ---------------------------------------------------------------- control
mkdir -p "$STAGE/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "scripts/deb/$s" "$STAGE/DEBIAN/$s"; done
echo /etc/berth/daemon.json >"$STAGE/DEBIAN/conffiles"
shlibs=$(
  tmp=$(mktemp -d)
  mkdir "$tmp/debian"
  printf 'Source: berth\n\nPackage: berth\nArchitecture: any\n' >"$tmp/debian/control"
  (cd "$tmp" && dpkg-shlibdeps -O -e "$LIB/native/helper/build/berth-helper" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$tmp"
)
# Run time: Node (the daemon and CLI), the helper's libraries, netavark/aardvark-dns for
# bridge networks (they need a firewall back end), and the tools the maintainer scripts use.
depends="nodejs (>= 20), ${shlibs:-libc6}, netavark, aardvark-dns, iptables | nftables, passwd"
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: berth
Version: $VERSION
Architecture: $ARCH
Maintainer: berth maintainers <berth@localhost>
Installed-Size: $size
Depends: $depends
Recommends: init-system-helpers
Section: admin
Priority: optional
Description: container engine in TypeScript that speaks the Docker Engine API
 berthd pulls OCI and Docker images into a content-addressed store, assembles each
 container's root filesystem with overlayfs, runs containers in their own namespaces
 through a small C helper, and serves the Docker Engine API on /run/berth/berth.sock,
 so the docker CLI, docker-py and dockerode work against it unchanged. berth is its CLI.
 .
 Members of the group "berth" may use the socket without sudo: they are root-equivalent.
EOF
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum >DEBIAN/md5sums)

mkdir -p "$out"
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$DEB" >/dev/null
say "wrote $DEB ($(du -h "$DEB" | cut -f1))"
