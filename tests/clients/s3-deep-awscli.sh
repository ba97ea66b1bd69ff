#!/usr/bin/env bash
# Debian's AWS CLI (/usr/bin/aws) against a running lockyard: `aws s3 cp` of 20 MiB switches
# to multipart (8 MiB parts by default); the bytes come back equal; s3api multipart, versioning
# and bucket-policy commands. Ends with "N passed, N failed".
#   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT tests/clients/s3-deep-awscli.sh
set -u
AWS=${AWS_CLI:-/usr/bin/aws}
ENDPOINT=${LOCKYARD_ENDPOINT:?LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)}
pass=0; fail=0
if [ ! -x "$AWS" ]; then
    echo "FAIL: $AWS not found; install it: apt-get install -y awscli"
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
aws_() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }
check() { # name, command...
    local name=$1; shift
    if "$@" >"$work/out" 2>&1; then pass=$((pass + 1)); echo "ok - $name"
    else fail=$((fail + 1)); echo "FAIL: $name"; sed 's/^/    /' "$work/out" | head -20; fi
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$work/out')); sys.exit(0 if ($1) else 1)"; }

head -c $((20 * 1024 * 1024)) /dev/urandom >"$work/big"
check "mb" aws_ s3 mb s3://deepcli
check "s3 cp 20 MiB up (multipart)" aws_ s3 cp "$work/big" s3://deepcli/big.bin
check "head-object: multipart ETag, 20 MiB" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api head-object --bucket deepcli --key big.bin >'$work/h' &&
     grep -Eq '\"ETag\": \"\\\\\"[0-9a-f]{32}-[0-9]+\\\\\"\"' '$work/h' && grep -q '\"ContentLength\": 20971520' '$work/h'"
check "s3 cp 20 MiB down, bytes equal" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3 cp s3://deepcli/big.bin '$work/back' && cmp '$work/big' '$work/back'"
check "get-object --part-number 1" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api get-object --bucket deepcli --key big.bin --part-number 1 '$work/p1' >'$work/h' &&
     grep -q '\"PartsCount\": 3' '$work/h' && cmp <(head -c 8388608 '$work/big') '$work/p1'"
check "create-multipart-upload" aws_ s3api create-multipart-upload --bucket deepcli --key left
upload=$(sed -nE 's/.*"UploadId": "([^"]+)".*/\1/p' "$work/out")
check "list-multipart-uploads shows it" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api list-multipart-uploads --bucket deepcli | grep -q '$upload'"
check "abort-multipart-upload" aws_ s3api abort-multipart-upload --bucket deepcli --key left \
    --upload-id "$upload"
check "put-bucket-versioning Enabled" aws_ s3api put-bucket-versioning --bucket deepcli \
    --versioning-configuration Status=Enabled
check "get-bucket-versioning" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api get-bucket-versioning --bucket deepcli | grep -q Enabled"
check "s3 rm leaves a delete marker" aws_ s3 rm s3://deepcli/big.bin
check "list-object-versions: version and marker" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api list-object-versions --bucket deepcli >'$work/v' &&
     grep -q '\"DeleteMarkers\"' '$work/v' && grep -q '\"IsLatest\": false' '$work/v'"
echo '{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::deepcli/*","Condition":{"Null":{"s3:if-none-match":"true"}}}]}' >"$work/policy.json"
check "put-bucket-policy" aws_ s3api put-bucket-policy --bucket deepcli --policy "file://$work/policy.json"
check "get-bucket-policy" bash -c \
    "'$AWS' --endpoint-url '$ENDPOINT' s3api get-bucket-policy --bucket deepcli | grep -q if-none-match"
check "unconditional put denied (AccessDenied)" bash -c \
    "! '$AWS' --endpoint-url '$ENDPOINT' s3api put-object --bucket deepcli --key x --body '$work/policy.json' 2>'$work/e' && grep -q AccessDenied '$work/e'"
check "delete-bucket-policy" aws_ s3api delete-bucket-policy --bucket deepcli
echo "${pass} passed, ${fail} failed"
[ "$fail" = 0 ]
