#!/usr/bin/env bash
# The API contract (craftkit-devserver/openapi.yaml) checked by tools nobody here wrote:
# openapi-spec-validator on the document, then schemathesis against the local server (built
# here, started on a loopback port with a key and the fixture templates, no fault injection),
# with the document's checks and its stateful links (render -> get -> download -> share ->
# revoke). Zero failures: a failure is a bug in the server or in the document.
#
# Run by .ci/run (CI=true: missing tools are installed at the pinned versions); by hand:
#   bash .ci/schemathesis.sh
# Env: CRAFTKIT_SCHEMATHESIS_EXAMPLES (default 50 per operation and phase),
#      CRAFTKIT_SCHEMATHESIS_SEED (default fixed, so a run can be reproduced),
#      CRAFTKIT_SCHEMATHESIS_CHECKS (default the five response checks below; an exploratory run
#      can add negative_data_rejection, ignored_auth, use_after_free, unsupported_method, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
KEY=ck_test_schemathesis0000000000000000
EXAMPLES="${CRAFTKIT_SCHEMATHESIS_EXAMPLES:-50}"
SEED="${CRAFTKIT_SCHEMATHESIS_SEED:-20261202}"
CHECKS="${CRAFTKIT_SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}"
DOCUMENT=craftkit-devserver/openapi.yaml

started=$SECONDS

# A Python package at its pinned version: installed when in CI, else the run stops saying what
# to install. The tools run as `python3 -m ...`, so no PATH shim (pyenv) has to know them.
need() {
    local package="$1" version="$2" found
    found="$(python3 -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' \
        "$package" 2>/dev/null || true)"
    if [[ "$found" == "$version" ]]; then
        return
    fi
    if [[ "${CI:-}" == "true" ]]; then
        python3 -m pip install --quiet --disable-pip-version-check "$package==$version"
        return
    fi
    echo "schemathesis.sh: $package $version is needed (found: ${found:-none});" \
        "install it with: python3 -m pip install $package==$version" >&2
    exit 1
}
if ! command -v python3 >/dev/null; then
    echo "schemathesis.sh: python3 is needed; install it (apt-get install python3 python3-pip)" >&2
    exit 1
fi
need schemathesis "$SCHEMATHESIS_VERSION"
need openapi-spec-validator "$VALIDATOR_VERSION"

python3 -m openapi_spec_validator "$DOCUMENT"

cargo build --locked --quiet -p craftkit-devserver --bin craftkit-devserver
binary="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/craftkit-devserver"

work="$(mktemp -d)"
server_pid=""
stop() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

"$binary" --port 0 --templates .craftkit/manifests --key "$KEY" >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.log" | head -n 1)"
    [[ -n "$url" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "schemathesis.sh: the server stopped before listening:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "schemathesis.sh: the server did not say \`listening on\` within 10 s:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

# Run from a scratch directory: hypothesis keeps its example database in the working directory.
# One worker: with two threads, Python 3.11.7's ast.parse (hypothesis describes its lambdas
# with it) fails now and then with "AST constructor recursion depth mismatch" (CPython
# gh-106905), an error of the tool, not of the API.
status=0
(
    cd "$work"
    python3 -m schemathesis.cli run "$url/v1/openapi.json" \
        --header "Authorization: Bearer $KEY" \
        --checks "$CHECKS" \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" \
        --workers 1 \
        --request-timeout 30 \
        --no-color
) || status=$?
if [[ $status -ne 0 ]]; then
    echo "schemathesis.sh: schemathesis found failures (exit $status); the server's log:" >&2
    tail -n 50 "$work/server.log" >&2
    exit "$status"
fi
# What the run reached, from the server's log: calls by route and status. The walk render ->
# get -> download -> share -> revoke must have been taken, or a green run proves little.
calls="$(sed -n 's/.* method=\([A-Z]*\) path=\([^ ]*\) status=\([0-9]*\).*/\1 \2 \3/p' "$work/server.log")"
summary="$(grep -v ' 405$' <<<"$calls" |
    sed -E 's#^([A-Z]+ /v1/(renders|shares)/)[^ /]+#\1{id}#; s#^([A-Z]+ /v1/templates/)[^ /]+#\1{slug}#' |
    sort | uniq -c | sort -k2,3)"
echo "schemathesis.sh: calls by route and status ($(grep -c ' 405$' <<<"$calls" || true) more" \
    "answered 405 to a method the document does not declare):"
printf '%s\n' "$summary"
for step in "POST /v1/templates/{slug}/render 202" "GET /v1/renders/{id} 200" \
    "GET /v1/renders/{id}/download 200" "POST /v1/renders/{id}/shares 201" \
    "DELETE /v1/shares/{id} 200"; do
    if ! grep -qF " $step" <<<"$summary"; then
        echo "schemathesis.sh: the run never reached \`$step\`: the stateful links were not walked" >&2
        exit 1
    fi
done
echo "schemathesis.sh: the document is valid and the local server conforms to it" \
    "($(( SECONDS - started )) s)"
