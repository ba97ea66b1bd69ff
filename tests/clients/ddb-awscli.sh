#!/usr/bin/env bash
# ddb-awscli.sh - Debian's AWS CLI (/usr/bin/aws dynamodb ... --endpoint-url) against lockyard.
# Endpoint from LOCKYARD_ENDPOINT. Prints "N passed, N failed".
set -u
AWS=/usr/bin/aws
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
pass=0; fail=0
ddb() { "$AWS" dynamodb --endpoint-url "$LOCKYARD_ENDPOINT" --output json "$@"; }
check() { # name, then a command whose success means pass
    local name=$1; shift
    if out=$("$@" 2>&1); then pass=$((pass + 1)); echo "ok   $name"
    else fail=$((fail + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/     /' | head -20; fi
}
jq_has() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"; }

t_create() {
    ddb create-table --table-name cli-locks --billing-mode PAY_PER_REQUEST \
        --attribute-definitions AttributeName=LockID,AttributeType=S \
        --key-schema AttributeName=LockID,KeyType=HASH >/dev/null &&
    ddb wait table-exists --table-name cli-locks &&
    ddb describe-table --table-name cli-locks | jq_has 'd["Table"]["TableStatus"] == "ACTIVE"' &&
    ddb list-tables | jq_has '"cli-locks" in d["TableNames"]'
}
t_put_conditional() {
    ddb put-item --table-name cli-locks --item '{"LockID":{"S":"l"},"Info":{"S":"a"}}' \
        --condition-expression 'attribute_not_exists(LockID)' &&
    ! err=$(ddb put-item --table-name cli-locks --item '{"LockID":{"S":"l"},"Info":{"S":"b"}}' \
        --condition-expression 'attribute_not_exists(LockID)' 2>&1) &&
    grep -q 'ConditionalCheckFailedException' <<<"$err" &&
    ddb get-item --table-name cli-locks --key '{"LockID":{"S":"l"}}' --consistent-read \
        --projection-expression 'LockID, Info' | jq_has 'd["Item"]["Info"]["S"] == "a"'
}
t_update_query_scan() {
    ddb update-item --table-name cli-locks --key '{"LockID":{"S":"c"}}' \
        --update-expression 'ADD n :one' --expression-attribute-values '{":one":{"N":"1"}}' \
        --return-values ALL_NEW | jq_has 'd["Attributes"]["n"]["N"] == "1"' &&
    ddb query --table-name cli-locks --key-condition-expression 'LockID = :l' \
        --expression-attribute-values '{":l":{"S":"l"}}' | jq_has 'd["Count"] == 1' &&
    ddb scan --table-name cli-locks --page-size 1 | jq_has 'd["Count"] == 2' &&
    ddb delete-item --table-name cli-locks --key '{"LockID":{"S":"c"}}' &&
    ddb scan --table-name cli-locks --select COUNT | jq_has 'd["Count"] == 1'
}
t_ttl_and_delete() {
    ddb update-time-to-live --table-name cli-locks \
        --time-to-live-specification Enabled=true,AttributeName=expires_at >/dev/null &&
    ddb describe-time-to-live --table-name cli-locks |
        jq_has 'd["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"' &&
    ddb delete-table --table-name cli-locks >/dev/null &&
    ! err=$(ddb describe-table --table-name cli-locks 2>&1) &&
    grep -q 'ResourceNotFoundException' <<<"$err"
}
check create-table t_create
check put-item-conditional t_put_conditional
check update-query-scan t_update_query_scan
check ttl-and-delete-table t_ttl_and_delete
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
