#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything svnic needs to build the test kernel, the module and to
# run the VM. Idempotent: a second run only checks and prints "ok" lines.
#
# Debian 12 (bookworm) host assumed. Needs root (apt-get).
set -euo pipefail

say() { printf 'svnic-setup: %s\n' "$*"; }
die() { printf 'svnic-setup: error: %s\n' "$*" >&2; exit 1; }

BINDGEN_VERSION=0.72.1
VNG_VERSION=1.41
VENV=${SVNIC_VENV:-${SVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/svnic}/venv}

[ "$(id -u)" = 0 ] || die "run as root (apt-get is needed)"

# --- apt sources -----------------------------------------------------------
# bookworm-backports: qemu-system-x86 (the bookworm one conflicts with the
# installed qemu-utils), iproute2 6.x with current devlink, ethtool.
# trixie-backports: linux-source-7.3 only; pinned low so nothing else is
# pulled from it.
src=/etc/apt/sources.list.d/svnic.sources
if [ ! -f "$src" ]; then
	say "adding bookworm-backports and trixie-backports apt sources"
	cat >"$src" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	cat >/etc/apt/preferences.d/svnic <<'EOF'
Package: *
Pin: release n=trixie-backports
Pin-Priority: 50
EOF
	rm -f /etc/apt/sources.list.d/svnic-probe.sources /etc/apt/preferences.d/svnic-probe
	need_update=1
fi

pkgs=(clang-19 lld-19 llvm-19 libclang-19-dev make bc bison flex cpio
      libelf-dev libssl-dev kmod udev python3-venv xz-utils zstd
      busybox-static rsync iputils-ping procps psmisc jq
      socat iperf3 netsniff-ng tcpdump linux-perf
      gcc libc6-dev libbpf-dev bpftool python3-yaml)
bpo_pkgs=(qemu-system-x86 iproute2 ethtool)

missing=()
for p in "${pkgs[@]}" "${bpo_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# iproute2 must be the backports one (devlink, vf proto, bridge hwmode).
if ! ip -V 2>/dev/null | grep -qE 'iproute2-(6\.([5-9]|[1-9][0-9])|[7-9])'; then
	missing+=(iproute2)
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	if [ -n "${need_update:-}" ] || [ ! -f /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_InRelease ]; then
		apt-get update -q
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${pkgs[@]}"
	apt-get install -y -q --no-install-recommends -t bookworm-backports "${bpo_pkgs[@]}"
else
	say "ok: Debian packages"
fi

# --- Rust ------------------------------------------------------------------
command -v rustup >/dev/null || die "rustup not found (the machine's Rust toolchain is needed)"
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	say "adding the rust-src component"
	rustup component add rust-src
else
	say "ok: rust-src"
fi
if ! bindgen --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
	say "installing bindgen-cli $BINDGEN_VERSION (a few minutes)"
	cargo install --locked bindgen-cli --version "$BINDGEN_VERSION"
else
	say "ok: bindgen $BINDGEN_VERSION"
fi

# --- virtme-ng -------------------------------------------------------------
if ! "$VENV/bin/vng" --version 2>/dev/null | grep -q "$VNG_VERSION"; then
	say "installing virtme-ng $VNG_VERSION into $VENV"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q "virtme-ng==$VNG_VERSION"
else
	say "ok: virtme-ng $VNG_VERSION"
fi
say "done"
