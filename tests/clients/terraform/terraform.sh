#!/usr/bin/env bash
# Real Terraform (the `terraform` binary on PATH, 1.11 on our machines) against lockyard with
# backend "s3", configured only by `eval "$(lockyard env)"` and backend.hcl:
#   1. use_lockfile over HTTP: init, apply, plan (no changes); `terraform state pull` is
#      byte-equal to the object lockyard stores; the lock was taken with If-None-Match: * and
#      is gone afterwards
#   2. the same over HTTPS with lockyard's certificate (lockyard env --tls)
#   3. dynamodb_table locking: the lock item is written with attribute_not_exists, the digest
#      item stays
#   4. two concurrent applies: while the first holds the lock (its state write is held by a
#      fault) the second fails with "Error acquiring the state lock" naming the first's lock
#      ID; a third with -lock-timeout waits and succeeds once the first finishes
#   5. the lost acknowledgement of the lock PUT (fail_after 500): Terraform's retry gets 412
#      and it reports its own lock ID; the lock object holds that ID; `terraform force-unlock`
#      removes it; the next apply succeeds; the JSON request log shows the injected fault
# No provider is downloaded (terraform_data is built in; cli.tfrc allows no installation).
# Without terraform it prints one SKIP line. Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
BIN=${LOCKYARD_BIN:-$root/build/san/lockyard}
case $BIN in /*) ;; *) BIN=$root/$BIN ;; esac
. "$root/tests/lib/sanitizer.sh"
. "$root/tests/lib/workdir.sh"
if ! command -v terraform >/dev/null 2>&1; then
    echo "SKIP: terraform not on PATH: did not run the real-Terraform tests (use_lockfile over" \
         "HTTP and HTTPS, dynamodb_table, concurrent applies, lost lock ack, force-unlock)"
    exit 0
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
work=$(mktemp -d)
workdir_adopt "$work"
pids=()
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok: $* ($SECONDS s)"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description, command...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}

mkdir -p "$work/home"
export HOME=$work/home TF_CLI_CONFIG_FILE=$here/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export TF_INPUT=0 NO_COLOR=1
"$BIN" serve --data "$work/data" --durability none --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
    --log-level info --log-format json >"$work/server.out" 2>"$work/server.err" &
server=$!
pids+=("$server")
for _ in $(seq 100); do
    [ "$(grep -c '^lockyard listening' "$work/server.out")" = 2 ] && break
    sleep 0.1
done
url=$(sed -n 's/^lockyard listening on \(http:.*\)/\1/p' "$work/server.out")
if [ -z "$url" ]; then
    echo "FAIL: the server did not start"; cat "$work/server.err"; echo "0 passed, 1 failed"; exit 1
fi
export LOCKYARD_URL=$url
eval "$("$BIN" env)" || { echo "FAIL: lockyard env"; echo "0 passed, 1 failed"; exit 1; }
curl -sf -X PUT "$url/tfstate" >/dev/null || bad "CreateBucket tfstate"

# tf DIR ARGS...: terraform in DIR (made from main.tf on first use), output in DIR.log
tf() {
    local dir=$work/$1; shift
    [ -d "$dir" ] || { mkdir -p "$dir"; cp "$here/main.tf" "$dir/"; }
    terraform -chdir="$dir" "$@" -no-color >"$dir.log" 2>&1
}
init() { # DIR KEY extra -backend-config...
    local dir=$1 key=$2; shift 2
    tf "$dir" init -input=false -backend-config="$here/backend.hcl" -backend-config="key=$key" "$@"
}
journal() { curl -sf "$url/_lockyard/requests?since=0"; }
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
same_state() { # DIR KEY [curl options]: state pull == the stored object (+ the newline the
    local dir=$1 key=$2; shift 2  # CLI prints after it)
    terraform -chdir="$work/$dir" state pull >"$work/$dir.pulled" 2>/dev/null &&
        curl -sf "$@" "${AWS_ENDPOINT_URL}/tfstate/$key" -o "$work/$dir.stored" &&
        test "$(tail -c 1 "$work/$dir.pulled" | od -An -c | tr -d ' ')" = '\n' &&
        head -c -1 "$work/$dir.pulled" | cmp -s - "$work/$dir.stored"
}
lock_conditional() { # KEY: a PutObject of KEY.tflock with If-None-Match: * answered 200
    journal | jq -e --arg k "$1.tflock" '[.requests[] | select(.op == "PutObject" and .key == $k
        and .status == 200 and .conditions["If-None-Match"] == "*")] | length > 0' >/dev/null
}

# 1. use_lockfile over HTTP
k=env/terraform.tfstate
check "http: init with use_lockfile" init http "$k" -backend-config=use_lockfile=true
check "http: apply" tf http apply -auto-approve -input=false -var message=one
check "http: plan shows no changes" tf http plan -detailed-exitcode -input=false -var message=one
check "http: state pull is byte-equal to the stored object" same_state http "$k"
check "http: the lock was taken with If-None-Match: *" lock_conditional "$k"
check "http: the lock file is gone after apply" test "$(status_of "$url/tfstate/$k.tflock")" = 404

# 2. the same over HTTPS with lockyard's certificate
(
    eval "$("$BIN" env --tls)" || exit 1
    k=env/https.tfstate
    check "https: init with use_lockfile" init https "$k" -backend-config=use_lockfile=true
    check "https: apply" tf https apply -auto-approve -input=false -var message=tls
    check "https: plan shows no changes" tf https plan -detailed-exitcode -input=false -var message=tls
    check "https: state pull is byte-equal" same_state https "$k" --cacert "$AWS_CA_BUNDLE"
    check "https: the lock was taken with If-None-Match: *" lock_conditional "$k"
    echo "subtotal $pass $fail" >"$work/https.count"
)
read -r _ p f <"$work/https.count" 2>/dev/null || { p=$pass; f=$((fail + 1)); echo "FAIL: https block"; }
pass=$p; fail=$f

# 3. dynamodb_table locking
curl -sf --aws-sigv4 "aws:amz:us-east-1:dynamodb" --user test:test \
    -H 'X-Amz-Target: DynamoDB_20120810.CreateTable' -H 'Content-Type: application/x-amz-json-1.0' \
    -d '{"TableName":"locks","AttributeDefinitions":[{"AttributeName":"LockID","AttributeType":"S"}],
         "KeySchema":[{"AttributeName":"LockID","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}' \
    "$url/" >/dev/null || bad "CreateTable locks"
k=env/ddb.tfstate
check "dynamodb: init with dynamodb_table" init ddb "$k" -backend-config=dynamodb_table=locks
check "dynamodb: apply" tf ddb apply -auto-approve -input=false -var message=ddb
check "dynamodb: plan shows no changes" tf ddb plan -detailed-exitcode -input=false -var message=ddb
check "dynamodb: state pull is byte-equal" same_state ddb "$k"
check "dynamodb: the lock item was put with attribute_not_exists(LockID)" \
    bash -c "curl -sf '$url/_lockyard/requests?since=0' | jq -e '[.requests[] | select(.op == \"PutItem\"
        and .status == 200 and (.conditions.ConditionExpression // \"\" |
        test(\"attribute_not_exists\")))] | length > 0' >/dev/null"
check "dynamodb: the digest item is stored" bash -c "curl -sf --aws-sigv4 aws:amz:us-east-1:dynamodb \
    --user test:test -H 'X-Amz-Target: DynamoDB_20120810.Scan' \
    -H 'Content-Type: application/x-amz-json-1.0' -d '{\"TableName\":\"locks\"}' '$url/' |
    jq -e '.Items | map(.LockID.S) | index(\"tfstate/$k-md5\") != null' >/dev/null"

# 4. concurrent applies: A holds the lock while its state write is held by a fault
k=env/race.tfstate
init race-a "$k" -backend-config=use_lockfile=true || bad "race: init A"
init race-b "$k" -backend-config=use_lockfile=true || bad "race: init B"
init race-c "$k" -backend-config=use_lockfile=true || bad "race: init C"
hold=$("$BIN" fault add "op=PutObject,key=$k,count=1,action=hold,ms=60000")
tf race-a apply -auto-approve -input=false -var message=a &
a=$!; pids+=("$a")
for _ in $(seq 300); do # until A's state write is parked by the hold
    "$BIN" fault list --json | jq -e --arg id "$hold" '.faults[] | select(.id == $id) | .fired > 0' \
        >/dev/null 2>&1 && break
    sleep 0.1
done
held_id=$(curl -sf "$url/tfstate/$k.tflock" | jq -r .ID)
check "race: A holds the lock while its state write is held" test -n "$held_id"
tf race-b apply -auto-approve -input=false -var message=b -lock-timeout=0s
b_rc=$?
check "race: B fails while A holds the lock" test "$b_rc" != 0
check "race: B reports 'Error acquiring the state lock' with A's lock ID" \
    bash -c "grep -q 'Error acquiring the state lock' '$work/race-b.log' &&
             grep -q 'ID: *$held_id' '$work/race-b.log'"
tf race-c apply -auto-approve -input=false -var message=c -lock-timeout=60s &
c=$!; pids+=("$c")
sleep 1
"$BIN" fault release "$hold" >/dev/null || bad "race: release the hold"
wait "$a"; a_rc=$?
wait "$c"; c_rc=$?
check "race: A completes after the release" test "$a_rc" = 0
check "race: C waited for the lock (-lock-timeout) and succeeded" test "$c_rc" = 0
"$BIN" fault clear >/dev/null
check "race: the final state is C's" \
    bash -c "terraform -chdir='$work/race-c' state pull | jq -e '.outputs.message.value == \"c\"' >/dev/null"

# 5. the lost acknowledgement of the lock PUT
k=env/lostack.tfstate
init lostack "$k" -backend-config=use_lockfile=true || bad "lostack: init"
"$BIN" fault add "op=PutObject,key=$k.tflock,nth=1,action=fail_after,status=500" >/dev/null
tf lostack apply -auto-approve -input=false -var message=x -lock-timeout=2s
check "lostack: apply fails" test $? != 0
lock_id=$(sed -n 's/^ *ID: *//p' "$work/lostack.log" | head -1)
check "lostack: Terraform reports a 412 on its own lock" \
    bash -c "grep -q 'Error acquiring the state lock' '$work/lostack.log' &&
             grep -q 'StatusCode: 412' '$work/lostack.log' && test -n '$lock_id'"
check "lostack: the orphaned lock object holds Terraform's lock ID" \
    test "$(curl -sf "$url/tfstate/$k.tflock" | jq -r .ID)" = "$lock_id"
check "lostack: force-unlock with that ID" tf lostack force-unlock -force "$lock_id"
check "lostack: the lock object is gone" test "$(status_of "$url/tfstate/$k.tflock")" = 404
check "lostack: the next apply succeeds" tf lostack apply -auto-approve -input=false -var message=x
logged_fault() { # KEY: the JSON request log holds the 500 the fail_after fault answered
    grep '^{' "$work/server.err" | jq -c --arg k "tfstate/$1" 'select(.operation == "s3.PutObject"
        and .fault == "fail_after" and .status == 500 and .key == $k)' | grep -q .
}
check "lostack: the request log shows the lost acknowledgement" logged_fault "$k.tflock"

kill -TERM "$server"; wait "$server"; rc=$?
check "the server exits cleanly" test "$rc" = 0
if sanitizer_report "$work/server.err"; then
    bad "sanitizer report (above)"
fi
if [ "$fail" != 0 ]; then
    for l in "$work"/*.log; do echo "---- $l"; tail -n 25 "$l"; done
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" = 0 ]
