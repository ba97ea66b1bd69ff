#!/usr/bin/env bash
# Real-client conformance: Debian's AWS CLI (/usr/bin/aws) against a running lockyard.
#   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT tests/clients/s3-awscli.sh
# Dummy credentials in the environment, an empty config file and HOME in a temporary
# directory, default settings otherwise. Ends with "N passed, N failed".
#
# Debian 12's awscli 2.9.19 predates the conditional-write parameters (put-object
# --if-none-match/--if-match arrived in the S3 model in Aug 2024). When this CLI lacks them,
# the script adds those members, exactly as AWS's current model declares them (header
# If-None-Match / If-Match; DeleteObjects' per-object <ETag>), to a copy of the CLI's own S3 model in the isolated
# $HOME/.aws/models (the CLI's documented search path for service models, what
# `aws configure add-model` writes). Nothing else of the CLI changes.
set -u
AWS=${AWS_CLI:-/usr/bin/aws}
PY=/usr/bin/python3
ENDPOINT=${LOCKYARD_ENDPOINT:?LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)}
pass=0; fail=0

if [ ! -x "$AWS" ]; then
    echo "FAIL: $AWS not found; install it: apt-get install -y awscli (or tools/install-deps --test)"
    echo "0 passed, 1 failed"; exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home AWS_CONFIG_FILE=$work/home/.aws/config
export AWS_SHARED_CREDENTIALS_FILE=$work/home/.aws/credentials
export AWS_ACCESS_KEY_ID=AKIDLOCKYARDTEST AWS_SECRET_ACCESS_KEY=lockyard-test-secret
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_DEFAULT_OUTPUT=json
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE
mkdir -p "$HOME/.aws"
: >"$AWS_CONFIG_FILE"

ok_() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # name, then a command whose success is the check
    local name=$1; shift
    if "$@"; then ok_; else bad "$name"; fi
}

# run NAME EXPECT_RC ARGS... : runs aws, stdout in $out, stderr in $err; checks the exit code
# (EXPECT_RC "fail" = any non-zero).
run() {
    local name=$1 want=$2; shift 2
    "$AWS" --endpoint-url "$ENDPOINT" "$@" >"$work/out" 2>"$work/err"
    rc=$?
    out=$(cat "$work/out"); err=$(cat "$work/err")
    if { [ "$want" = fail ] && [ "$rc" != 0 ]; } || [ "$rc" = "$want" ]; then
        ok_; return 0
    fi
    bad "$name: exit $rc (wanted $want): aws $*"
    sed 's/^/    /' "$work/err" | head -5
    return 1
}
jq_() { "$PY" -c "import json,sys; d=json.load(open('$work/out')); print($1)" 2>/dev/null; }
md5q() { printf '"%s"' "$(md5sum "$1" | cut -d' ' -f1)"; }

add_conditional_model() {
    "$AWS" s3api put-object help 2>/dev/null | grep -q -- '--if-none-match' && return 0
    local src
    src=$("$PY" -c 'import awscli, os; print(os.path.join(os.path.dirname(awscli.__file__), "botocore/data/s3/2006-03-01"))' 2>/dev/null)
    if [ ! -f "$src/service-2.json" ]; then
        bad "awscli has no --if-none-match and its S3 model was not found"; return 1
    fi
    mkdir -p "$HOME/.aws/models/s3/2006-03-01"
    "$PY" - "$src/service-2.json" "$HOME/.aws/models/s3/2006-03-01/service-2.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
def hdr(name, loc):
    return {"shape": name, "location": "header", "locationName": loc}
m["shapes"].setdefault("IfMatch", {"type": "string"})
m["shapes"].setdefault("IfNoneMatch", {"type": "string"})
for shape, members in (("PutObjectRequest", ("IfMatch", "IfNoneMatch")),
                       ("CopyObjectRequest", ("IfMatch", "IfNoneMatch")),
                       ("DeleteObjectRequest", ("IfMatch",)),
                       ("ObjectIdentifier", ("ETag",))):
    for mem in members:
        m["shapes"][shape]["members"].setdefault(
            mem, {"shape": "ETag"} if mem == "ETag"
            else hdr(mem, "If-Match" if mem == "IfMatch" else "If-None-Match"))
json.dump(m, open(sys.argv[2], "w"))
EOF
    echo "note: $("$AWS" --version 2>&1 | cut -d' ' -f1) lacks --if-none-match; S3 model extended in \$HOME/.aws/models"
}

B=cli-$$-$RANDOM
B2=$B-two
D=$work/data; mkdir -p "$D/tree/sub" "$D/down"
printf 'hello from the aws cli\n' >"$D/hello.txt"
head -c 300000 /dev/urandom >"$D/big.bin"
for i in 1 2 3; do printf 'file %s\n' "$i" >"$D/tree/f$i.txt"; done
printf 'nested\n' >"$D/tree/sub/n.txt"

add_conditional_model

# --- aws s3 (high-level) -------------------------------------------------------------------
run "s3 mb" 0 s3 mb "s3://$B" && check "mb output" grep -q "make_bucket: $B" <<<"$out"
run "s3 ls buckets" 0 s3 ls && check "ls lists the bucket" grep -q " $B\$" <<<"$out"
run "s3 cp up" 0 s3 cp "$D/hello.txt" "s3://$B/dir/hello.txt" \
    && check "cp output" grep -q "upload: .*hello.txt to s3://$B/dir/hello.txt" <<<"$out"
run "s3 cp big" 0 s3 cp "$D/big.bin" "s3://$B/big.bin"
run "s3 cp down" 0 s3 cp "s3://$B/dir/hello.txt" "$D/down/hello.txt" \
    && check "downloaded bytes equal" cmp -s "$D/hello.txt" "$D/down/hello.txt"
run "s3 cp down big" 0 s3 cp "s3://$B/big.bin" "$D/down/big.bin" \
    && check "downloaded big bytes equal" cmp -s "$D/big.bin" "$D/down/big.bin"
run "s3 cp to stdout" 0 s3 cp "s3://$B/dir/hello.txt" - \
    && check "stdout bytes" test "$out" = "hello from the aws cli"
run "s3 ls bucket" 0 s3 ls "s3://$B" \
    && check "ls shows PRE dir/ and big.bin" grep -q "PRE dir/" <<<"$out" \
    && check "ls shows big.bin size" grep -qE ' 300000 big.bin$' <<<"$out"
run "s3 ls recursive" 0 s3 ls --recursive "s3://$B" \
    && check "recursive ls has the key" grep -q ' dir/hello.txt$' <<<"$out"
run "s3 sync up" 0 s3 sync "$D/tree" "s3://$B/tree" \
    && check "sync uploaded 4 files" test "$(grep -o 'upload: ' <<<"$out" | wc -l)" = 4
run "s3 sync again is a no-op" 0 s3 sync "$D/tree" "s3://$B/tree" \
    && check "second sync uploads nothing" test "$(grep -o 'upload: ' <<<"$out" | wc -l)" = 0
run "s3 sync down" 0 s3 sync "s3://$B/tree" "$D/down/tree" \
    && check "sync round trip" diff -r "$D/tree" "$D/down/tree"
run "s3 rm" 0 s3 rm "s3://$B/dir/hello.txt" && check "rm output" grep -q "delete: s3://$B/dir/hello.txt" <<<"$out"
run "s3 cp missing" fail s3 cp "s3://$B/dir/hello.txt" "$D/down/nope" \
    && check "missing key is a 404" grep -qE '404|Not Found' <<<"$err"
run "s3 rm recursive" 0 s3 rm --recursive "s3://$B/tree" \
    && check "recursive rm deleted 4" test "$(grep -o 'delete: ' <<<"$out" | wc -l)" = 4
run "s3 rb non-empty" fail s3 rb "s3://$B" && check "rb says BucketNotEmpty" grep -q BucketNotEmpty <<<"$err"
run "s3 rb --force" 0 s3 rb --force "s3://$B"
run "s3 ls deleted bucket" fail s3 ls "s3://$B" && check "NoSuchBucket" grep -q NoSuchBucket <<<"$err"

# --- aws s3api --------------------------------------------------------------------------------
run "create-bucket" 0 s3api create-bucket --bucket "$B2" \
    && check "create-bucket Location" test "$(jq_ 'd["Location"]')" = "/$B2"
run "head-bucket" 0 s3api head-bucket --bucket "$B2"
run "head-bucket missing" fail s3api head-bucket --bucket "$B2-nope" && check "head-bucket 404" grep -q 404 <<<"$err"
run "put-object" 0 s3api put-object --bucket "$B2" --key a.txt --body "$D/hello.txt" --content-type text/plain \
        --metadata origin=cli \
    && check "put-object ETag is the MD5" test "$(jq_ 'd["ETag"]')" = "$(md5q "$D/hello.txt")"
etag=$(jq_ 'd["ETag"]')
run "put-object --if-none-match * (new key)" 0 s3api put-object --bucket "$B2" --key lock.tflock \
    --body "$D/hello.txt" --if-none-match '*'
run "put-object --if-none-match * (second)" fail s3api put-object --bucket "$B2" --key lock.tflock \
        --body "$D/big.bin" --if-none-match '*' \
    && check "second conditional put: PreconditionFailed" grep -q '(PreconditionFailed)' <<<"$err"
run "put-object --if-match wrong" fail s3api put-object --bucket "$B2" --key a.txt --body "$D/big.bin" \
        --if-match '"00000000000000000000000000000000"' \
    && check "if-match wrong: PreconditionFailed" grep -q '(PreconditionFailed)' <<<"$err"
run "put-object --if-match missing key" fail s3api put-object --bucket "$B2" --key none.txt \
        --body "$D/hello.txt" --if-match "$etag" \
    && check "if-match missing key: NoSuchKey" grep -q '(NoSuchKey)' <<<"$err"
run "put-object --if-none-match etag" fail s3api put-object --bucket "$B2" --key a.txt \
        --body "$D/hello.txt" --if-none-match "$etag" \
    && check "if-none-match etag: NotImplemented" grep -q '(NotImplemented)' <<<"$err"
run "put-object --if-match right" 0 s3api put-object --bucket "$B2" --key a.txt --body "$D/hello.txt" \
    --content-type text/plain --metadata origin=cli --if-match "$etag"
run "get-object lock" 0 s3api get-object --bucket "$B2" --key lock.tflock "$D/down/lock" \
    && check "lock holds the first body" cmp -s "$D/hello.txt" "$D/down/lock"
run "get-object" 0 s3api get-object --bucket "$B2" --key a.txt "$D/down/a.txt" \
    && check "get-object bytes" cmp -s "$D/hello.txt" "$D/down/a.txt" \
    && check "get-object ContentType" test "$(jq_ 'd["ContentType"]')" = text/plain \
    && check "get-object Metadata" test "$(jq_ 'd["Metadata"]["origin"]')" = cli
run "get-object range" 0 s3api get-object --bucket "$B2" --key a.txt --range bytes=0-4 "$D/down/r" \
    && check "range bytes" test "$(cat "$D/down/r")" = hello \
    && check "ContentRange" test "$(jq_ 'd["ContentRange"]')" = "bytes 0-4/23"
run "get-object --if-none-match" fail s3api get-object --bucket "$B2" --key a.txt --if-none-match "$etag" "$D/down/x" \
    && check "304 Not Modified" grep -qE '\(304\)' <<<"$err"
run "get-object --if-match wrong" fail s3api get-object --bucket "$B2" --key a.txt --if-match '"0"' "$D/down/x" \
    && check "412 PreconditionFailed" grep -q '(PreconditionFailed)' <<<"$err"
run "head-object" 0 s3api head-object --bucket "$B2" --key a.txt \
    && check "head-object ContentLength" test "$(jq_ 'd["ContentLength"]')" = 23 \
    && check "head-object ETag" test "$(jq_ 'd["ETag"]')" = "$etag"
run "head-object --if-match wrong" fail s3api head-object --bucket "$B2" --key a.txt --if-match '"0"' \
    && check "head 412" grep -q '(412)' <<<"$err"
run "head-object --if-modified-since" fail s3api head-object --bucket "$B2" --key a.txt \
        --if-modified-since "$(date -u -d '+0 sec' '+%Y-%m-%dT%H:%M:%SZ')" \
    && check "head 304" grep -q '(304)' <<<"$err"
run "head-object missing" fail s3api head-object --bucket "$B2" --key nope && check "head 404" grep -q '(404)' <<<"$err"
run "copy-object" 0 s3api copy-object --bucket "$B2" --key b.txt --copy-source "$B2/a.txt" \
    && check "copy-object ETag" test "$(jq_ 'd["CopyObjectResult"]["ETag"]')" = "$etag"
run "copy-object source-if-match wrong" fail s3api copy-object --bucket "$B2" --key c.txt --copy-source "$B2/a.txt" \
        --copy-source-if-match '"0"' \
    && check "copy 412" grep -q '(PreconditionFailed)' <<<"$err"
run "copy-object --if-none-match * onto existing" fail s3api copy-object --bucket "$B2" --key b.txt \
        --copy-source "$B2/a.txt" --if-none-match '*' \
    && check "copy INM 412" grep -q '(PreconditionFailed)' <<<"$err"
run "list-objects-v2" 0 s3api list-objects-v2 --bucket "$B2" \
    && check "list keys" test "$(jq_ '",".join(o["Key"] for o in d["Contents"])')" = "a.txt,b.txt,lock.tflock"
for i in $(seq 1 12); do printf '%s' "$i" >"$D/n$i"; done
for i in $(seq 1 12); do "$AWS" --endpoint-url "$ENDPOINT" s3api put-object --bucket "$B2" --key "p/$i" --body "$D/n$i" >/dev/null 2>&1 || bad "put p/$i"; done
run "list-objects-v2 paginated" 0 s3api list-objects-v2 --bucket "$B2" --prefix p/ --page-size 5 \
    && check "paginator merged 12 keys" test "$(jq_ 'len(d["Contents"])')" = 12
run "list-objects-v2 max-items" 0 s3api list-objects-v2 --bucket "$B2" --prefix p/ --max-items 10 --page-size 4 \
    && check "max-items 10" test "$(jq_ 'len(d["Contents"])')" = 10 \
    && check "NextToken" test -n "$(jq_ 'd["NextToken"]')"
run "list-objects-v2 delimiter" 0 s3api list-objects-v2 --bucket "$B2" --delimiter / \
    && check "CommonPrefixes" test "$(jq_ '[p["Prefix"] for p in d["CommonPrefixes"]]')" = "['p/']"
run "list-objects (v1)" 0 s3api list-objects --bucket "$B2" --prefix p/ --page-size 5 \
    && check "v1 paginated 12" test "$(jq_ 'len(d["Contents"])')" = 12
run "delete-object --if-match wrong" fail s3api delete-object --bucket "$B2" --key b.txt --if-match '"0"' \
    && check "delete 412" grep -q '(PreconditionFailed)' <<<"$err"
run "delete-object" 0 s3api delete-object --bucket "$B2" --key b.txt
run "delete-objects" 0 s3api delete-objects --bucket "$B2" \
        --delete "{\"Objects\":[{\"Key\":\"a.txt\"},{\"Key\":\"lock.tflock\",\"ETag\":\"\\\"0\\\"\"},{\"Key\":\"p/1\"}]}" \
    && check "delete-objects Deleted" test "$(jq_ 'sorted(o["Key"] for o in d["Deleted"])')" = "['a.txt', 'p/1']" \
    && check "delete-objects Errors" test "$(jq_ '[(e["Key"], e["Code"]) for e in d["Errors"]]')" = "[('lock.tflock', 'PreconditionFailed')]"
run "delete-objects quiet" 0 s3api delete-objects --bucket "$B2" --delete '{"Objects":[{"Key":"p/2"}],"Quiet":true}' \
    && check "quiet: no Deleted" test -z "$out"
run "get-bucket-location" 0 s3api get-bucket-location --bucket "$B2" \
    && check "LocationConstraint null" test "$(jq_ 'd["LocationConstraint"]')" = None
run "list-buckets" 0 s3api list-buckets && check "list-buckets has B2" test "$(jq_ "'$B2' in [b['Name'] for b in d['Buckets']]")" = True
run "get-object-tagging 501" fail s3api get-object-tagging --bucket "$B2" --key p/3 \
    && check "NotImplemented" grep -q '(NotImplemented)' <<<"$err"
run "s3 rb --force (s3api bucket)" 0 s3 rb --force "s3://$B2"

echo "${pass} passed, ${fail} failed"
[ "$fail" = 0 ]
