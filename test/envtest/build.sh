#!/usr/bin/env bash
# Builds a real kube-apiserver, kubectl and etcd from the Go module proxy (no Docker, no prebuilt
# downloads) for the integration tests. See /work/shared/reference/envtest-recipe.md §3.
#
# Idempotent: every binary is rebuilt only when the cached one is missing or reports another version.
# Sources (the wrapper module) live in ~/.cache/envtest-src/k8s-<ver>, binaries in
# ~/.cache/envtest-bins/k8s-<ver>/ — both outside the repo, never committed.
# Override the locations with ENVTEST_SRC_ROOT / ENVTEST_BIN_ROOT (read only here).
set -euo pipefail

# Pinned: k8s.io/kubernetes v1.35.8 is the newest 1.35 patch the module proxy serves
# (v1.35.9+ answer 403); its go.mod selects etcd v3.6.5. Keep test/helpers/kube-apiserver.ts in step.
K8S=1.35.8
STAGE="v0.${K8S#1.}"
MAJ=1
MIN=${K8S#1.}
MIN=${MIN%%.*}

SRC_ROOT=${ENVTEST_SRC_ROOT:-$HOME/.cache/envtest-src}
BIN_ROOT=${ENVTEST_BIN_ROOT:-$HOME/.cache/envtest-bins}
WRAP="$SRC_ROOT/k8s-$K8S"
OUT="$BIN_ROOT/k8s-$K8S"

# Reproducible, hermetic module builds: never switch toolchains, never pick up a go.work or an
# inherited -mod=vendor, never link against libc (upstream builds these statically too).
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[envtest-build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

apiserver_ok() {
  [ -x "$OUT/kube-apiserver" ] && [ "$("$OUT/kube-apiserver" --version 2>/dev/null)" = "Kubernetes v$K8S" ]
}
kubectl_ok() {
  # Capture first: `grep -q` exiting early could SIGPIPE kubectl and fail the pipeline under pipefail.
  [ -x "$OUT/kubectl" ] && [[ "$("$OUT/kubectl" version --client 2>/dev/null)" == "Client Version: v$K8S"* ]]
}
# etcd reports its own version (3.6.x), chosen by MVS; the build records it next to the binary.
etcd_ok() {
  [ -x "$OUT/etcd" ] && [ -f "$OUT/etcd.version" ] &&
    [[ "$("$OUT/etcd" --version 2>/dev/null)" == "etcd Version: $(cat "$OUT/etcd.version")"* ]]
}

if apiserver_ok && kubectl_ok && etcd_ok; then
  log "cached binaries in $OUT are v$K8S; nothing to do"
  exit 0
fi

command -v go >/dev/null || {
  echo "test/envtest/build.sh: 'go' not found; this needs a machine with Go and the Go module proxy" >&2
  exit 1
}

mkdir -p "$WRAP" "$OUT"
# Two concurrent runs (CI + a developer shell) must not write the same go.mod or binaries.
if command -v flock >/dev/null; then
  exec 9>"$OUT/.build.lock"
  # Say so when another run holds the lock, instead of sitting silent for its 5-8 minutes.
  if ! flock -n 9; then
    echo "build.sh: another run is building into $OUT (lock $OUT/.build.lock); waiting for it..." >&2
    flock 9
    echo "build.sh: lock acquired" >&2
  fi
fi

# 1) The wrapper module. k8s.io/kubernetes pins its staging modules at a fake v0.0.0 with local
#    replaces that are ignored for dependencies, so we replace each one with its published tag.
# The stamp is written only after `go mod tidy` succeeds, so an interrupted run resolves again.
if [ "$(cat "$WRAP/.resolved" 2>/dev/null)" != "$K8S" ]; then
  log "resolving k8s.io/kubernetes v$K8S through $(go env GOPROXY)"
  # Fetch upstream's go.mod outside any module: loading it inside one would choke on the v0.0.0 requires.
  GOMOD=$(cd / && go mod download -json "k8s.io/kubernetes@v$K8S" |
    sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$GOMOD" ] || { echo "could not download k8s.io/kubernetes@v$K8S go.mod" >&2; exit 1; }
  cd "$WRAP"
  rm -f go.mod go.sum
  {
    echo "module envtestbins.local"
    echo
    # Upstream's go/godebug lines, so GODEBUG defaults match official builds (a dependency's are ignored).
    grep -E '^(go|godebug) ' "$GOMOD"
    echo
    echo "require k8s.io/kubernetes v$K8S"
  } >go.mod
  # Generated, not hand-kept: new minors add staging modules (1.36 adds two).
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$GOMOD"); do
    go mod edit -replace="$m=$m@$STAGE"
  done
  cat >tools.go <<'EOF'
//go:build tools

// Package tools pins the commands this wrapper module builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
  GOFLAGS=-mod=mod go mod tidy
  echo "$K8S" >.resolved
  log "wrapper module ready: $(grep -c '=>' go.mod) replaces"
fi
cd "$WRAP"

# 2) Build one binary at a time (2 shared cores), writing to a temp name then renaming, so an
#    interrupted build never leaves a half-written binary that a later run would trust.
LDF="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDF="$LDF -X '$p.gitVersion=v$K8S' -X '$p.gitMajor=$MAJ' -X '$p.gitMinor=$MIN'"
  LDF="$LDF -X '$p.gitTreeState=clean' -X '$p.buildDate=1970-01-01T00:00:00Z'"
done

build() { # name package ldflags
  local started=$SECONDS
  log "building $1 ($2)"
  GOFLAGS=-buildvcs=false go build -p 2 -trimpath -ldflags "$3" -o "$OUT/.$1.tmp" "$2"
  mv -f "$OUT/.$1.tmp" "$OUT/$1"
  log "built $1 in $((SECONDS - started))s"
}

etcd_ok || {
  build etcd go.etcd.io/etcd/server/v3 "-s -w"
  go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3 | sed 's/^v//' >"$OUT/etcd.version"
}
apiserver_ok || build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$LDF"
kubectl_ok || build kubectl k8s.io/kubernetes/cmd/kubectl "$LDF"

apiserver_ok && kubectl_ok && etcd_ok || { echo "built binaries do not report v$K8S" >&2; exit 1; }
log "done: $("$OUT/kube-apiserver" --version), $("$OUT/etcd" --version | head -1), kubectl v$K8S in $OUT"
