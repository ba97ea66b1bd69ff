// The AWS SDK for JavaScript v3 configured only by `eval "$(lockyard env)"` (no endpoint,
// credentials or region in code), and a look at whether the v2 SDK honours AWS_ENDPOINT_URL.
// usage: node env-js.mjs SUFFIX. One line per check; exit 1 when any failed.
import { S3Client, CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBClient, CreateTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createRequire } from "node:module";

const suffix = process.argv[2];
let fails = 0;
const check = (name, ok) => {
  console.log(`${ok ? "ok" : "FAIL"}: js-v3 ${name}`);
  if (!ok) fails++;
};
const s3 = new S3Client({});
const bucket = `env-js-${suffix}`;
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "lock", Body: "a", IfNoneMatch: "*" }));
try {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "lock", Body: "b", IfNoneMatch: "*" }));
  check("second If-None-Match: * PUT is refused", false);
} catch (e) {
  check("second If-None-Match: * PUT is refused", e.$metadata?.httpStatusCode === 412);
}
const ddb = new DynamoDBClient({});
const table = `env-js-${suffix}`;
await ddb.send(new CreateTableCommand({
  TableName: table, BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
  KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
}));
const put = new PutItemCommand({
  TableName: table, Item: { LockID: { S: "x" } }, ConditionExpression: "attribute_not_exists(LockID)",
});
await ddb.send(put);
try {
  await ddb.send(put);
  check("DynamoDB conditional put is refused", false);
} catch (e) {
  check("DynamoDB conditional put is refused", e.name === "ConditionalCheckFailedException");
}
// aws-sdk v2 (in maintenance): reports where it would send requests, without sending any.
const AWS = createRequire(import.meta.url)("aws-sdk");
console.log(`info: js-v2 ${AWS.VERSION} S3 endpoint ${new AWS.S3().endpoint.href}`);
process.exit(fails ? 1 : 0);
