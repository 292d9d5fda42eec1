# shellcheck shell=bash
# Sourced by the set-up scripts that build tools from Go modules
# (setup-pulumi.sh, k8s/setup-control-plane.sh). The caller sets:
#   GO_STEP_TAG    prefix of the lines it prints, e.g. [setup-pulumi]
#   GO_LOG         file that collects every go command's output
#   NET_TIMEOUT, BUILD_TIMEOUT   bounds in seconds of a download and a build step
# and defines die().

proxy_has() { # module@version -> 0 if the module proxy resolves it
  local out
  if out=$(timeout 120 go list -m -json "$1" 2>&1 >/dev/null); then return 0; fi
  [[ -n "$out" ]] && printf '%s\n' "$out" | tail -n 3 | sed "s/^/$GO_STEP_TAG   /" >&2
  return 1
}
gorun() { # limit command...: bounded step, output to $GO_LOG, its tail on failure
  local limit=$1; shift
  printf '\n$ (cd %s && %s)\n' "$PWD" "$*" >> "$GO_LOG"
  if ! timeout "$limit" "$@" >> "$GO_LOG" 2>&1; then
    tail -n 25 "$GO_LOG" | sed "s/^/$GO_STEP_TAG   /" >&2
    die "'$*' failed or timed out after ${limit}s (in $PWD; full log: $GO_LOG)"
  fi
}
gonet() { gorun "$NET_TIMEOUT" "$@"; }
gobuild() { gorun "$BUILD_TIMEOUT" "$@"; }
