#!/bin/sh
# ci/leak-corpus must find a planted value that did leak: the LangFuse secret key, JSON-escaped,
# in one scenario's evidence, and a sandbox's token, base64url-encoded inside a longer line.
set -eu
src="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scenarios/leaky/out/evidence" "$tmp/scenarios/leaky/store"
printf '{"arm_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlbGZ0ZXN0","databricks_token":"dapi0123456789abcdef0123456789abcdef"}\n' \
  > "$tmp/scenarios/leaky/store/credentials.json"
printf '{"note":"sk-lf-planted \\"quoted\\" back\\\\slash 100%% ünïcode 0002"}\n' > "$tmp/scenarios/leaky/out/evidence/a.jsonl"
printf 'header: x%s\n' "$(printf 'dapi0123456789abcdef0123456789abcdef' | base64 | tr '+/' '-_')" > "$tmp/scenarios/leaky/out/log.txt"
if out=$("$src/ci/leak-corpus" "$tmp" 2>&1); then
  echo "leak-corpus passed a run with leaks:"; echo "$out"; exit 1
fi
echo "$out"
echo "$out" | grep -q "FOUND LangFuse secret key (json-escaped" || { echo "missed the JSON-escaped key"; exit 1; }
echo "$out" | grep -q "FOUND databricks_token of leaky (base64" || { echo "missed the base64 token"; exit 1; }
