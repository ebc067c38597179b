#!/usr/bin/env bash
# Builds the packaging tools test/integration/deploy uses, from the Go module proxy (no prebuilt
# downloads). Same pattern as build.sh: idempotent, cached under ~/.cache/envtest-bins, temp name then
# rename, one build at a time (2 shared cores).
#   helm              helm.sh/helm/v3, `go install`ed exactly as released (no replace directives); the
#                     ldflags mirror helm's Makefile (version; default Kubernetes 1.X for client-go v0.X).
#   rulecheck         test/envtest/rulecheck: Prometheus's rule-file validation (what `promtool check
#                     rules` runs) for the chart's alerts, without promtool's service-discovery deps.
#   dockerfile-check  test/envtest/dockerfile-check: BuildKit's Dockerfile front end and the checks of
#                     `docker build --check`, without a Docker daemon.
# kustomize is not built: `kubectl kustomize` (from build.sh) embeds it.
# Override the locations with ENVTEST_BIN_ROOT / ENVTEST_SRC_ROOT (read only here and by the tests).
set -euo pipefail

# Pinned; test/helpers/deploy-tools.ts reads these three lines. PROMETHEUS is the Go module version of
# Prometheus (v0.316.0 = Prometheus 3.16). None of the three go.mod files has replace directives.
HELM=3.22.0
PROMETHEUS=0.316.0
BUILDKIT=0.34.2

BIN_ROOT=${ENVTEST_BIN_ROOT:-$HOME/.cache/envtest-bins}
SRC_ROOT=${ENVTEST_SRC_ROOT:-$HOME/.cache/envtest-src}
HERE="$(cd "$(dirname "$0")" && pwd)"
HELM_OUT="$BIN_ROOT/helm-$HELM"

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[helm-build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

helm_ok() {
  # Capture first (see build.sh): an early-exiting grep could SIGPIPE helm under pipefail.
  [ -x "$HELM_OUT/helm" ] && [[ "$("$HELM_OUT/helm" version --short 2>/dev/null)" == "v$HELM"* ]]
}

# The wrapper tools have no --version: a stamp records the module version and the source they were
# built from. Arguments: name module version.
wrapper_out() { echo "$BIN_ROOT/$1-$3"; }
wrapper_stamp() { echo "$2@v$3 $(sha256sum "$HERE/$1/main.go" | cut -d' ' -f1)"; }
wrapper_ok() {
  local out
  out=$(wrapper_out "$@")
  [ -x "$out/$1" ] && [ "$(cat "$out/$1.stamp" 2>/dev/null)" = "$(wrapper_stamp "$@")" ]
}

all_ok() {
  helm_ok &&
    wrapper_ok rulecheck github.com/prometheus/prometheus "$PROMETHEUS" &&
    wrapper_ok dockerfile-check github.com/moby/buildkit "$BUILDKIT"
}

if all_ok; then
  log "cached helm v$HELM, rulecheck (prometheus v$PROMETHEUS), dockerfile-check (buildkit v$BUILDKIT); nothing to do"
  exit 0
fi

command -v go >/dev/null || {
  echo "test/envtest/build-helm.sh: 'go' not found; this needs a machine with Go and the Go module proxy" >&2
  exit 1
}

mkdir -p "$BIN_ROOT"
if command -v flock >/dev/null; then
  exec 9>"$BIN_ROOT/.deploy-tools.lock"
  flock 9
  all_ok && { log "built by a concurrent run"; exit 0; }
fi

# The go.mod of a module version, downloaded outside any module.
gomod_of() { (cd / && go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p'); }

build_helm() {
  local started=$SECONDS gomod client_go ldf tmp
  gomod=$(gomod_of "helm.sh/helm/v3@v$HELM")
  [ -f "$gomod" ] || { echo "could not download helm.sh/helm/v3@v$HELM go.mod" >&2; exit 1; }
  client_go=$(sed -n 's#^[[:space:]]*k8s\.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod" | head -1)
  [ -n "$client_go" ] || { echo "no k8s.io/client-go requirement in $gomod" >&2; exit 1; }
  ldf="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM -X helm.sh/helm/v3/internal/version.metadata="
  ldf="$ldf -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldf="$ldf -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$client_go"
  done
  log "building helm v$HELM (helm.sh/helm/v3/cmd/helm) through $(go env GOPROXY)"
  mkdir -p "$HELM_OUT"
  tmp=$(mktemp -d "$HELM_OUT/.gobin.XXXXXX")
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -p 2 -trimpath -ldflags "$ldf" "helm.sh/helm/v3/cmd/helm@v$HELM"
  mv -f "$tmp/helm" "$HELM_OUT/helm"
  rm -rf "$tmp"
  helm_ok || { echo "built helm does not report v$HELM: $("$HELM_OUT/helm" version --short 2>&1)" >&2; exit 1; }
  log "built $("$HELM_OUT/helm" version --short) in $((SECONDS - started))s: $HELM_OUT"
}

# A one-file main package (test/envtest/<name>/main.go) in a wrapper module requiring `module`;
# `go mod tidy` resolves what that module's go.mod selects (minimal version selection: no upgrades).
build_wrapper() { # name module version
  local name=$1 module=$2 version=$3 started=$SECONDS wrap out gomod
  wrap="$SRC_ROOT/$name-$version"
  out=$(wrapper_out "$@")
  log "building $name against $module v$version"
  mkdir -p "$wrap" "$out"
  cp "$HERE/$name/main.go" "$wrap/main.go"
  # The stamp is written only after `go mod tidy` succeeds, so an interrupted run resolves again.
  if [ "$(cat "$wrap/.resolved" 2>/dev/null)" != "$version" ]; then
    gomod=$(gomod_of "$module@v$version")
    [ -f "$gomod" ] || { echo "could not download $module@v$version go.mod" >&2; exit 1; }
    rm -f "$wrap/go.mod" "$wrap/go.sum"
    {
      echo "module $name.local"
      echo
      grep -E '^go ' "$gomod"
      echo
      echo "require $module v$version"
    } >"$wrap/go.mod"
    (cd "$wrap" && GOFLAGS=-mod=mod go mod tidy)
    echo "$version" >"$wrap/.resolved"
  fi
  (cd "$wrap" && GOFLAGS=-buildvcs=false go build -p 2 -trimpath -ldflags "-s -w" -o "$out/.$name.tmp" .)
  mv -f "$out/.$name.tmp" "$out/$name"
  wrapper_stamp "$@" >"$out/$name.stamp"
  log "built $name in $((SECONDS - started))s: $out"
}

helm_ok || build_helm
wrapper_ok rulecheck github.com/prometheus/prometheus "$PROMETHEUS" ||
  build_wrapper rulecheck github.com/prometheus/prometheus "$PROMETHEUS"
wrapper_ok dockerfile-check github.com/moby/buildkit "$BUILDKIT" ||
  build_wrapper dockerfile-check github.com/moby/buildkit "$BUILDKIT"
all_ok || { echo "test/envtest/build-helm.sh: a built tool does not match its pin" >&2; exit 1; }
