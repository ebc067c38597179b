#!/usr/bin/env bash
# End to end on a real cluster, for machines with Docker (the CI machines here have none: there,
# test/e2e/promotion.e2e.test.ts runs the same test against envtest with the operator as a process).
#
#   test/e2e/kind-e2e.sh            create a kind cluster, build and load the image, run the emulator
#                                   and a git daemon in the cluster, helm install the chart, run
#                                   test/e2e/promotion.e2e.test.ts against it, curl /metrics, delete
#                                   the cluster
#   KEEP_CLUSTER=1 test/e2e/...     keep the cluster afterwards (KUBECONFIG is printed)
#
# Needs: docker, kind, kubectl, helm, node + `npm ci` done. Environment: KIND_CLUSTER (default
# ivr-promoter-e2e), IMAGE (default ivr-promoter:e2e), KIND_NODE_IMAGE (optional kindest/node:<ver>).
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER=${KIND_CLUSTER:-ivr-promoter-e2e}
IMAGE=${IMAGE:-ivr-promoter:e2e}
KEEP=${KEEP_CLUSTER:-0}
SYSTEM_NS=ivr-promoter-system
STACK_NS=ivr-e2e # test/e2e/kind/stack.yaml and KIND_STACK in the test use the same names

log() { printf '\n[kind-e2e %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
for tool in docker kind kubectl helm node npx; do
  command -v "$tool" >/dev/null || { echo "kind-e2e.sh: '$tool' is required" >&2; exit 1; }
done

WORK=$(mktemp -d)
export KUBECONFIG="$WORK/kubeconfig"
PF_PID=""
cleanup() {
  local rc=$?
  [ -n "$PF_PID" ] && kill "$PF_PID" 2>/dev/null || true
  if [ "$rc" -ne 0 ] && [ -s "$KUBECONFIG" ]; then
    log "failed (exit $rc): state of the cluster"
    kubectl get ivrpromotions -A -o wide || true
    kubectl -n "$SYSTEM_NS" get pods -o wide || true
    kubectl -n "$SYSTEM_NS" logs deploy/ivr-promoter --tail=200 || true
    kubectl -n "$STACK_NS" get pods -o wide || true
  fi
  if [ "$KEEP" = "1" ]; then
    log "keeping cluster $CLUSTER; export KUBECONFIG=$KUBECONFIG"
  else
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT

log "cluster $CLUSTER"
if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --wait 180s ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"}
fi
kind get kubeconfig --name "$CLUSTER" >"$KUBECONFIG"

log "image $IMAGE"
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"

log "emulator and git daemon in namespace $STACK_NS"
sed "s|\${IMAGE}|$IMAGE|g" test/e2e/kind/stack.yaml >"$WORK/stack.yaml"
kubectl apply --server-side -f "$WORK/stack.yaml"
kubectl -n "$STACK_NS" create configmap emulator-seed \
  --from-file=seed.yaml=examples/emulator-seed.yaml --dry-run=client -o yaml | kubectl apply -f -
tar -C examples -czf "$WORK/flows.tgz" ivr-promoter.yaml environments flows
kubectl -n "$STACK_NS" create configmap flow-repo \
  --from-file=flows.tgz="$WORK/flows.tgz" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$STACK_NS" rollout status deploy/genesys-emulator --timeout=180s
kubectl -n "$STACK_NS" rollout status deploy/ivr-e2e-git --timeout=180s

log "helm install (namespace $SYSTEM_NS, restricted Pod Security)"
kubectl create namespace "$SYSTEM_NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$SYSTEM_NS" --overwrite \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted
helm upgrade --install ivr-promoter charts/ivr-promoter --namespace "$SYSTEM_NS" \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set logLevel=debug --wait --timeout 5m \
  --set 'security.allowedEndpoints={http://genesys-emulator.ivr-e2e.svc.cluster.local:8787}'
kubectl -n "$SYSTEM_NS" rollout status deploy/ivr-promoter --timeout=180s

log "test/e2e/promotion.e2e.test.ts against the cluster"
IVR_E2E_KIND=1 npx vitest run --project e2e

log "kubectl get ivrpromotions -A"
kubectl get ivrpromotions -A

log "curl /metrics through a port-forward"
kubectl -n "$SYSTEM_NS" port-forward svc/ivr-promoter-metrics 18080:8080 >"$WORK/port-forward.log" 2>&1 &
PF_PID=$!
for _ in $(seq 1 30); do
  curl -fsS http://127.0.0.1:18080/metrics >"$WORK/metrics.txt" 2>/dev/null && break
  sleep 1
done
grep -E '^ivr_promoter_reconcile_condition\{.*type="Ready",status="True"\} 1' "$WORK/metrics.txt"
log "passed"
