#!/usr/bin/env bash
# Command-line S3 clients in one cell of the client matrix (http or https, --auth any|sigv4):
#   Debian's AWS CLI (/usr/bin/aws), s3cmd, rclone and curl --aws-sigv4.
#   LOCKYARD_ENDPOINT=http[s]://127.0.0.1:PORT [LOCKYARD_CA=cert.pem] [LOCKYARD_AUTH=sigv4] \
#   tests/clients/matrix-cli.sh
# Each is configured only for path-style addressing, the endpoint, the region, the credentials
# and (over https) the generated certificate: AWS_CA_BUNDLE, s3cmd's ca_certs_file, rclone
# --ca-cert, curl --cacert. Put / get / list / delete with byte-exact round trips; under sigv4 a
# wrong secret must be rejected. Ends with "N passed, N failed".
set -u
ENDPOINT=${LOCKYARD_ENDPOINT:?LOCKYARD_ENDPOINT is not set}
CA=${LOCKYARD_CA:-}
STRICT=0; [ "${LOCKYARD_AUTH:-any}" = sigv4 ] && STRICT=1
AK=AKIDLOCKYARDTEST SK=lockyard-test-secret
HOSTPORT=${ENDPOINT#*://}
HTTPS=0; [ "${ENDPOINT%%://*}" = https ] && HTTPS=1
pass=0; fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home
mkdir -p "$HOME/.aws"
ok_() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect NAME CMD... : the command must succeed; its output is in $work/out, $work/err.
expect() {
    local name=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    if [ "$rc" = 0 ]; then ok_; return 0; fi
    bad "$name: exit $rc: $*"; head -c 600 "$work/err" | sed 's/^/    /'; return 1
}
# refuse NAME PATTERN CMD... : the command must fail and its stderr/stdout match PATTERN.
refuse() {
    local name=$1 pat=$2; shift 2
    if "$@" >"$work/out" 2>"$work/err"; then bad "$name: succeeded: $*"; return 1; fi
    if grep -qE "$pat" "$work/out" "$work/err"; then ok_; return 0; fi
    bad "$name: no '$pat' in the output:"; head -c 600 "$work/err" | sed 's/^/    /'; return 1
}
same() { # NAME FILE1 FILE2
    if cmp -s "$2" "$3"; then ok_; else bad "$1: $2 and $3 differ ($(wc -c <"$2") vs $(wc -c <"$3") bytes)"; fi
}
have() {
    [ -x "$1" ] && return 0
    bad "$1 not found: apt-get install -y $2 (or tools/install-deps --test)"; return 1
}

head -c 3000000 /dev/urandom >"$work/big"        # under the CLI's 8 MiB multipart threshold
printf '{"ID":"lock-1","Operation":"OperationTypeApply"}\n' >"$work/small"
: >"$work/empty"

# ---- AWS CLI ---------------------------------------------------------------------------------
aws_cli() {
    env AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=${SECRET:-$SK} AWS_DEFAULT_REGION=us-east-1 \
        AWS_CONFIG_FILE=$HOME/.aws/config AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials \
        AWS_PAGER= AWS_DEFAULT_OUTPUT=json ${CA:+AWS_CA_BUNDLE=$CA} AWS_MAX_ATTEMPTS=1 \
        /usr/bin/aws --endpoint-url "$ENDPOINT" "$@"
}
if have /usr/bin/aws awscli; then
    printf '[default]\ns3 =\n  addressing_style = path\n' >"$HOME/.aws/config"
    echo "version: $(/usr/bin/aws --version 2>&1)"
    B=matrix-cli-$$
    expect "aws s3 mb" aws_cli s3 mb "s3://$B"
    expect "aws s3 cp up" aws_cli s3 cp "$work/big" "s3://$B/dir/big.bin"
    expect "aws s3 cp down" aws_cli s3 cp "s3://$B/dir/big.bin" "$work/big.down"
    same "aws s3 cp round trip" "$work/big" "$work/big.down"
    expect "aws s3 cp empty" aws_cli s3 cp "$work/empty" "s3://$B/empty"
    expect "aws s3 ls" aws_cli s3 ls "s3://$B/dir/"
    grep -q 'big.bin' "$work/out" && ok_ || bad "aws s3 ls lists big.bin: $(cat "$work/out")"
    for alg in SHA256 CRC32 CRC32C SHA1; do
        if expect "s3api put-object --checksum-algorithm $alg" aws_cli s3api put-object \
            --bucket "$B" --key "ck-$alg" --body "$work/small" --checksum-algorithm "$alg"; then
            grep -q "\"Checksum$alg\"" "$work/out" && ok_ || bad "put-object $alg echo: $(cat "$work/out")"
        fi
        if expect "s3api get-object --checksum-mode ENABLED ($alg)" aws_cli s3api get-object \
            --bucket "$B" --key "ck-$alg" --checksum-mode ENABLED "$work/ck.down"; then
            grep -q "\"Checksum$alg\"" "$work/out" && ok_ || bad "get-object $alg checksum: $(cat "$work/out")"
            same "get-object $alg bytes" "$work/small" "$work/ck.down"
        fi
    done
    want=$(/usr/bin/python3 -c 'import base64,hashlib,sys;print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$work/small")
    grep -q "\"ChecksumSHA256\": \"$want\"" "$work/out" 2>/dev/null || \
        { aws_cli s3api head-object --bucket "$B" --key ck-SHA256 --checksum-mode ENABLED >"$work/out" 2>&1
          grep -q "\"ChecksumSHA256\": \"$want\"" "$work/out" && ok_ || bad "head-object SHA256 value: $(cat "$work/out")"; }
    refuse "s3api put-object wrong --checksum-crc32 -> BadDigest" 'BadDigest' \
        aws_cli s3api put-object --bucket "$B" --key bad --body "$work/small" --checksum-crc32 AAAAAA==
    expect "aws s3 rm" aws_cli s3 rm "s3://$B/dir/big.bin"
    refuse "removed object is gone" '404|Not Found' aws_cli s3api head-object --bucket "$B" --key dir/big.bin
    if [ "$STRICT" = 1 ]; then
        SECRET=wrong-secret refuse "aws: wrong secret -> SignatureDoesNotMatch" SignatureDoesNotMatch \
            aws_cli s3api put-object --bucket "$B" --key x --body "$work/small"
        SECRET=wrong-secret refuse "aws s3 cp: wrong secret rejected" 'SignatureDoesNotMatch|403' \
            aws_cli s3 cp "$work/small" "s3://$B/x"
        SECRET=wrong-secret refuse "aws sts: wrong secret -> SignatureDoesNotMatch" SignatureDoesNotMatch \
            aws_cli sts get-caller-identity
    fi
    expect "aws sts get-caller-identity" aws_cli sts get-caller-identity
    grep -qE '"Account": "[0-9]{12}"' "$work/out" && ok_ || bad "sts account: $(cat "$work/out")"
fi

# ---- s3cmd -----------------------------------------------------------------------------------
if have /usr/bin/s3cmd s3cmd; then
    echo "version: $(/usr/bin/s3cmd --version 2>&1)"
    mkcfg() {
        cat >"$work/s3cfg$2" <<EOF
[default]
access_key = $AK
secret_key = $1
host_base = $HOSTPORT
host_bucket = $HOSTPORT
bucket_location = us-east-1
use_https = $([ "$HTTPS" = 1 ] && echo True || echo False)
ca_certs_file = $CA
check_ssl_certificate = True
check_ssl_hostname = True
signature_v2 = False
EOF
    }
    mkcfg "$SK" ""; mkcfg wrong-secret .bad
    s3c() { /usr/bin/s3cmd -c "$work/s3cfg" "$@"; }
    B=matrix-s3cmd-$$
    expect "s3cmd mb" s3c mb "s3://$B"
    expect "s3cmd put" s3c put "$work/big" "s3://$B/a/big.bin"
    expect "s3cmd put small" s3c put "$work/small" "s3://$B/a/small.json"
    expect "s3cmd get" s3c get --force "s3://$B/a/big.bin" "$work/s3cmd.down"
    same "s3cmd round trip" "$work/big" "$work/s3cmd.down"
    expect "s3cmd ls" s3c ls "s3://$B/a/"
    [ "$(grep -c "s3://$B/a/" "$work/out")" = 2 ] && ok_ || bad "s3cmd ls: $(cat "$work/out")"
    expect "s3cmd info" s3c info "s3://$B/a/small.json"
    grep -q "$(md5sum "$work/small" | cut -d' ' -f1)" "$work/out" && ok_ || bad "s3cmd info md5: $(cat "$work/out")"
    expect "s3cmd del" s3c del "s3://$B/a/big.bin"
    expect "s3cmd ls after del" s3c ls "s3://$B/a/"
    [ "$(grep -c "s3://$B/a/" "$work/out")" = 1 ] && ok_ || bad "s3cmd ls after del: $(cat "$work/out")"
    if [ "$STRICT" = 1 ]; then
        refuse "s3cmd: wrong secret rejected" 'SignatureDoesNotMatch|403' \
            /usr/bin/s3cmd -c "$work/s3cfg.bad" put "$work/small" "s3://$B/x"
    fi
fi

# ---- rclone ----------------------------------------------------------------------------------
if have /usr/bin/rclone rclone; then
    echo "version: $(/usr/bin/rclone version 2>&1 | head -1)"
    rc_() {
        env -u AWS_CA_BUNDLE RCLONE_CONFIG=$work/rclone.conf RCLONE_CONFIG_LY_TYPE=s3 RCLONE_CONFIG_LY_PROVIDER=Other \
            RCLONE_CONFIG_LY_ACCESS_KEY_ID=$AK RCLONE_CONFIG_LY_SECRET_ACCESS_KEY=${SECRET:-$SK} \
            RCLONE_CONFIG_LY_ENDPOINT=$ENDPOINT RCLONE_CONFIG_LY_REGION=us-east-1 \
            RCLONE_CONFIG_LY_FORCE_PATH_STYLE=true \
            /usr/bin/rclone --low-level-retries 1 --retries 1 ${CA:+--ca-cert "$CA"} "$@"
    }
    : >"$work/rclone.conf"
    B=matrix-rclone-$$
    expect "rclone mkdir" rc_ mkdir "ly:$B"
    expect "rclone copyto" rc_ copyto "$work/big" "ly:$B/r/big.bin"
    expect "rclone copyto small" rc_ copyto "$work/small" "ly:$B/r/small.json"
    expect "rclone cat" rc_ cat "ly:$B/r/big.bin"
    same "rclone round trip" "$work/big" "$work/out"
    expect "rclone lsf" rc_ lsf "ly:$B/r"
    [ "$(sort "$work/out" | paste -sd, -)" = "big.bin,small.json" ] && ok_ || bad "rclone lsf: $(cat "$work/out")"
    expect "rclone md5sum" rc_ md5sum "ly:$B/r/big.bin"
    [ "$(cut -d' ' -f1 "$work/out")" = "$(md5sum "$work/big" | cut -d' ' -f1)" ] && ok_ \
        || bad "rclone md5sum: $(cat "$work/out")"
    expect "rclone deletefile" rc_ deletefile "ly:$B/r/big.bin"
    expect "rclone lsf after delete" rc_ lsf "ly:$B/r"
    [ "$(cat "$work/out")" = "small.json" ] && ok_ || bad "rclone lsf after delete: $(cat "$work/out")"
    if [ "$STRICT" = 1 ]; then
        SECRET=wrong-secret refuse "rclone: wrong secret rejected" 'SignatureDoesNotMatch|403' \
            rc_ copyto "$work/small" "ly:$B/r/x.json"
    fi
fi

# ---- curl --aws-sigv4 ------------------------------------------------------------------------
if command -v curl >/dev/null; then
    echo "version: $(curl --version | head -1)"
    cu() { # WANT_STATUS SECRET ARGS...
        local want=$1 secret=$2; shift 2
        rm -f "$work/cbody"
        status=$(curl -sS ${CA:+--cacert "$CA"} --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$secret" \
            -o "$work/cbody" -D "$work/chdr" -w '%{http_code}' "$@")
        if [ "$status" = "$want" ]; then ok_; return 0; fi
        bad "curl: HTTP $status (wanted $want): $*"; head -c 400 "$work/cbody" 2>/dev/null; echo
        return 1
    }
    B=matrix-curl-$$
    cu 200 "$SK" -X PUT "$ENDPOINT/$B"
    crc=$(/usr/bin/python3 -c 'import base64,zlib,sys;print(base64.b64encode(zlib.crc32(open(sys.argv[1],"rb").read()).to_bytes(4,"big")).decode())' "$work/small")
    cu 200 "$SK" -X PUT -H "x-amz-checksum-crc32: $crc" -H 'If-None-Match: *' --data-binary @"$work/small" "$ENDPOINT/$B/lock"
    cu 412 "$SK" -X PUT -H 'If-None-Match: *' --data-binary @"$work/small" "$ENDPOINT/$B/lock"
    cu 400 "$SK" -X PUT -H "x-amz-checksum-crc32: AAAAAA==" --data-binary @"$work/small" "$ENDPOINT/$B/bad"
    grep -q '<Code>BadDigest</Code>' "$work/cbody" && ok_ || bad "curl wrong crc32: $(cat "$work/cbody")"
    cu 200 "$SK" -H 'x-amz-checksum-mode: ENABLED' "$ENDPOINT/$B/lock"
    same "curl GET bytes" "$work/small" "$work/cbody"
    grep -qi "^x-amz-checksum-crc32: $crc" "$work/chdr" && ok_ || bad "curl checksum-mode GET: $(cat "$work/chdr")"
    cu 206 "$SK" -H 'x-amz-checksum-mode: ENABLED' -H 'Range: bytes=0-3' "$ENDPOINT/$B/lock"
    grep -qi '^x-amz-checksum-' "$work/chdr" && bad "curl ranged 206 carries a checksum: $(cat "$work/chdr")" || ok_
    if [ "$STRICT" = 1 ]; then
        cu 403 wrong-secret "$ENDPOINT/$B/lock"
        grep -q '<Code>SignatureDoesNotMatch</Code>' "$work/cbody" && ok_ || bad "curl wrong secret: $(cat "$work/cbody")"
        cu 403 "$SK" "$ENDPOINT/$B/lock" --user "AKIDNOBODY:x"
        grep -q '<Code>InvalidAccessKeyId</Code>' "$work/cbody" && ok_ || bad "curl unknown key: $(cat "$work/cbody")"
        status=$(curl -sS ${CA:+--cacert "$CA"} -o "$work/cbody" -w '%{http_code}' "$ENDPOINT/$B/lock")
        [ "$status" = 403 ] && grep -q '<Code>AccessDenied</Code>' "$work/cbody" && ok_ \
            || bad "anonymous GET under sigv4: $status $(cat "$work/cbody")"
    fi
    cu 204 "$SK" -X DELETE "$ENDPOINT/$B/lock"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
