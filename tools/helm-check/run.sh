#!/usr/bin/env bash
# Runs real Helm on helm/shop without a Helm binary: tools/helm-check (Java,
# com.marcnuri.helm-java, Helm's Go code as a native library) lints the chart
# and renders it for each values set into tmp/helm-rendered/<set>.yaml (the
# release manifests) and <set>.hooks.yaml (the hooks), with report.json.
#
#   tools/helm-check/run.sh                       the sets CI checks (below)
#   tools/helm-check/run.sh [--no-lint] NAME=VALUES[,VALUES...] ...
#   HELM_CHECK_OUT=tmp/other tools/helm-check/run.sh ...
#
# The jar is built with Maven the first time and again only when pom.xml or a
# source changed; Maven works offline once ~/.m2 holds helm-java.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$here/target/helm-check.jar"

if [[ ! -f "$jar" || ! -d "$here/target/lib" || -n "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit)" ]]; then
  echo "helm-check: building $jar" >&2
  # Offline first (the usual case: ~/.m2 already has everything), online if something is missing.
  if ! (cd "$here" && mvn -q -o -B package >/dev/null 2>&1); then
    (cd "$here" && mvn -q -B package)
  fi
fi

if (( $# == 0 )); then
  examples=helm/shop/examples
  set -- \
    default= \
    laptop=$examples/values-laptop.yaml \
    production=$examples/values-production.yaml \
    aws=$examples/values-production.yaml,$examples/values-aws.yaml \
    secrets=helm/shop/ci/secrets-values.yaml
fi

cd "$root"
# Helm's lookup reaches for a cluster under helm-java: helm-check serves a fake,
# empty one and writes its address into this file (see FakeKubeApi.java).
kubeconfig="$(mktemp "${TMPDIR:-/tmp}/helm-check-kubeconfig.XXXXXX")"
trap 'rm -f "$kubeconfig"' EXIT
KUBECONFIG="$kubeconfig" HELM_CHECK_KUBECONFIG="$kubeconfig" \
  java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" \
  --chart helm/shop --out "${HELM_CHECK_OUT:-tmp/helm-rendered}" --kube-version 1.31.0 "$@"
