// ddb-js.test.mjs - real JavaScript DynamoDB clients against lockyard, default settings:
// @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb (v3), and the npm dynamodb-lock-client
// library (unmodified) on aws-sdk v2's DocumentClient, which checks x-amz-crc32 by default.
// Endpoint from LOCKYARD_ENDPOINT. Run with: node --test ddb-js.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand,
  UpdateItemCommand, DeleteItemCommand, TransactWriteItemsCommand, BatchWriteItemCommand,
  BatchGetItemCommand, UpdateTimeToLiveCommand, DescribeTimeToLiveCommand, ListTablesCommand,
  DeleteTableCommand, UpdateTableCommand, QueryCommand as RawQueryCommand, paginateQuery,
  paginateScan, waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand, DeleteCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";

const require = createRequire(import.meta.url);
const AWS = require("aws-sdk");
const DynamoDBLockClient = require("dynamodb-lock-client");

const endpoint = process.env.LOCKYARD_ENDPOINT;
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials });
const doc = DynamoDBDocumentClient.from(client);

async function makeTable(name, hash = "pk", range = null, rangeType = "S") {
  const KeySchema = [{ AttributeName: hash, KeyType: "HASH" }];
  const AttributeDefinitions = [{ AttributeName: hash, AttributeType: "S" }];
  if (range) {
    KeySchema.push({ AttributeName: range, KeyType: "RANGE" });
    AttributeDefinitions.push({ AttributeName: range, AttributeType: rangeType });
  }
  await client.send(new CreateTableCommand({
    TableName: name, KeySchema, AttributeDefinitions, BillingMode: "PAY_PER_REQUEST",
  }));
  await waitUntilTableExists({ client, maxWaitTime: 20, minDelay: 1 }, { TableName: name });
}

async function rejects(promise, name) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${name}`);
}

test("client-dynamodb: tables, conditional writes, ReturnValuesOnConditionCheckFailure", async () => {
  await makeTable("js-items");
  const d = await client.send(new DescribeTableCommand({ TableName: "js-items" }));
  assert.equal(d.Table.TableStatus, "ACTIVE");
  assert.ok((await client.send(new ListTablesCommand({}))).TableNames.includes("js-items"));
  await client.send(new PutItemCommand({
    TableName: "js-items", Item: { pk: { S: "lock" }, owner: { S: "a" } },
    ConditionExpression: "attribute_not_exists(pk)",
  }));
  const e = await rejects(client.send(new PutItemCommand({
    TableName: "js-items", Item: { pk: { S: "lock" }, owner: { S: "b" } },
    ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  })), "ConditionalCheckFailedException");
  assert.deepEqual(e.Item, { pk: { S: "lock" }, owner: { S: "a" } });
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.match(e.$metadata.requestId, /^[0-9A-Z]+$/);
  const u = await client.send(new UpdateItemCommand({
    TableName: "js-items", Key: { pk: { S: "lock" } }, UpdateExpression: "SET #o = :b, n = :n",
    ConditionExpression: "#o = :a", ExpressionAttributeNames: { "#o": "owner" },
    ExpressionAttributeValues: { ":a": { S: "a" }, ":b": { S: "b" }, ":n": { N: "1.50" } },
    ReturnValues: "ALL_NEW",
  }));
  assert.deepEqual(u.Attributes, { pk: { S: "lock" }, owner: { S: "b" }, n: { N: "1.5" } });
  const g = await client.send(new GetItemCommand({
    TableName: "js-items", Key: { pk: { S: "lock" } }, ConsistentRead: true,
    ProjectionExpression: "#o", ExpressionAttributeNames: { "#o": "owner" },
  }));
  assert.deepEqual(g.Item, { owner: { S: "b" } });
  await client.send(new DeleteItemCommand({ TableName: "js-items", Key: { pk: { S: "lock" } } }));
  assert.equal((await client.send(new GetItemCommand({
    TableName: "js-items", Key: { pk: { S: "lock" } } }))).Item, undefined);
  await rejects(client.send(new GetItemCommand({ TableName: "nope", Key: { pk: { S: "x" } } })),
    "ResourceNotFoundException");
});

test("client-dynamodb: transactions, batches, pagination, TTL", async () => {
  await makeTable("js-q", "pk", "sk", "N");
  const puts = [];
  for (let i = 0; i < 25; i++) puts.push({ PutRequest: { Item: { pk: { S: "p" }, sk: { N: `${i}` } } } });
  const bw = await client.send(new BatchWriteItemCommand({ RequestItems: { "js-q": puts } }));
  assert.deepEqual(bw.UnprocessedItems, {});
  const seen = [];
  for await (const page of paginateQuery({ client, pageSize: 4 }, {
    TableName: "js-q", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } },
    ScanIndexForward: false,
  })) for (const it of page.Items) seen.push(Number(it.sk.N));
  assert.deepEqual(seen, [...Array(25).keys()].reverse());
  let scanned = 0;
  for await (const page of paginateScan({ client, pageSize: 10 }, { TableName: "js-q" })) scanned += page.Count;
  assert.equal(scanned, 25);
  const bg = await client.send(new BatchGetItemCommand({ RequestItems: { "js-q": {
    Keys: [{ pk: { S: "p" }, sk: { N: "3" } }, { pk: { S: "p" }, sk: { N: "99" } }] } } }));
  assert.equal(bg.Responses["js-q"].length, 1);
  const tx = await rejects(client.send(new TransactWriteItemsCommand({ TransactItems: [
    { Delete: { TableName: "js-q", Key: { pk: { S: "p" }, sk: { N: "1" } } } },
    { ConditionCheck: { TableName: "js-q", Key: { pk: { S: "p" }, sk: { N: "99" } },
      ConditionExpression: "attribute_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
  ] })), "TransactionCanceledException");
  assert.deepEqual(tx.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
  assert.ok((await client.send(new GetItemCommand({ TableName: "js-q",
    Key: { pk: { S: "p" }, sk: { N: "1" } } }))).Item, "a cancelled transaction must not delete");
  await client.send(new UpdateTimeToLiveCommand({ TableName: "js-q",
    TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" } }));
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: "js-q" }));
  assert.equal(ttl.TimeToLiveDescription.TimeToLiveStatus, "ENABLED");
  await client.send(new DeleteTableCommand({ TableName: "js-q" }));
});

test("secondary indexes: GSI + LSI pagination, index-backed lock lookup, UpdateTable GSI", async () => {
  await client.send(new CreateTableCommand({
    TableName: "js-idx", BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    AttributeDefinitions: [["pk", "S"], ["sk", "S"], ["owner", "S"], ["exp", "N"]]
      .map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    GlobalSecondaryIndexes: [{
      IndexName: "by-owner", Projection: { ProjectionType: "KEYS_ONLY" },
      KeySchema: [{ AttributeName: "owner", KeyType: "HASH" }, { AttributeName: "exp", KeyType: "RANGE" }],
    }],
    LocalSecondaryIndexes: [{
      IndexName: "by-exp", Projection: { ProjectionType: "ALL" },
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "exp", KeyType: "RANGE" }],
    }],
  }));
  await waitUntilTableExists({ client, maxWaitTime: 20, minDelay: 1 }, { TableName: "js-idx" });
  for (let i = 0; i < 30; i++) {
    const Item = { pk: "locks", sk: `lock-${String(i).padStart(2, "0")}`, exp: 100 + i, note: "n" };
    if (i % 3) Item.owner = `w${i % 2}`;
    await doc.send(new PutCommand({ TableName: "js-idx", Item }));
  }
  const pages = paginateQuery({ client, pageSize: 4 }, {
    TableName: "js-idx", IndexName: "by-owner", KeyConditionExpression: "#o = :o",
    ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": { S: "w1" } },
  });
  const seen = [];
  let n = 0;
  for await (const p of pages) {
    n++;
    for (const it of p.Items) {
      assert.deepEqual(Object.keys(it).sort(), ["exp", "owner", "pk", "sk"]);
      seen.push(it.sk.S);
    }
  }
  const want = [];
  for (let i = 1; i < 30; i += 2) if (i % 3) want.push(`lock-${String(i).padStart(2, "0")}`);
  assert.deepEqual(seen, want);
  assert.ok(n >= 3, `pages ${n}`);
  // the lock lookup a janitor does: w0's locks that expired before 115
  const held = await doc.send(new QueryCommand({
    TableName: "js-idx", IndexName: "by-owner", KeyConditionExpression: "#o = :o AND #e < :t",
    ExpressionAttributeNames: { "#o": "owner", "#e": "exp" },
    ExpressionAttributeValues: { ":o": "w0", ":t": 115 },
  }));
  assert.deepEqual(held.Items.map((i) => i.sk), ["lock-02", "lock-04", "lock-08", "lock-10", "lock-14"]);
  const lsi = await client.send(new RawQueryCommand({
    TableName: "js-idx", IndexName: "by-exp", ConsistentRead: true, ScanIndexForward: false,
    Limit: 2, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "locks" } },
  }));
  assert.deepEqual(lsi.Items.map((i) => i.exp.N), ["129", "128"]);
  assert.deepEqual(lsi.LastEvaluatedKey, { pk: { S: "locks" }, sk: { S: "lock-28" }, exp: { N: "128" } });
  let scanned = 0;
  for await (const p of paginateScan({ client, pageSize: 7 }, { TableName: "js-idx", IndexName: "by-owner" }))
    scanned += p.Count;
  assert.equal(scanned, 20);
  await rejects(client.send(new RawQueryCommand({
    TableName: "js-idx", IndexName: "by-owner", ConsistentRead: true, KeyConditionExpression: "#o = :o",
    ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": { S: "w1" } },
  })), "ValidationException");
  const u = await client.send(new UpdateTableCommand({
    TableName: "js-idx", AttributeDefinitions: [{ AttributeName: "note", AttributeType: "S" }],
    GlobalSecondaryIndexUpdates: [{ Create: {
      IndexName: "by-note", KeySchema: [{ AttributeName: "note", KeyType: "HASH" }],
      Projection: { ProjectionType: "KEYS_ONLY" },
    } }],
  }));
  assert.equal(u.TableDescription.GlobalSecondaryIndexes.find((g) => g.IndexName === "by-note").IndexStatus,
    "CREATING");
  const d = await client.send(new DescribeTableCommand({ TableName: "js-idx" }));
  const g = d.Table.GlobalSecondaryIndexes.find((x) => x.IndexName === "by-note");
  assert.equal(g.IndexStatus, "ACTIVE");
  assert.equal(g.ItemCount, 30);
});

test("lib-dynamodb: native values, sets, numbers, conditional document writes", async () => {
  await makeTable("js-doc", "id");
  await doc.send(new PutCommand({ TableName: "js-doc", Item: {
    id: "a", n: 42, big: 1.25, tags: new Set(["x", "y"]), nested: { list: [1, "two", null, true] },
  } }));
  const g = await doc.send(new GetCommand({ TableName: "js-doc", Key: { id: "a" }, ConsistentRead: true }));
  assert.equal(g.Item.n, 42);
  assert.deepEqual([...g.Item.tags].sort(), ["x", "y"]);
  assert.deepEqual(g.Item.nested.list, [1, "two", null, true]);
  const u = await doc.send(new UpdateCommand({ TableName: "js-doc", Key: { id: "a" },
    UpdateExpression: "ADD n :d DELETE tags :t", ExpressionAttributeValues: { ":d": -2, ":t": new Set(["x"]) },
    ReturnValues: "UPDATED_NEW" }));
  assert.equal(u.Attributes.n, 40);
  assert.deepEqual([...u.Attributes.tags], ["y"]);
  await rejects(doc.send(new PutCommand({ TableName: "js-doc", Item: { id: "a" },
    ConditionExpression: "attribute_not_exists(id)" })), "ConditionalCheckFailedException");
  await doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: "js-doc", Item: { id: "b", v: 1 }, ConditionExpression: "attribute_not_exists(id)" } },
    { Update: { TableName: "js-doc", Key: { id: "a" }, UpdateExpression: "SET v = :v",
      ExpressionAttributeValues: { ":v": 2 } } },
  ] }));
  const q = await doc.send(new QueryCommand({ TableName: "js-doc", KeyConditionExpression: "id = :i",
    ExpressionAttributeValues: { ":i": "b" } }));
  assert.deepEqual(q.Items, [{ id: "b", v: 1 }]);
  await doc.send(new DeleteCommand({ TableName: "js-doc", Key: { id: "b" } }));
});

// ---- dynamodb-lock-client (aws-sdk v2 DocumentClient, CRC32 checked) ----

const v2 = new AWS.DynamoDB.DocumentClient({ endpoint, region: "us-east-1", credentials, maxRetries: 0 });
const acquire = (c, id) => new Promise((resolve, reject) =>
  c.acquireLock(id, (err, lock) => (err ? reject(err) : resolve(lock))));
const release = (lock) => new Promise((resolve, reject) =>
  lock.release((err) => (err ? reject(err) : resolve())));
const getLock = (id) => new Promise((resolve, reject) =>
  v2.get({ TableName: "lockyard-locks", Key: { id }, ConsistentRead: true },
    (err, data) => (err ? reject(err) : resolve(data.Item))));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("fidelity: deletion protection, DeleteTable shape, nested update functions, 4 MB", async () => {
  await client.send(new CreateTableCommand({
    TableName: "js-protected", BillingMode: "PAY_PER_REQUEST", DeletionProtectionEnabled: true,
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "owner", AttributeType: "S" }],
    GlobalSecondaryIndexes: [{ IndexName: "by-owner", Projection: { ProjectionType: "ALL" },
      KeySchema: [{ AttributeName: "owner", KeyType: "HASH" }] }],
  }));
  await waitUntilTableExists({ client, maxWaitTime: 20, minDelay: 1 }, { TableName: "js-protected" });
  const e = await rejects(client.send(new DeleteTableCommand({ TableName: "js-protected" })),
    "ValidationException");
  assert.match(e.message, /protected against deletion/);
  await client.send(new UpdateTableCommand({ TableName: "js-protected", DeletionProtectionEnabled: false }));
  const d = (await client.send(new DeleteTableCommand({ TableName: "js-protected" }))).TableDescription;
  assert.equal(d.TableStatus, "DELETING");
  assert.equal(d.GlobalSecondaryIndexes, undefined);

  await makeTable("js-fidelity");
  for (const v of [["x"], ["y"]]) {
    await doc.send(new UpdateCommand({
      TableName: "js-fidelity", Key: { pk: "log" },
      UpdateExpression: "SET entries = list_append(if_not_exists(entries, :e), :v)",
      ExpressionAttributeValues: { ":e": [], ":v": v },
    }));
  }
  assert.deepEqual((await doc.send(new GetCommand({ TableName: "js-fidelity", Key: { pk: "log" } })))
    .Item.entries, ["x", "y"]);
  const n = await rejects(doc.send(new UpdateCommand({
    TableName: "js-fidelity", Key: { pk: "log" },
    UpdateExpression: "SET entries = list_append(list_append(entries, :v), :v)",
    ExpressionAttributeValues: { ":v": ["z"] },
  })), "ValidationException");
  assert.match(n.message, /not allowed to be used this way in an expression; function: list_append$/);

  const blob = "a".repeat(390000);
  const puts = Array.from({ length: 11 }, (_, i) => ({
    Put: { TableName: "js-fidelity", Item: { pk: { S: `b${i}` }, d: { S: blob } } },
  }));
  const big = await rejects(client.send(new TransactWriteItemsCommand({ TransactItems: puts })),
    "ValidationException");
  assert.equal(big.message, "Transaction request cannot be larger than 4 MB");
  assert.equal((await client.send(new GetItemCommand({
    TableName: "js-fidelity", Key: { pk: { S: "b0" } } }))).Item, undefined);
});

test("dynamodb-lock-client: fail-closed acquire, contention, release", async () => {
  await makeTable("lockyard-locks", "id");
  const a = new DynamoDBLockClient.FailClosed({ dynamodb: v2, lockTable: "lockyard-locks",
    partitionKey: "id", acquirePeriodMs: 50, retryCount: 2 });
  const lock = await acquire(a, "closed");
  const item = await getLock("closed");
  assert.ok(Buffer.isBuffer(item.guid) && item.guid.length === 64, "guid is stored as binary");
  await assert.rejects(acquire(a, "closed"), /Failed to acquire lock/);
  await release(lock);
  assert.equal(await getLock("closed"), undefined);
  const again = await acquire(a, "closed");
  await release(again);
});

test("dynamodb-lock-client: fail-open heartbeat, lease expiry, fencing tokens", async () => {
  const opts = { dynamodb: v2, lockTable: "lockyard-locks", partitionKey: "id",
    heartbeatPeriodMs: 100, leaseDurationMs: 400, retryCount: 1 };
  const a = new DynamoDBLockClient.FailOpen({ ...opts, owner: "a" });
  const b = new DynamoDBLockClient.FailOpen({ ...opts, owner: "b" });
  const first = await acquire(a, "open");
  assert.equal(first.fencingToken, 1);
  const g1 = (await getLock("open")).guid;
  await sleep(350);
  const g2 = (await getLock("open")).guid;
  assert.ok(!g1.equals(g2), "heartbeats rewrite the guid");
  // a contender waits the lease out but the holder keeps heartbeating: it loses
  await assert.rejects(acquire(new DynamoDBLockClient.FailOpen({ ...opts, owner: "c", retryCount: 0 }), "open"),
    /Failed to acquire lock/);
  // the holder "crashes": heartbeats stop without a release; b takes over after the lease
  clearTimeout(first.heartbeatTimeout);
  first._released = true;
  const second = await acquire(b, "open");
  assert.equal(second.fencingToken, 2, "the fencing token grows on takeover");
  assert.equal((await getLock("open")).owner, "b");
  await release(second);
  const third = await acquire(a, "open");
  assert.equal(third.fencingToken, 3);
  await release(third);
});
