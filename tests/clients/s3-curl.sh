#!/usr/bin/env bash
# Real-client conformance: curl with its built-in SigV4 signer against a running lockyard.
#   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT tests/clients/s3-curl.sh
# Ends with "N passed, N failed".
set -u
ENDPOINT=${LOCKYARD_ENDPOINT:?LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)}
pass=0; fail=0
if ! command -v curl >/dev/null || ! curl --help all 2>/dev/null | grep -q -- --aws-sigv4; then
    echo "FAIL: curl with --aws-sigv4 (>= 7.75) is needed; install it: apt-get install -y curl"
    echo "0 passed, 1 failed"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
B=curl-$$-$RANDOM

ok_() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { local name=$1; shift; if "$@"; then ok_; else bad "$name"; fi; }

# s3 NAME WANT_STATUS CURL_ARGS... : signed request; body in $work/body, headers in $work/hdr.
s3() {
    local name=$1 want=$2; shift 2
    rm -f "$work/body"  # curl creates no output file for an empty body
    status=$(curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user AKIDLOCKYARDTEST:lockyard-test-secret \
        -o "$work/body" -D "$work/hdr" -w '%{http_code}' "$@")
    body=$(cat "$work/body" 2>/dev/null)
    if [ "$status" = "$want" ]; then ok_; return 0; fi
    bad "$name: HTTP $status (wanted $want): curl $*"
    head -c 400 "$work/body" 2>/dev/null; echo
    return 1
}
hdr() { grep -i "^$1:" "$work/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

printf '{"ID":"first","Operation":"OperationTypeApply"}' >"$work/lock1"
printf '{"ID":"second","Operation":"OperationTypeApply"}' >"$work/lock2"
etag1=\"$(md5sum "$work/lock1" | cut -d' ' -f1)\"

s3 "create bucket" 200 -X PUT "$ENDPOINT/$B"
s3 "head bucket" 200 -I "$ENDPOINT/$B"
s3 "conditional put #1" 200 -X PUT -H 'If-None-Match: *' -H 'Content-Type: application/json' \
    --data-binary @"$work/lock1" "$ENDPOINT/$B/state.tflock" \
    && check "put ETag" test "$(hdr ETag)" = "$etag1"
s3 "conditional put #2" 412 -X PUT -H 'If-None-Match: *' -H 'Content-Type: application/json' \
    --data-binary @"$work/lock2" "$ENDPOINT/$B/state.tflock" \
    && check "412 Code" grep -q '<Code>PreconditionFailed</Code>' <<<"$body" \
    && check "412 Condition" grep -q '<Condition>If-None-Match</Condition>' <<<"$body" \
    && check "412 RequestId header" test -n "$(hdr x-amz-request-id)" \
    && check "412 is XML" grep -qi '^application/xml' <<<"$(hdr Content-Type)"
s3 "upload-file put with If-None-Match (-T)" 412 -H 'If-None-Match: *' -T "$work/lock2" "$ENDPOINT/$B/state.tflock"
s3 "get" 200 "$ENDPOINT/$B/state.tflock" \
    && check "get returns the first body" cmp -s "$work/lock1" "$work/body" \
    && check "get Content-Type" test "$(hdr Content-Type)" = application/json \
    && check "get ETag" test "$(hdr ETag)" = "$etag1"
s3 "get If-None-Match" 304 -H "If-None-Match: $etag1" "$ENDPOINT/$B/state.tflock" \
    && check "304 has no body" test ! -s "$work/body"
s3 "head If-Match wrong" 412 -I -H 'If-Match: "nope"' "$ENDPOINT/$B/state.tflock"
s3 "put If-Match right" 200 -X PUT -H "If-Match: $etag1" --data-binary @"$work/lock2" "$ENDPOINT/$B/state.tflock"
s3 "put If-None-Match etag (501)" 501 -X PUT -H "If-None-Match: $etag1" --data-binary x "$ENDPOINT/$B/other" \
    && check "501 Header" grep -q '<Header>If-None-Match</Header>' <<<"$body"
s3 "put If-Match missing key (404)" 404 -X PUT -H "If-Match: $etag1" --data-binary x "$ENDPOINT/$B/other" \
    && check "404 NoSuchKey" grep -q '<Code>NoSuchKey</Code>' <<<"$body"
s3 "list v2" 200 "$ENDPOINT/$B?list-type=2&prefix=state" \
    && check "list has the key" grep -q '<Key>state.tflock</Key>' <<<"$body" \
    && check "list KeyCount" grep -q '<KeyCount>1</KeyCount>' <<<"$body"
s3 "list v1" 200 "$ENDPOINT/$B" && check "v1 has the key" grep -q '<Key>state.tflock</Key>' <<<"$body"
s3 "list buckets" 200 "$ENDPOINT/" && check "bucket listed" grep -q "<Name>$B</Name>" <<<"$body"
s3 "delete If-Match wrong" 412 -X DELETE -H 'If-Match: "nope"' "$ENDPOINT/$B/state.tflock"
s3 "delete" 204 -X DELETE "$ENDPOINT/$B/state.tflock"
s3 "get after delete" 404 "$ENDPOINT/$B/state.tflock" && check "NoSuchKey" grep -q '<Code>NoSuchKey</Code>' <<<"$body"
s3 "conditional put after delete" 200 -X PUT -H 'If-None-Match: *' --data-binary @"$work/lock2" "$ENDPOINT/$B/state.tflock"
s3 "delete again" 204 -X DELETE "$ENDPOINT/$B/state.tflock"
s3 "delete bucket" 204 -X DELETE "$ENDPOINT/$B"
s3 "head deleted bucket" 404 -I "$ENDPOINT/$B"

echo "${pass} passed, ${fail} failed"
[ "$fail" = 0 ]
