#!/bin/sh
# Installs ork's prebuilt binary for this machine from a GitHub release:
#
#   curl -fsSL https://raw.githubusercontent.com/ork-dev/ork/main/scripts/install.sh | sh
#
# It downloads ork-<target> and SHA256SUMS, checks the binary's SHA-256 against the list, and only then puts it
# in place as <install dir>/ork (mode 755, by a rename, so an existing ork is replaced whole or not at all).
# Any failure prints one line starting "ork-install:" on stderr, exits non-zero and leaves nothing behind.
#
# Environment:
#   ORK_VERSION      the release to install, e.g. 0.1.0 (default: the latest release)
#   ORK_INSTALL_DIR  where to put `ork` (default: ~/.local/bin)
#   ORK_BASE_URL     the folder to download ork-<target> and SHA256SUMS from, instead of the GitHub release
#                    (a mirror); ORK_VERSION is then not used
#
# POSIX sh (dash, busybox ash, bash, zsh's sh mode); needs curl or wget, and sha256sum or shasum.

# Everything runs from main at the last line, so a download cut short while piped into sh runs nothing.

# The GitHub repository releases are published in.
ORK_REPO="ork-dev/ork"

ork_tmp=""
ork_staged=""

fail() {
  printf 'ork-install: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  [ -n "$ork_staged" ] && rm -f "$ork_staged"
  [ -n "$ork_tmp" ] && rm -rf "$ork_tmp"
  return 0
}

# The deno compile target of this machine, from uname.
detect_target() {
  os=$(uname -s 2>/dev/null) || os="unknown"
  arch=$(uname -m 2>/dev/null) || arch="unknown"
  case $os in
    Linux) os_part="unknown-linux-gnu" ;;
    Darwin) os_part="apple-darwin" ;;
    *) os_part="" ;;
  esac
  case $arch in
    x86_64 | amd64) arch_part="x86_64" ;;
    aarch64 | arm64) arch_part="aarch64" ;;
    *) arch_part="" ;;
  esac
  if [ -z "$os_part" ] || [ -z "$arch_part" ]; then
    fail "no ork binary for $os $arch: releases have Linux and macOS (Darwin) on x86_64 and aarch64; run ork from source instead (scripts/ork, see the README)"
  fi
  printf '%s-%s\n' "$arch_part" "$os_part"
}

# The URL of the folder holding the release's files.
base_url() {
  if [ -n "${ORK_BASE_URL:-}" ]; then
    printf '%s\n' "${ORK_BASE_URL%/}"
    return
  fi
  version=${ORK_VERSION:-latest}
  case $version in
    latest) printf 'https://github.com/%s/releases/latest/download\n' "$ORK_REPO" ;;
    *) printf 'https://github.com/%s/releases/download/v%s\n' "$ORK_REPO" "${version#v}" ;;
  esac
}

# download URL FILE: one quiet try with curl, else wget; the tool's own messages are dropped for our one line.
download() {
  if command -v curl >/dev/null 2>&1; then
    status=$(curl -fsL --retry 2 -o "$2" -w '%{http_code}' "$1" 2>/dev/null) && return 0
    case $status in
      000 | "") fail "cannot download $1: no answer from the server (offline, or a proxy in the way?)" ;;
      404) fail "cannot download $1: HTTP 404, no such file; $(where_to_look)" ;;
      *) fail "cannot download $1: HTTP $status" ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" 2>/dev/null && return 0
    fail "cannot download $1 with wget (exit $?; 8 is an HTTP error such as 404); $(where_to_look)"
  else
    fail "neither curl nor wget is installed; install one of them"
  fi
}

# What to check after a 404.
where_to_look() {
  if [ -n "${ORK_BASE_URL:-}" ]; then
    printf 'check ORK_BASE_URL'
  else
    printf 'check ORK_VERSION=%s against https://github.com/%s/releases' "${ORK_VERSION:-latest}" "$ORK_REPO"
  fi
}

# The command that prints a file's SHA-256 first on its line.
sha256_tool() {
  if command -v sha256sum >/dev/null 2>&1; then
    echo "sha256sum"
  elif command -v shasum >/dev/null 2>&1; then
    echo "shasum -a 256"
  fi
}

main() {
  set -eu
  trap cleanup EXIT
  trap 'cleanup; exit 130' INT
  trap 'cleanup; exit 143' TERM

  target=$(detect_target) || exit 1
  sha256=$(sha256_tool)
  [ -n "$sha256" ] || fail "neither sha256sum nor shasum is installed: cannot check the download"
  file="ork-$target"
  base=$(base_url)
  if [ -n "${ORK_INSTALL_DIR:-}" ]; then
    dir=$ORK_INSTALL_DIR
  elif [ -n "${HOME:-}" ]; then
    dir=$HOME/.local/bin
  else
    fail "HOME is not set: set ORK_INSTALL_DIR to the folder to install ork in"
  fi

  ork_tmp=$(mktemp -d "${TMPDIR:-/tmp}/ork-install.XXXXXX") || fail "cannot make a temporary folder in ${TMPDIR:-/tmp}"
  download "$base/SHA256SUMS" "$ork_tmp/SHA256SUMS"
  download "$base/$file" "$ork_tmp/$file"

  # sha256sum lines are "<hex>  <name>" (or "<hex> *<name>" in binary mode).
  expected=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1; exit }' "$ork_tmp/SHA256SUMS")
  [ -n "$expected" ] || fail "$base/SHA256SUMS has no line for $file; nothing installed"
  actual=$($sha256 "$ork_tmp/$file" | awk '{ print $1 }')
  [ -n "$actual" ] || fail "cannot compute the SHA-256 of $file with $sha256"
  if [ "$actual" != "$expected" ]; then
    fail "checksum mismatch for $file (SHA256SUMS says $expected, the download is $actual); nothing installed"
  fi

  mkdir -p "$dir" || fail "cannot create $dir"
  # Staged in the install folder itself: the final mv is then a rename on one file system, so a running or
  # half-written ork is never seen at $dir/ork.
  ork_staged="$dir/.ork-install.$$"
  cp "$ork_tmp/$file" "$ork_staged" || fail "cannot write to $dir"
  chmod 755 "$ork_staged" || fail "cannot make $ork_staged executable"
  # Tried before it replaces anything: a binary that cannot run here (a glibc build on musl) must not take the
  # place of an ork that works.
  if ! version=$("$ork_staged" --version 2>&1); then
    fail "$file does not run on this machine: $(printf '%s\n' "$version" | head -n 1); nothing installed (on musl, e.g. Alpine, run ork from source)"
  fi
  mv -f "$ork_staged" "$dir/ork" || fail "cannot move ork into $dir"
  ork_staged=""

  printf 'ork-install: installed %s as %s\n' "$version" "$dir/ork"
  case ":${PATH:-}:" in
    *":$dir:"*) ;;
    *) printf 'ork-install: %s is not on your PATH; add it in your shell profile (~/.profile, ~/.bashrc or ~/.zshrc): export PATH="%s:$PATH"\n' "$dir" "$dir" ;;
  esac
}

main "$@"
