#!/usr/bin/env bash
# Runs the commands of docs/terraform.md with the real terraform binary against
# a lockyard server at ENDPOINT: both backend blocks (init, apply), the fault
# recipe (the lost acknowledgement) and force-unlock. Prints ok/FAILED lines.
#   tests/docs/terraform-doc.sh ENDPOINT
set -u
E=$1
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
res() { if [ "$1" = 0 ]; then echo "ok      terraform.md: $2"; else echo "FAILED  terraform.md: $2"; fi; }
hcl() { # Nth hcl block of the page, with the endpoint
    awk -v n="$1" '/^```hcl/{k++; on=(k==n); next} /^```/{on=0} on' docs/terraform.md | sed "s|http://127.0.0.1:4566|$E|g"
}
tf() { (cd "$tmp/$1" && shift && timeout 120 terraform "$@" -no-color) >"$tmp/out" 2>&1; }
journal() { curl -s "$E/_lockyard/requests?since=0&limit=10000"; }

curl -s -o /dev/null -X PUT "$E/tfstate-demo"
mkdir -p "$tmp/lockfile" "$tmp/ddb"
hcl 1 >"$tmp/lockfile/main.tf"
tf lockfile init -input=false && tf lockfile apply -auto-approve -input=false && grep -q 'hello = "lockyard"' "$tmp/out"
res $? "use_lockfile: terraform init and apply"
journal | grep -q '"op":"PutObject".*"key":"env/terraform.tfstate.tflock".*"If-None-Match":"\*"'
res $? "use_lockfile: the lock is a PUT If-None-Match: * of env/terraform.tfstate.tflock"

AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
  aws --endpoint-url "$E" dynamodb create-table --table-name tf-locks \
    --attribute-definitions AttributeName=LockID,AttributeType=S \
    --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
hcl 2 >"$tmp/ddb/main.tf"
tf ddb init -input=false -reconfigure && tf ddb apply -auto-approve -input=false && grep -q 'hello = "lockyard"' "$tmp/out"
res $? "dynamodb_table: terraform init and apply"
journal | grep -q 'ddb/terraform.tfstate-md5'
res $? "dynamodb_table: the -md5 digest item is written"

curl -s -o /dev/null -X POST "$E/_lockyard/faults" -d '{
  "match":  {"service":"s3","op":"PutObject","key":"*.tflock","nth":1},
  "action": {"type":"fail_after","status":500,"code":"InternalError"}}'
tf lockfile apply -auto-approve -input=false -lock-timeout=3s
grep -q 'Error acquiring the state lock' "$tmp/out" && grep -q 'PreconditionFailed' "$tmp/out"
res $? "fault recipe: Terraform prints the 412 against its own lock"
id=$(sed -n 's/^ *ID: *//p' "$tmp/out" | head -1)
tf lockfile force-unlock -force "$id" && grep -qi 'successfully unlocked' "$tmp/out"
res $? "force-unlock with the printed ID frees the lock"
