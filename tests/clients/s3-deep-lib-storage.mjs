// s3-deep-lib-storage.mjs - @aws-sdk/lib-storage Upload of 20 MiB (multipart) with
// IfNoneMatch '*' against lockyard: the first Upload is 200, the second 412; bytes verified
// on GET; then a versioned-bucket lock cycle through the SDK. Prints "N passed, N failed".
//   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT node tests/clients/s3-deep-lib-storage.mjs
import { createHash, randomBytes } from "node:crypto";
import {
  S3Client, CreateBucketCommand, GetObjectCommand, PutObjectCommand, DeleteObjectCommand,
  PutBucketVersioningCommand, ListObjectVersionsCommand, ListMultipartUploadsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const endpoint = process.env.LOCKYARD_ENDPOINT;
if (!endpoint) { console.log("FAIL: LOCKYARD_ENDPOINT is not set\n0 passed, 1 failed"); process.exit(1); }
const s3 = new S3Client({
  endpoint, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: "AKIDLOCKYARDTEST", secretAccessKey: "lockyard-test-secret" },
});
let pass = 0, fail = 0;
async function check(name, fn) {
  try { await fn(); pass++; console.log(`ok - ${name}`); }
  catch (e) { fail++; console.log(`FAIL: ${name}: ${e && (e.stack || e)}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
const md5 = (b) => createHash("md5").update(b).digest("hex");
async function body(key, bucket = "deep") {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body.transformToByteArray());
}

const data = randomBytes(20 * 1024 * 1024);
await check("create bucket", () => s3.send(new CreateBucketCommand({ Bucket: "deep" })));
let etag;
await check("Upload 20 MiB IfNoneMatch * -> 200, multipart ETag", async () => {
  const up = new Upload({ client: s3, params: { Bucket: "deep", Key: "big", Body: data, IfNoneMatch: "*" },
                          partSize: 5 * 1024 * 1024, queueSize: 4 });
  const out = await up.done();
  etag = out.ETag;
  assert(/^"[0-9a-f]{32}-4"$/.test(etag), `ETag ${etag}`);
});
await check("GET returns the 20 MiB byte for byte", async () => {
  const got = await body("big");
  assert(got.length === data.length && md5(got) === md5(data), `got ${got.length} bytes`);
});
await check("second Upload IfNoneMatch * -> 412 PreconditionFailed", async () => {
  const up = new Upload({ client: s3, params: { Bucket: "deep", Key: "big", Body: randomBytes(20 * 1024 * 1024), IfNoneMatch: "*" },
                          partSize: 5 * 1024 * 1024 });
  let err;
  try { await up.done(); } catch (e) { err = e; }
  assert(err, "the second upload succeeded");
  assert(err.$metadata?.httpStatusCode === 412 && err.name === "PreconditionFailed",
         `got ${err.name} ${err.$metadata?.httpStatusCode}`);
  const got = await body("big");
  assert(md5(got) === md5(data), "the object changed");
});
await check("no upload is left behind", async () => {
  const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: "deep" }));
  assert(!r.Uploads || r.Uploads.length === 0, `uploads: ${JSON.stringify(r.Uploads)}`);
});
await check("Upload with IfMatch of the multipart ETag -> 200", async () => {
  const up = new Upload({ client: s3, params: { Bucket: "deep", Key: "big", Body: data, IfMatch: etag },
                          partSize: 5 * 1024 * 1024 });
  await up.done();
});
await check("lost acknowledgement of a conditional completion: the SDK's retry gets 200", async () => {
  // fail_after applies the If-None-Match: * completion and answers 500; Upload's client
  // retries the same CompleteMultipartUpload, which must answer 200 with the same ETag
  // (not NoSuchUpload, not 412 against its own object).
  const rule = { match: { service: "s3", op: "CompleteMultipartUpload", bucket: "deep", key: "retried", nth: 1 },
                 action: { type: "fail_after", status: 500, code: "InternalError" } };
  const r = await fetch(`${endpoint}/_lockyard/faults`, { method: "POST", body: JSON.stringify(rule) });
  assert(r.ok, `installing the rule: ${r.status}`);
  const data2 = randomBytes(10 * 1024 * 1024);
  const up = new Upload({ client: s3, params: { Bucket: "deep", Key: "retried", Body: data2, IfNoneMatch: "*" },
                          partSize: 5 * 1024 * 1024 });
  const out = await up.done();
  assert(/^"[0-9a-f]{32}-2"$/.test(out.ETag), `ETag ${out.ETag}`);
  const got = await body("retried");
  assert(md5(got) === md5(data2), "the object is not the upload");
  const j = await (await fetch(`${endpoint}/_lockyard/requests?since=0`)).json();
  const done = j.requests.filter((e) => e.bucket === "deep" && e.key === "retried" &&
                                        e.op === "CompleteMultipartUpload");
  assert(done.length === 2, `completions seen: ${done.length}`);
});
await check("versioned lock cycle: lock, unlock (delete marker), lock again, history", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "vlock" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "vlock", VersioningConfiguration: { Status: "Enabled" } }));
  const a = await s3.send(new PutObjectCommand({ Bucket: "vlock", Key: "state.tflock", Body: "owner-a", IfNoneMatch: "*" }));
  let err;
  try { await s3.send(new PutObjectCommand({ Bucket: "vlock", Key: "state.tflock", Body: "owner-b", IfNoneMatch: "*" })); }
  catch (e) { err = e; }
  assert(err?.$metadata?.httpStatusCode === 412, "a second lock was granted");
  const d = await s3.send(new DeleteObjectCommand({ Bucket: "vlock", Key: "state.tflock" }));
  assert(d.DeleteMarker === true && d.VersionId, "DELETE did not leave a delete marker");
  const b = await s3.send(new PutObjectCommand({ Bucket: "vlock", Key: "state.tflock", Body: "owner-b", IfNoneMatch: "*" }));
  const v = await s3.send(new ListObjectVersionsCommand({ Bucket: "vlock" }));
  const ids = (v.Versions || []).map((x) => x.VersionId);
  assert(ids.length === 2 && ids[0] === b.VersionId && ids[1] === a.VersionId, `versions ${ids}`);
  assert(v.DeleteMarkers?.length === 1 && v.DeleteMarkers[0].VersionId === d.VersionId, "markers");
  assert((await body("state.tflock", "vlock")).toString() === "owner-b", "lock body");
});
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
