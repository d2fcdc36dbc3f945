# Shared by the scripts in this folder; sourced, not run.

# npm ci when web/node_modules is missing or older than the lockfile (a pulled dependency
# change). npm writes node_modules/.package-lock.json on every install, so its age is the
# age of the install. The Rust build embeds files from web/node_modules, so this comes
# before any cargo build.
ensure_npm_packages() {
  local installed=web/node_modules/.package-lock.json
  if [[ ! -f "$installed" || web/package-lock.json -nt "$installed" ]]; then
    echo "==> npm ci --prefix web"
    npm ci --prefix web --no-audit --no-fund
  fi
}
