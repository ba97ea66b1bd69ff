"""boto3 configured only by `eval "$(lockyard env)"`: no endpoint_url, keys or region in code.
usage: env_boto3.py SUFFIX. Prints one line per check and exits 1 when any failed."""
import os
import sys

import boto3
from botocore.exceptions import ClientError

suffix = sys.argv[1]
fails = 0


def check(name, ok):
    global fails
    print(("ok: " if ok else "FAIL: ") + "boto3 " + name)
    fails += 0 if ok else 1


s3 = boto3.client("s3")
check("endpoint from AWS_ENDPOINT_URL_S3", s3.meta.endpoint_url == os.environ["AWS_ENDPOINT_URL_S3"])
bucket = "env-boto3-" + suffix
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="lock", Body=b"a", IfNoneMatch="*")
try:
    s3.put_object(Bucket=bucket, Key="lock", Body=b"b", IfNoneMatch="*")
    check("second If-None-Match: * PUT is refused", False)
except ClientError as e:
    check("second If-None-Match: * PUT is refused", e.response["Error"]["Code"] == "PreconditionFailed")
ddb = boto3.client("dynamodb")
table = "env-boto3-" + suffix
ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}])
item = {"LockID": {"S": "x"}}
ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(LockID)")
try:
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(LockID)")
    check("DynamoDB conditional put is refused", False)
except ClientError as e:
    check("DynamoDB conditional put is refused",
          e.response["Error"]["Code"] == "ConditionalCheckFailedException")
sts = boto3.client("sts")
check("STS from AWS_ENDPOINT_URL_STS", sts.get_caller_identity()["Account"] == "000000000000")
sys.exit(1 if fails else 0)
