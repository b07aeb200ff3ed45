#!/bin/sh
# `infra-dod sandbox up` names its tokens but never prints them (the leak corpus found them in
# ctest's JUnit, which captures what sandbox.up.* printed); the env file still holds them.
set -eu
cli="$1"
state=$(mktemp -d)
trap '"$cli" sandbox down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
out=$("$cli" sandbox up --scenario healthy --state-dir "$state")
token=$(sed -n 's/.*"databricks_token":"\([^"]*\)".*/\1/p' "$state/store/credentials.json")
[ -n "$token" ] || { echo "no databricks_token in the sandbox's credentials.json"; exit 1; }
case "$out" in *"$token"*) echo "sandbox up printed the Databricks token"; exit 1 ;; esac
echo "$out" | grep -q "DATABRICKS_TOKEN is a secret" || { echo "sandbox up does not name DATABRICKS_TOKEN"; exit 1; }
grep -q "$token" "$state/sandbox.env" || { echo "the env file lost the token"; exit 1; }
echo "ok: the token is named, not printed, and kept in the env file"
