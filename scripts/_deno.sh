# Sourced by scripts/ork and scripts/test: puts the pinned Deno on PATH, installing it from npm when `deno` is
# missing (into a cache folder; no root needed). The npm package `deno` ships the real Deno binary.
ORK_DENO_VERSION="2.9.6"
if ! command -v deno >/dev/null 2>&1; then
  ork_deno_dir="${ORK_DENO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ork-dev/deno-$ORK_DENO_VERSION}"
  if [ ! -x "$ork_deno_dir/node_modules/.bin/deno" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "ork: deno is not installed and npm is missing to install it; install Deno $ORK_DENO_VERSION or npm" >&2
      exit 2
    fi
    echo "ork: installing deno@$ORK_DENO_VERSION from npm into $ork_deno_dir" >&2
    mkdir -p "$ork_deno_dir"
    npm install --silent --no-audit --no-fund --prefix "$ork_deno_dir" "deno@$ORK_DENO_VERSION" >&2 || {
      echo "ork: could not install deno@$ORK_DENO_VERSION with npm" >&2
      exit 2
    }
  fi
  PATH="$ork_deno_dir/node_modules/.bin:$PATH"
  export PATH
fi
