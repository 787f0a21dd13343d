#!/usr/bin/env bash
# The test control plane: a REAL Kubernetes (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) on 127.0.0.1 with kwok as the kubelet of its one node, for the tunnel and
# install tests. The binaries are built once per machine from the wrapper modules in
# testkit/kube/ (their go.mod says why wrappers) and cached under the stack cache. Tests create
# their own namespaces in it; this script only brings up the cluster.
#
#   scripts/kube.sh install      build the five binaries (the first time: 15-30 min on 2 cores)
#   scripts/kube.sh up DIR       start the control plane, write DIR/env (below)
#   scripts/kube.sh down DIR     stop it and delete its data
#   scripts/kube.sh versions     print what the built binaries report
#
# `up` prints the environment for the tests on stdout (also kept in DIR/env, sourceable):
# JOELCLAW_TEST_KUBE_SERVER, _CA (the cluster CA), _ADMIN (a system:masters kubeconfig),
# _AUDIT_LOG (one JSON line per request), _NODE (the kwok node) and _DIR. Progress and timings go
# to stderr; logs are DIR/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler,kwok}.log.
#
# Environment:
#   JOELCLAW_STACK_CACHE   where binaries are cached (default ~/.cache/joelclaw-stack)
#   KUBE_TIMEOUT           seconds to wait for each component to get ready (default 90)
#
# Exit codes: 0 ok, 1 failure, 2 usage, 11 a binary is not built and a module it needs could not
# be fetched (the module proxy refused it, or no network).
set -euo pipefail

readonly KUBE_VERSION=v1.37.2
readonly EXIT_NO_KUBE=11
readonly NODE=kwok-node
# Bookkeeping only: nothing dials a ClusterIP or a pod IP here (kwok forwards to loopback).
readonly SERVICE_CIDR=10.96.0.0/16
readonly POD_CIDR=10.244.0.1/16

CACHE="${JOELCLAW_STACK_CACHE:-$HOME/.cache/joelclaw-stack}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KUBE_DIR="$CACHE/kube-$KUBE_VERSION"
TIMEOUT="${KUBE_TIMEOUT:-90}"
WRAPPERS="$REPO_ROOT/testkit/kube"
# Stopped in this order: the node and the controllers before the apiserver, etcd last.
readonly SERVICES=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

log() { printf 'kube: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=scripts/lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"

usage() {
  sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------
# install

# The -X flags Kubernetes' own build sets: without them the servers report v0.0.0, and the
# apiserver derives its emulation version (which APIs it serves) from that.
kube_ldflags() {
  local minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  local pkg flags="-s"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean"
  done
  printf '%s' "$flags"
}

# build NAME WRAPPER PACKAGE LDFLAGS: go build PACKAGE inside the wrapper module into
# $KUBE_DIR/NAME. A stamp beside the binary records the wrapper's go.mod/go.sum and the flags, so
# a bumped wrapper rebuilds and an unchanged one is reused. On failure Go's output goes to stderr
# and the status says why: 2 when a module could not be fetched (the proxy refused it, or no
# network), 1 for anything else (a compile error is a bug to fix, not a machine to accept).
build() {
  local name="$1" wrapper="$WRAPPERS/$2" package="$3" ldflags="$4" start stamp output
  stamp="$(cat "$wrapper/go.mod" "$wrapper/go.sum" <(printf '%s\n' "$package" "$ldflags") |
    sha256sum | cut -d' ' -f1)"
  if [[ -x "$KUBE_DIR/$name" && "$(cat "$KUBE_DIR/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
    log "$name: cached ($KUBE_DIR/$name)"
    return 0
  fi
  command -v go >/dev/null || {
    log "error: $name: go is not installed"
    return 2
  }
  start="$(now_ms)"
  log "$name: building $package (wrapper testkit/kube/$2)"
  mkdir -p "$KUBE_DIR"
  rm -f "$KUBE_DIR/$name.stamp"
  # -p 2: the build machines have 2 cores, shared. CGO off: static binaries, as Kubernetes ships
  # its servers. -mod=readonly: the committed go.sum is the pin; a missing sum is an error.
  if output="$(cd "$wrapper" && CGO_ENABLED=0 go build -p 2 -mod=readonly -trimpath \
    -ldflags="$ldflags" -o "$KUBE_DIR/$name.tmp" "$package" 2>&1)"; then
    mv "$KUBE_DIR/$name.tmp" "$KUBE_DIR/$name"
    printf '%s\n' "$stamp" >"$KUBE_DIR/$name.stamp"
    log "$name: built in $(since "$start") ($(du -m "$KUBE_DIR/$name" | cut -f1) MB)"
    return 0
  fi
  rm -f "$KUBE_DIR/$name.tmp"
  {
    echo "kube: error: $name could not be built."
    echo "  command: (cd testkit/kube/$2 && go build -trimpath -ldflags='$ldflags' $package)"
    echo "  go said:"
    printf '%s\n' "${output:-(nothing)}" | sed 's/^/    /'
  } >&2
  if grep -qE 'reading https?://|not permitted|dial tcp|proxyconnect|verifying .*: (403|404|410)|unrecognized import path' <<<"$output"; then
    echo "  The module proxy did not serve a module: this machine cannot build the control plane." >&2
    return 2
  fi
  return 1
}

# kwok's PortForward CRD, from the kwok module the wrapper pins (go.sum checks it), into the cache:
# kwok serves PortForward objects but does not install their definition.
install_crd() {
  local target="$KUBE_DIR/portforwards.crd.yaml" module
  [[ -s "$target" ]] && return 0
  module="$(cd "$WRAPPERS/kwok" && go list -mod=readonly -m -f '{{.Dir}}' sigs.k8s.io/kwok)" &&
    [[ -f "$module/kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml" ]] || {
    log "error: the kwok module's PortForward CRD was not found (go list -m sigs.k8s.io/kwok)"
    return 1
  }
  cp "$module/kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml" "$target.tmp"
  mv "$target.tmp" "$target"
}

cmd_install() {
  local start ldflags worst=0 status
  start="$(now_ms)"
  ldflags="$(kube_ldflags)"
  # One at a time: each build already uses both cores, and the later Kubernetes binaries reuse
  # the packages the apiserver compiled.
  local -a builds=(
    "etcd etcd go.etcd.io/etcd/server/v3 -s"
    "kwok kwok sigs.k8s.io/kwok/cmd/kwok -s"
    "kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver"
    "kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager"
    "kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler"
  )
  local entry name wrapper package flags
  for entry in "${builds[@]}"; do
    read -r name wrapper package flags <<<"$entry"
    status=0
    build "$name" "$wrapper" "$package" "${flags:-$ldflags}" || status=$?
    ((status > worst)) && worst=$status
  done
  if ((worst == 0)); then
    install_crd || worst=1
  fi
  case "$worst" in
    0) log "install: done in $(since "$start") ($KUBE_DIR)" ;;
    2)
      log "install: incomplete after $(since "$start"): a module could not be fetched (exit $EXIT_NO_KUBE)"
      exit "$EXIT_NO_KUBE"
      ;;
    *)
      log "install: failed after $(since "$start"): see the errors above"
      exit 1
      ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# up / down

# pki DIR: a cluster CA and, signed by it, every certificate the components need (EC P-256:
# fast to make, accepted everywhere here), plus the service-account signing key pair.
pki() {
  local pki="$1/pki"
  mkdir -p "$pki"
  key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$1.key" 2>/dev/null; }
  # cert NAME SUBJECT EXTENSIONS
  cert() {
    key "$1"
    openssl req -new -key "$pki/$1.key" -subj "$2" 2>/dev/null |
      openssl x509 -req -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days 7 -out "$pki/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  key ca
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=joelclaw-test-ca" -days 7 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt" 2>/dev/null
  local server="keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"
  local client="keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  # 10.96.0.1 is the `kubernetes` Service's ClusterIP, which pods would use: a name in the
  # certificate only. Nothing here dials it (clients use 127.0.0.1; checked with `ss` on a running
  # plane: every connection is to 127.0.0.1).
  cert kube-apiserver "/CN=kube-apiserver" "$server
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  # The kubelet's serving certificate: the apiserver dials the node's InternalIP (127.0.0.1)
  # and checks it against --kubelet-certificate-authority.
  cert kwok-serving "/CN=$NODE" "$server
subjectAltName=IP:127.0.0.1,DNS:$NODE"
  cert admin "/O=system:masters/CN=joelclaw-test-admin" "$client"
  cert kube-controller-manager "/CN=system:kube-controller-manager" "$client"
  cert kube-scheduler "/CN=system:kube-scheduler" "$client"
  # kwok plays a kubelet but also reads its own CRDs, which the node authorizer would not allow.
  cert kwok "/O=system:masters/CN=system:kwok" "$client"
  cert kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  key service-account
  openssl pkey -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null
  [[ -s "$pki/kubelet-client.crt" && -s "$pki/service-account.pub" ]] || die "openssl failed to make $pki"
}

# kubeconfig DIR NAME: DIR/NAME.kubeconfig for the client certificate NAME.
kubeconfig() {
  cat >"$1/$2.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kube
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $1/pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $1/pki/$2.crt
    client-key: $1/pki/$2.key
contexts:
- name: kube
  context: {cluster: kube, user: $2}
current-context: kube
YAML
}

# api DIR METHOD PATH [CURL ARGS...]: a request to the apiserver as the admin; prints the body
# and then the status code on a line of its own.
api() {
  local dir="$1" method="$2" path="$3"
  shift 3
  curl -sS --max-time 10 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" \
    --key "$dir/pki/admin.key" -X "$method" -w '\n%{http_code}' "$@" \
    "https://127.0.0.1:$APISERVER_PORT$path" 2>&1 || true
}

# api_ok DIR METHOD PATH [CURL ARGS...]: like `api`, failing `up` unless the answer is 2xx.
api_ok() {
  local response status
  response="$(api "$@")"
  status="${response##*$'\n'}"
  [[ "$status" == 2* ]] || fail_with_log "$1" kube-apiserver "$2 $3 answered $status: ${response%$'\n'*}"
}

etcd_ready() { [[ "$(http_status "http://127.0.0.1:$ETCD_PORT/health")" == 200 ]]; }
apiserver_ready() { [[ "$(api "$DIR" GET /readyz -o /dev/null)" == *200 ]]; }
secure_healthz() { [[ "$(http_status -k "https://127.0.0.1:$1/healthz")" == 200 ]]; }
kcm_ready() { secure_healthz "$KCM_PORT"; }
scheduler_ready() { secure_healthz "$SCHEDULER_PORT"; }
kwok_ready() { [[ "$(http_status -k "https://127.0.0.1:$KWOK_PORT/healthz")" == 200 ]]; }
crd_ready() { [[ "$(api "$DIR" GET /apis/kwok.x-k8s.io/v1alpha1/portforwards -o /dev/null)" == *200 ]]; }
node_ready() {
  local response
  response="$(api "$DIR" GET "/api/v1/nodes/$NODE")"
  python3 -c 'import json, sys
conditions = json.loads(sys.argv[1]).get("status", {}).get("conditions", [])
sys.exit(0 if {"type": "Ready", "status": "True"}.items() <= next((c for c in conditions if c["type"] == "Ready"), {}).items() else 1)' \
    "${response%$'\n'*}" 2>/dev/null
}
# The service-account controller has created the default namespace's account: kcm's
# controllers run (pods cannot be created in a namespace before its account exists).
controllers_ready() { [[ "$(api "$DIR" GET /api/v1/namespaces/default/serviceaccounts/default -o /dev/null)" == *200 ]]; }

# The end-to-end check of `up`: a one-replica StatefulSet behind a Service in namespace
# kube-up-check. Its pod must be created (StatefulSet controller), bound to the node (scheduler),
# Running and Ready (kwok), and listed ready in the Service's EndpointSlice (EndpointSlice
# controller). Every component and the RBAC each runs with are then known to work.
smoke_apply() {
  api_ok "$DIR" POST /api/v1/namespaces -H 'Content-Type: application/json' \
    -d '{"metadata": {"name": "kube-up-check"}}'
  api_ok "$DIR" POST /api/v1/namespaces/kube-up-check/services -H 'Content-Type: application/json' \
    -d '{"metadata": {"name": "check"}, "spec": {"selector": {"app": "check"}, "ports": [{"port": 80}]}}'
  api_ok "$DIR" POST /apis/apps/v1/namespaces/kube-up-check/statefulsets -H 'Content-Type: application/json' \
    -d '{"metadata": {"name": "check"}, "spec": {"serviceName": "check", "replicas": 1,
      "selector": {"matchLabels": {"app": "check"}},
      "template": {"metadata": {"labels": {"app": "check"}},
        "spec": {"containers": [{"name": "check", "image": "kwok.invalid/check:1"}]}}}}'
}
smoke_ready() {
  [[ "$(api "$DIR" GET '/apis/discovery.k8s.io/v1/namespaces/kube-up-check/endpointslices?labelSelector=kubernetes.io/service-name=check' |
    tr -d ' \n')" == *'"ready":true'* ]]
}

cmd_up() {
  [[ $# -eq 1 ]] || usage
  local name start
  start="$(now_ms)"
  mkdir -p "$1"
  DIR="$(cd "$1" && pwd -P)"
  for name in "${SERVICES[@]}"; do
    if pid_of "$DIR" "$name" >/dev/null; then
      die "$name from an earlier 'up' is still running in $DIR; run: $0 down $DIR"
    fi
  done
  for name in "${SERVICES[@]}"; do
    [[ -x "$KUBE_DIR/$name" ]] || {
      log "error: $name is not built ($KUBE_DIR/$name); run: $0 install"
      exit "$EXIT_NO_KUBE"
    }
  done
  [[ -s "$KUBE_DIR/portforwards.crd.yaml" ]] || {
    log "error: the PortForward CRD is not in $KUBE_DIR; run: $0 install"
    exit "$EXIT_NO_KUBE"
  }
  command -v openssl >/dev/null || die "openssl is needed to make the cluster's certificates"

  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT <<<"$(free_ports 6)"
  rm -rf "$DIR/etcd" "$DIR/pki" "$DIR/audit.log"
  trap 'status=$?; if ((status != 0)); then log "up failed; stopping what was started (logs kept in $DIR)"; stop_all "$DIR"; fi' EXIT

  local phase
  phase="$(now_ms)"
  pki "$DIR"
  for name in admin kube-controller-manager kube-scheduler kwok; do kubeconfig "$DIR" "$name"; done
  log "certificates and kubeconfigs: made in $(since "$phase")"

  # One member, no fsync: a throwaway store for one test run.
  spawn etcd "$DIR" "$KUBE_DIR/etcd" --name=test --data-dir="$DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level=warn
  wait_ready etcd "$DIR" "etcd on :$ETCD_PORT" etcd_ready

  local pki="$DIR/pki"
  # --endpoint-reconciler-type=none: with a loopback advertise address the default reconciler is
  # refused (the apiserver's own integration-test server does the same). The audit log is
  # written before each answer (the log backend blocks), so a test reads its own requests.
  spawn kube-apiserver "$DIR" "$KUBE_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$pki/kube-apiserver.crt" --tls-private-key-file="$pki/kube-apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$pki/service-account.pub" \
    --service-account-signing-key-file="$pki/service-account.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --kubelet-client-certificate="$pki/kubelet-client.crt" \
    --kubelet-client-key="$pki/kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --audit-policy-file="$WRAPPERS/audit-policy.yaml" --audit-log-path="$DIR/audit.log" \
    --audit-log-maxage=0 --audit-log-maxbackup=0 --audit-log-maxsize=0 \
    --endpoint-reconciler-type=none \
    --profiling=false
  wait_ready kube-apiserver "$DIR" "kube-apiserver on :$APISERVER_PORT" apiserver_ready

  # kwok watches PortForward objects from the start: their CRD comes first; and the node it
  # manages is registered here, as a kubelet would register itself.
  api_ok "$DIR" POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions \
    -H 'Content-Type: application/yaml' --data-binary "@$KUBE_DIR/portforwards.crd.yaml"
  api_ok "$DIR" POST /api/v1/nodes -H 'Content-Type: application/json' --data-binary @- <<JSON
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$NODE", "labels": {"kubernetes.io/hostname": "$NODE", "kubernetes.io/os": "linux",
  "kubernetes.io/arch": "amd64", "type": "kwok"}, "annotations": {"kwok.x-k8s.io/node": "fake"}}}
JSON
  wait_ready kube-apiserver "$DIR" "PortForward CRD" crd_ready

  # Each controller runs as its own ServiceAccount (kube-system/<name>-controller) with the
  # bootstrap Role Kubernetes gives it, as in a real cluster; kcm's own user may do little else.
  spawn kube-controller-manager "$DIR" "$KUBE_DIR/kube-controller-manager" \
    --kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DIR/kcm-certs" \
    --leader-elect=false --use-service-account-credentials=true \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/service-account.key" \
    --service-cluster-ip-range="$SERVICE_CIDR"
  spawn kube-scheduler "$DIR" "$KUBE_DIR/kube-scheduler" \
    --kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$DIR/scheduler-certs" \
    --leader-elect=false
  # The node's heartbeat is its Lease (renewed by kwok), as with a current kubelet.
  spawn kwok "$DIR" "$KUBE_DIR/kwok" --kubeconfig="$DIR/kwok.kubeconfig" \
    --config="$WRAPPERS/kwok.yaml" --manage-single-node="$NODE" \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$pki/kwok-serving.crt" --tls-private-key-file="$pki/kwok-serving.key" \
    --enable-crds=PortForward --node-lease-duration-seconds=40 --cidr="$POD_CIDR"
  wait_ready kube-controller-manager "$DIR" "kube-controller-manager on :$KCM_PORT" kcm_ready
  wait_ready kube-scheduler "$DIR" "kube-scheduler on :$SCHEDULER_PORT" scheduler_ready
  wait_ready kwok "$DIR" "kwok (the node's kubelet) on :$KWOK_PORT" kwok_ready
  wait_ready kwok "$DIR" "node $NODE Ready" node_ready
  wait_ready kube-controller-manager "$DIR" "controllers (default service account)" controllers_ready
  smoke_apply
  wait_ready kube-controller-manager "$DIR" "a StatefulSet's pod Ready behind a Service" smoke_ready

  {
    printf 'export JOELCLAW_TEST_KUBE_SERVER=%q\n' "https://127.0.0.1:$APISERVER_PORT"
    printf 'export JOELCLAW_TEST_KUBE_CA=%q\n' "$pki/ca.crt"
    printf 'export JOELCLAW_TEST_KUBE_ADMIN=%q\n' "$DIR/admin.kubeconfig"
    printf 'export JOELCLAW_TEST_KUBE_AUDIT_LOG=%q\n' "$DIR/audit.log"
    printf 'export JOELCLAW_TEST_KUBE_NODE=%q\n' "$NODE"
    printf 'export JOELCLAW_TEST_KUBE_DIR=%q\n' "$DIR"
  } >"$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
  trap - EXIT
  cat "$DIR/env"
  log "up: control plane ready in $(since "$start") (env in $DIR/env; stop with: $0 down $DIR)"
}

stop_all() {
  stop_services "$1" "${SERVICES[@]}"
  rm -rf "$1/etcd" "$1/env" "$1/kcm-certs" "$1/scheduler-certs"
}

cmd_versions() {
  local rc=0 name
  for name in "${SERVICES[@]}"; do
    if [[ -x "$KUBE_DIR/$name" ]]; then
      printf '%s: %s\n' "$name" "$("$KUBE_DIR/$name" --version 2>&1 | head -n 1)"
    else
      printf '%s: not built (%s)\n' "$name" "$KUBE_DIR/$name"
      rc=1
    fi
  done
  return "$rc"
}

main "$@"
