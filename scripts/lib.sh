# Shared by scripts/run and scripts/test: install only what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_need PKG...: installs the Debian packages that are not installed yet.
apt_need() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# rust_need: a Rust toolchain with rustfmt and clippy (rustup when cargo is missing).
rust_need() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    apt_need curl ca-certificates
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# What building the core and the CLI needs (bundled SQLite is compiled with cc).
base_need() {
  apt_need build-essential pkg-config
  rust_need
}

# What building the desktop app needs: WebKitGTK and friends, Node.js for the UI.
app_need() {
  base_need
  apt_need libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev file
  command -v npm >/dev/null 2>&1 || apt_need nodejs npm
}

# Builds the UI into ui/dist (the app embeds it at compile time).
ui_build() {
  (cd "$ROOT/ui" && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm install --no-audit --no-fund; } && npm run build)
}
