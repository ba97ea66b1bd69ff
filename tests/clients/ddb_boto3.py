#!/usr/bin/python3
"""ddb_boto3.py - Debian's boto3/botocore (default settings) against lockyard's DynamoDB.

Also replays Terraform's DynamoDB lock flow (docs/terraform.md, "DynamoDB table")
request by request, runs the TTL expiry check and the 32-client x 100-round
attribute_not_exists race. Endpoint from LOCKYARD_ENDPOINT. Prints "N passed, N failed".
"""
import hashlib
import json
import os
import sys
import threading
import time
import traceback

import boto3
import botocore.config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["LOCKYARD_ENDPOINT"]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
          aws_secret_access_key="secret")
ddb = boto3.client("dynamodb", **KW)
res = boto3.resource("dynamodb", **KW)
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def code(e):
    return e.response["Error"]["Code"]


def expect_error(want, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        assert code(e) == want, "expected %s, got %s: %s" % (want, code(e), e.response)
        return e
    raise AssertionError("expected %s, call succeeded" % want)


def make_table(name, hash_key="LockID", hash_type="S", range_key=None, range_type="S"):
    ks = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    ad = [{"AttributeName": hash_key, "AttributeType": hash_type}]
    if range_key:
        ks.append({"AttributeName": range_key, "KeyType": "RANGE"})
        ad.append({"AttributeName": range_key, "AttributeType": range_type})
    ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                     BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})


@test
def tables_lifecycle():
    make_table("bt-life")
    d = ddb.describe_table(TableName="bt-life")["Table"]
    assert d["TableStatus"] == "ACTIVE" and d["TableArn"].split(":")[4] == "000000000000"
    assert "bt-life" in ddb.list_tables()["TableNames"]
    names = [n for p in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
             for n in p["TableNames"]]
    assert "bt-life" in names
    expect_error("ResourceInUseException", make_table, "bt-life")
    ddb.delete_table(TableName="bt-life")
    ddb.get_waiter("table_not_exists").wait(TableName="bt-life", WaiterConfig={"Delay": 1})
    expect_error("ResourceNotFoundException", ddb.describe_table, TableName="bt-life")


@test
def items_and_conditions():
    make_table("bt-items")
    t = res.Table("bt-items")
    t.put_item(Item={"LockID": "a", "n": 1, "s": {"x", "y"}, "m": {"k": [1, "two", None]}})
    got = t.get_item(Key={"LockID": "a"}, ConsistentRead=True)["Item"]
    assert got["n"] == 1 and got["s"] == {"x", "y"} and got["m"]["k"][1] == "two", got
    expect_error("ConditionalCheckFailedException", t.put_item, Item={"LockID": "a"},
                 ConditionExpression="attribute_not_exists(LockID)")
    r = t.update_item(Key={"LockID": "a"}, UpdateExpression="SET n = n + :one",
                      ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"n": 2}, r
    r = t.delete_item(Key={"LockID": "a"}, ReturnValues="ALL_OLD")
    assert r["Attributes"]["n"] == 2
    assert "Item" not in t.get_item(Key={"LockID": "a"})
    e = expect_error("ValidationException", t.put_item, Item={"LockID": "b"},
                     ConditionExpression="attribute_not_exists(LockID)",
                     ExpressionAttributeValues={":unused": 1})
    assert "unused in expressions" in e.response["Error"]["Message"]
    assert "RequestId" in e.response["ResponseMetadata"]


@test
def query_scan_pagination():
    make_table("bt-q", "pk", "S", "sk", "N")
    t = res.Table("bt-q")
    with t.batch_writer() as bw:
        for i in range(60):
            bw.put_item(Item={"pk": "p%d" % (i % 3), "sk": i, "v": "x" * 10})
    pages = ddb.get_paginator("query").paginate(
        TableName="bt-q", KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}}, PaginationConfig={"PageSize": 7})
    sks = [int(i["sk"]["N"]) for p in pages for i in p["Items"]]
    assert sks == list(range(1, 60, 3)), sks
    r = t.query(KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                ExpressionAttributeValues={":p": "p0", ":a": 10, ":b": 20}, ScanIndexForward=False)
    assert [int(i["sk"]) for i in r["Items"]] == [18, 15, 12], r["Items"]
    total = sum(ddb.scan(TableName="bt-q", Segment=s, TotalSegments=4, Select="COUNT")["Count"]
                for s in range(4))
    assert total == 60, total
    scanned = [i for p in ddb.get_paginator("scan").paginate(
        TableName="bt-q", PaginationConfig={"PageSize": 11}) for i in p["Items"]]
    assert len(scanned) == 60
    r = ddb.batch_get_item(RequestItems={"bt-q": {"Keys": [
        {"pk": {"S": "p0"}, "sk": {"N": "0"}}, {"pk": {"S": "p1"}, "sk": {"N": "1"}},
        {"pk": {"S": "p1"}, "sk": {"N": "2"}}]}})
    assert len(r["Responses"]["bt-q"]) == 2 and r["UnprocessedKeys"] == {}


@test
def transactions():
    make_table("bt-tx")
    t = res.Table("bt-tx")
    t.put_item(Item={"LockID": "held", "owner": "a"})
    e = expect_error("TransactionCanceledException", ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": "bt-tx", "Item": {"LockID": {"S": "x"}}}},
        {"ConditionCheck": {"TableName": "bt-tx", "Key": {"LockID": {"S": "held"}},
                            "ConditionExpression": "#o = :b",
                            "ExpressionAttributeNames": {"#o": "owner"},
                            "ExpressionAttributeValues": {":b": {"S": "b"}}}}])
    reasons = [r["Code"] for r in e.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"], e.response
    assert "Item" not in t.get_item(Key={"LockID": "x"})
    ddb.transact_write_items(ClientRequestToken="tok", TransactItems=[
        {"Update": {"TableName": "bt-tx", "Key": {"LockID": {"S": "ctr"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    ddb.transact_write_items(ClientRequestToken="tok", TransactItems=[
        {"Update": {"TableName": "bt-tx", "Key": {"LockID": {"S": "ctr"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    r = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "bt-tx",
                                                       "Key": {"LockID": {"S": "ctr"}}}}])
    assert r["Responses"][0]["Item"]["n"] == {"N": "1"}, r


@test
def ttl_expiry():
    make_table("bt-ttl")
    ddb.update_time_to_live(TableName="bt-ttl", TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires_at"})
    d = ddb.describe_time_to_live(TableName="bt-ttl")["TimeToLiveDescription"]
    assert d == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}, d
    t = res.Table("bt-ttl")
    now = int(time.time())
    t.put_item(Item={"LockID": "old", "expires_at": now - 5})
    t.put_item(Item={"LockID": "new", "expires_at": now + 3600})
    t.put_item(Item={"LockID": "str", "expires_at": str(now - 5)})
    deadline = time.time() + 10
    while "Item" in t.get_item(Key={"LockID": "old"}) and time.time() < deadline:
        time.sleep(0.2)
    assert "Item" not in t.get_item(Key={"LockID": "old"}), "expired item was not swept"
    assert "Item" in t.get_item(Key={"LockID": "new"})
    assert "Item" in t.get_item(Key={"LockID": "str"}), "a non-Number TTL must be ignored"


def tf_lock(client, table, path, info):
    """Terraform's Lock(): PutItem attribute_not_exists(LockID); on failure GetItem the holder."""
    try:
        client.put_item(TableName=table, Item={"LockID": {"S": path}, "Info": {"S": info}},
                        ConditionExpression="attribute_not_exists(LockID)")
        return None
    except ClientError as e:
        assert code(e) == "ConditionalCheckFailedException", e.response
        r = client.get_item(TableName=table, Key={"LockID": {"S": path}},
                            ProjectionExpression="LockID, Info", ConsistentRead=True)
        return json.loads(r["Item"]["Info"]["S"])


@test
def terraform_flow():
    make_table("tf-locks")
    path = "tf-state/prod/terraform.tfstate"
    info_a = json.dumps({"ID": "11111111-aaaa", "Operation": "OperationTypeApply",
                         "Who": "alice@host", "Version": "1.11.2", "Path": path})
    info_b = json.dumps({"ID": "22222222-bbbb", "Operation": "OperationTypePlan",
                         "Who": "bob@host", "Version": "1.11.2", "Path": path})
    assert tf_lock(ddb, "tf-locks", path, info_a) is None
    holder = tf_lock(ddb, "tf-locks", path, info_b)
    assert holder and holder["ID"] == "11111111-aaaa" and holder["Who"] == "alice@host", holder
    # RefreshState: the digest item is absent, GetItem answers {} (no Item)
    r = ddb.get_item(TableName="tf-locks", Key={"LockID": {"S": path + "-md5"}},
                     ProjectionExpression="LockID, Digest", ConsistentRead=True)
    assert "Item" not in r
    # PersistState: unconditional PutItem of the digest, then read back
    digest = hashlib.md5(b'{"version":4}').hexdigest()
    ddb.put_item(TableName="tf-locks", Item={"LockID": {"S": path + "-md5"},
                                             "Digest": {"S": digest}})
    r = ddb.get_item(TableName="tf-locks", Key={"LockID": {"S": path + "-md5"}},
                     ProjectionExpression="LockID, Digest", ConsistentRead=True)
    assert r["Item"] == {"LockID": {"S": path + "-md5"}, "Digest": {"S": digest}}, r
    # Unlock (OpenTofu >= 1.10): GetItem, compare ID, conditional DeleteItem Info = :info
    r = ddb.get_item(TableName="tf-locks", Key={"LockID": {"S": path}},
                     ProjectionExpression="LockID, Info", ConsistentRead=True)
    assert json.loads(r["Item"]["Info"]["S"])["ID"] == "11111111-aaaa"
    expect_error("ConditionalCheckFailedException", ddb.delete_item, TableName="tf-locks",
                 Key={"LockID": {"S": path}}, ConditionExpression="Info = :info",
                 ExpressionAttributeValues={":info": {"S": info_b}})
    ddb.delete_item(TableName="tf-locks", Key={"LockID": {"S": path}},
                    ConditionExpression="Info = :info",
                    ExpressionAttributeValues={":info": {"S": info_a}})
    # the second locker now gets the lock; Terraform's own unlock is an unconditional delete
    assert tf_lock(ddb, "tf-locks", path, info_b) is None
    ddb.delete_item(TableName="tf-locks", Key={"LockID": {"S": path}})
    assert "Item" not in ddb.get_item(TableName="tf-locks", Key={"LockID": {"S": path}},
                                      ConsistentRead=True)
    # workspace deletion removes the digest item, unconditionally
    ddb.delete_item(TableName="tf-locks", Key={"LockID": {"S": path + "-md5"}})


@test
def race_one_winner_per_round():
    make_table("race")
    clients = 32
    cfg = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=2)
    pool = [boto3.client("dynamodb", config=cfg, **KW) for _ in range(clients)]
    for rnd in range(100):
        wins, errors = [], []
        barrier = threading.Barrier(clients)

        def run(i, rnd=rnd, wins=wins, errors=errors, barrier=barrier):
            barrier.wait()
            try:
                pool[i].put_item(TableName="race", Item={"LockID": {"S": "the-lock"},
                                                         "owner": {"S": "c%d" % i}},
                                 ConditionExpression="attribute_not_exists(LockID)")
                wins.append(i)
            except ClientError as e:
                if code(e) != "ConditionalCheckFailedException":
                    errors.append(code(e))
            except Exception as e:  # noqa: BLE001 - any transport failure fails the round
                errors.append(repr(e))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors, "round %d: %s" % (rnd, errors[:3])
        assert len(wins) == 1, "round %d: %d winners %s" % (rnd, len(wins), wins)
        item = ddb.get_item(TableName="race", Key={"LockID": {"S": "the-lock"}},
                            ConsistentRead=True)["Item"]
        assert item["owner"]["S"] == "c%d" % wins[0]
        ddb.delete_item(TableName="race", Key={"LockID": {"S": "the-lock"}})


@test
def secondary_indexes():
    """GSI + LSI through boto3: paginated index Query/Scan, an index-backed lock lookup
    (which locks does an owner hold?), GSI added later by UpdateTable and backfilled."""
    ddb.create_table(
        TableName="bt-idx",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              (("pk", "S"), ("sk", "S"), ("owner", "S"), ("exp", "N"))],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[{
            "IndexName": "by-owner",
            "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"},
                          {"AttributeName": "exp", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["info"]}}],
        LocalSecondaryIndexes=[{
            "IndexName": "by-exp",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "exp", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    t = res.Table("bt-idx")
    with t.batch_writer() as bw:
        for i in range(40):
            item = {"pk": "locks", "sk": "lock-%02d" % i, "exp": 1000 + i, "info": "i%d" % i,
                    "secret": "s"}
            if i % 4:
                item["owner"] = "w%d" % (i % 2)
            bw.put_item(Item=item)
    pages = list(ddb.get_paginator("query").paginate(
        TableName="bt-idx", IndexName="by-owner", KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": {"S": "w1"}},
        PaginationConfig={"PageSize": 3}))
    got = [i["sk"]["S"] for p in pages for i in p["Items"]]
    assert got == ["lock-%02d" % i for i in range(1, 40, 2)], got
    assert len(pages) >= 7 and set(pages[0]["Items"][0]) == {"pk", "sk", "owner", "exp", "info"}
    # the lock lookup: which locks does w0 hold that expire after 1020?
    r = t.query(IndexName="by-owner", KeyConditionExpression="#o = :o AND #e > :t",
                ExpressionAttributeNames={"#o": "owner", "#e": "exp"},
                ExpressionAttributeValues={":o": "w0", ":t": 1020})
    assert [i["sk"] for i in r["Items"]] == ["lock-22", "lock-26", "lock-30", "lock-34",
                                             "lock-38"], r["Items"]
    t.update_item(Key={"pk": "locks", "sk": "lock-22"}, UpdateExpression="REMOVE #o",
                  ExpressionAttributeNames={"#o": "owner"})
    r = t.query(IndexName="by-owner", KeyConditionExpression="#o = :o AND #e > :t",
                ExpressionAttributeNames={"#o": "owner", "#e": "exp"},
                ExpressionAttributeValues={":o": "w0", ":t": 1020}, Select="COUNT")
    assert r["Count"] == 4, r
    scanned = [i for p in ddb.get_paginator("scan").paginate(
        TableName="bt-idx", IndexName="by-owner", PaginationConfig={"PageSize": 4})
        for i in p["Items"]]
    assert len(scanned) == 29, len(scanned)
    r = t.query(IndexName="by-exp", KeyConditionExpression="pk = :p AND #e < :t",
                ExpressionAttributeNames={"#e": "exp"},
                ExpressionAttributeValues={":p": "locks", ":t": 1003}, ConsistentRead=True,
                Select="ALL_ATTRIBUTES")
    assert [i["secret"] for i in r["Items"]] == ["s", "s", "s"], r["Items"]
    expect_error("ValidationException", t.query, IndexName="by-owner", ConsistentRead=True,
                 KeyConditionExpression="#o = :o", ExpressionAttributeNames={"#o": "owner"},
                 ExpressionAttributeValues={":o": "w0"})
    ddb.update_table(
        TableName="bt-idx", AttributeDefinitions=[{"AttributeName": "info", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-info", "KeySchema": [{"AttributeName": "info", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    d = ddb.describe_table(TableName="bt-idx")["Table"]
    gs = {g["IndexName"]: g for g in d["GlobalSecondaryIndexes"]}
    assert gs["by-info"]["IndexStatus"] == "ACTIVE" and gs["by-info"]["ItemCount"] == 40, gs
    assert gs["by-owner"]["ItemCount"] == 29, gs
    r = t.query(IndexName="by-info", KeyConditionExpression="info = :i",
                ExpressionAttributeValues={":i": "i7"})
    assert r["Items"][0]["secret"] == "s", r


@test
def transaction_size_limits():
    """11 items of 390000 bytes (over 4 MB) in one TransactWriteItems: refused, nothing written;
    a Put over 400 KB is a plain ValidationException; TransactGetItems over 4 MB is refused."""
    make_table("bt-txsize")
    blob = "a" * 390000
    items = [{"Put": {"TableName": "bt-txsize", "Item": {"LockID": {"S": "k%d" % i},
                                                         "d": {"S": blob}}}} for i in range(11)]
    e = expect_error("ValidationException", ddb.transact_write_items, TransactItems=items)
    assert e.response["Error"]["Message"] == "Transaction request cannot be larger than 4 MB", e
    assert "Item" not in ddb.get_item(TableName="bt-txsize", Key={"LockID": {"S": "k0"}})
    ddb.transact_write_items(TransactItems=items[:10])
    e = expect_error("ValidationException", ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": "bt-txsize", "Item": {"LockID": {"S": "big"},
                                                    "d": {"S": "a" * 409600}}}}])
    assert "Item size has exceeded" in e.response["Error"]["Message"], e.response
    ddb.put_item(TableName="bt-txsize", Item={"LockID": {"S": "k10"}, "d": {"S": blob}})
    gets = [{"Get": {"TableName": "bt-txsize", "Key": {"LockID": {"S": "k%d" % i}}}}
            for i in range(11)]
    expect_error("ValidationException", ddb.transact_get_items, TransactItems=gets)
    assert len(ddb.transact_get_items(TransactItems=gets[:10])["Responses"]) == 10


@test
def update_function_nesting():
    make_table("bt-nest")
    t = res.Table("bt-nest")
    for v in (["x"], ["y"]):  # the documented append-or-create idiom, twice
        t.update_item(Key={"LockID": "a"},
                      UpdateExpression="SET l = list_append(if_not_exists(l, :e), :v)",
                      ExpressionAttributeValues={":e": [], ":v": v})
    assert t.get_item(Key={"LockID": "a"})["Item"]["l"] == ["x", "y"]
    e = expect_error("ValidationException", t.update_item, Key={"LockID": "a"},
                     UpdateExpression="SET l = list_append(list_append(l, :v), :v)",
                     ExpressionAttributeValues={":v": ["z"]})
    assert e.response["Error"]["Message"].endswith("function: list_append"), e.response
    e = expect_error("ValidationException", t.update_item, Key={"LockID": "a"},
                     UpdateExpression="SET n = if_not_exists(if_not_exists(n, :v), :v)",
                     ExpressionAttributeValues={":v": 1})
    assert "requires a document path" in e.response["Error"]["Message"], e.response


@test
def legacy_expected_in():
    make_table("bt-legacy")
    ddb.put_item(TableName="bt-legacy", Item={"LockID": {"S": "a"}, "owner": {"S": "alice"}})
    e = expect_error("ValidationException", ddb.put_item, TableName="bt-legacy",
                     Item={"LockID": {"S": "a"}}, Expected={"owner": {"ComparisonOperator": "IN"}})
    assert e.response["Error"]["Message"].endswith(
        "Value or AttributeValueList must be used with ComparisonOperator: IN for Attribute: "
        "owner"), e
    expect_error("ConditionalCheckFailedException", ddb.put_item, TableName="bt-legacy",
                 Item={"LockID": {"S": "a"}, "owner": {"S": "bob"}},
                 Expected={"owner": {"ComparisonOperator": "IN",
                                     "AttributeValueList": [{"S": "carol"}]}})
    ddb.put_item(TableName="bt-legacy", Item={"LockID": {"S": "a"}, "owner": {"S": "bob"}},
                 Expected={"owner": {"ComparisonOperator": "IN",
                                     "AttributeValueList": [{"S": "carol"}, {"S": "alice"}]}})


@test
def delete_table_shape():
    """(Debian's botocore predates DeletionProtectionEnabled: ddb-js.test.mjs covers it.)"""
    ddb.create_table(TableName="bt-del", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"},
                                           {"AttributeName": "owner", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{
                         "IndexName": "by-owner", "Projection": {"ProjectionType": "ALL"},
                         "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}]}])
    ddb.put_item(TableName="bt-del", Item={"LockID": {"S": "a"}, "owner": {"S": "o"}})
    d = ddb.delete_table(TableName="bt-del")["TableDescription"]
    assert d["TableStatus"] == "DELETING" and d["ItemCount"] == 1, d
    assert "GlobalSecondaryIndexes" not in d and d["KeySchema"][0]["AttributeName"] == "LockID", d
    ddb.get_waiter("table_not_exists").wait(TableName="bt-del", WaiterConfig={"Delay": 1})

def main():
    only = sys.argv[1:]
    passed = failed = 0
    for fn in TESTS:
        if only and fn.__name__ not in only:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0))
        except Exception:  # noqa: BLE001 - report and continue
            failed += 1
            print("FAIL %s" % fn.__name__)
            traceback.print_exc(limit=4)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
