# Sourced by scripts/ork and scripts/test: puts the pinned Deno on PATH, installing it from npm when `deno` is
# missing (into a cache folder; no root needed). The npm package `deno` ships the real Deno binary. A failed
# install says npm's own reason, and is not tried again for 10 minutes (npm can take a minute to give up on a
# registry it cannot reach): remove the `.failed` file beside the cache folder to try at once.
ORK_DENO_VERSION="2.9.6"
if ! command -v deno >/dev/null 2>&1; then
  ork_deno_dir="${ORK_DENO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ork-dev/deno-$ORK_DENO_VERSION}"
  if [ ! -x "$ork_deno_dir/node_modules/.bin/deno" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "ork: deno is not installed and npm is missing to install it; install Deno $ORK_DENO_VERSION or npm" >&2
      exit 2
    fi
    ork_deno_failed="$ork_deno_dir.failed"
    if [ -f "$ork_deno_failed" ] && [ -z "$(find "$ork_deno_failed" -mmin +10 2>/dev/null)" ]; then
      echo "ork: installing deno@$ORK_DENO_VERSION with npm failed less than 10 minutes ago: $(cat "$ork_deno_failed"); fix that, or remove $ork_deno_failed to try again now" >&2
      exit 2
    fi
    echo "ork: installing deno@$ORK_DENO_VERSION from npm into $ork_deno_dir" >&2
    mkdir -p "$ork_deno_dir"
    ork_npm_log="$ork_deno_dir.npm.log"
    if ! npm install --loglevel=error --no-audit --no-fund --prefix "$ork_deno_dir" "deno@$ORK_DENO_VERSION" \
      >"$ork_npm_log" 2>&1; then
      # npm's first error line says why (a registry it cannot reach, a proxy, a full disk).
      # (npm's first lines are codes: `code ECONNREFUSED`, `errno ...`; the sentence after them says more.)
      ork_npm_reason=$(grep -E '^npm (error|ERR!)' "$ork_npm_log" | sed -E 's/^npm (error|ERR!) *//' |
        grep -v -E '^(code|syscall|errno|path|dest|A complete log|$)' | head -n 1)
      [ -n "$ork_npm_reason" ] || ork_npm_reason=$(grep -v '^[[:space:]]*$' "$ork_npm_log" | tail -n 1)
      [ -n "$ork_npm_reason" ] || ork_npm_reason="npm exited with an error and said nothing"
      printf '%s\n' "$ork_npm_reason" >"$ork_deno_failed"
      echo "ork: could not install deno@$ORK_DENO_VERSION with npm: $ork_npm_reason (all of npm's output: $ork_npm_log)" >&2
      exit 2
    fi
    rm -f "$ork_npm_log" "$ork_deno_failed"
  fi
  PATH="$ork_deno_dir/node_modules/.bin:$PATH"
  export PATH
fi
