// The lost acknowledgement ("412 against my own write", locking.md §3 B2; Terraform/OpenTofu's
// orphaned lock, opentofu#4405) reproduced with the real AWS SDK for JavaScript v3 at its
// default retry settings. Run by tests/suites/faults:
//   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT node --test --test-reporter=tap faults-lostack.test.mjs
// A fail_after (or drop_after) rule applies the conditional PutObject and answers 500 (or closes
// the connection); the SDK retries the same If-None-Match: * write, which now meets its own
// object and gets 412. The caller sees "somebody else holds the lock" although the lock object
// holds its own body: nobody will ever release it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand,
} from '@aws-sdk/client-s3';

const endpoint = process.env.LOCKYARD_ENDPOINT;
if (!endpoint) throw new Error('LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)');

// Defaults only (standard retry mode, 3 attempts): what Terraform-like callers get.
const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDLOSTACK', secretAccessKey: 'lockyard-test-secret' },
});
after(() => s3.destroy());

async function admin(method, path, doc) {
  const r = await fetch(`${endpoint}/_lockyard/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: doc === undefined ? undefined : JSON.stringify(doc),
  });
  const j = await r.json();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

let seq = 0;
async function setup(tag) {
  const Bucket = `lostack-${tag}-${process.pid}-${++seq}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  const since = (await admin('GET', 'requests?since=0')).next;
  return { Bucket, Key: 'env/terraform.tfstate.tflock', since };
}

const lockBody = (id) => JSON.stringify({ ID: id, Operation: 'OperationTypeApply', Who: 'ci@runner' });

async function readBody(Bucket, Key) {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return r.Body.transformToString();
}

async function putEntries(Bucket, since) {
  const j = await admin('GET', `requests?since=${since}`);
  return j.requests.filter((e) => e.bucket === Bucket && e.op === 'PutObject');
}

/** Terraform-style acquire: a conditional create; 412 means "somebody else holds the lock". */
async function acquireNaive(Bucket, Key, id) {
  try {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: lockBody(id), IfNoneMatch: '*' }));
    return { acquired: true };
  } catch (err) {
    if (err.$metadata?.httpStatusCode === 412) return { acquired: false, err };
    throw err;
  }
}

/** The fix ("tag the write, verify on conflict"): on 412 read the lock back and compare the ID. */
async function acquireVerified(Bucket, Key, id) {
  const r = await acquireNaive(Bucket, Key, id);
  if (r.acquired) return r;
  const holder = JSON.parse(await readBody(Bucket, Key)).ID;
  return { acquired: holder === id, err: r.err, verified: true };
}

test('fail_after on a conditional PutObject: the SDK retry gets 412 against its own write', async () => {
  const { Bucket, Key, since } = await setup('fa');
  const rule = await admin('POST', 'faults', {
    match: { service: 's3', op: 'PutObject', bucket: Bucket, key: '*.tflock', conditional: true, count: 1 },
    action: { type: 'fail_after', status: 500, code: 'InternalError' },
  });
  const id = randomUUID();
  const r = await acquireNaive(Bucket, Key, id);
  assert.equal(r.acquired, false, 'the client believes it lost the lock');
  assert.equal(r.err.name, 'PreconditionFailed');
  assert.equal(r.err.$metadata.attempts, 2, 'first attempt 500, the SDK retried once');
  // ...but the lock object is this client's: an orphaned lock nobody will release.
  assert.equal(JSON.parse(await readBody(Bucket, Key)).ID, id, 'the lock holds our own body');
  const puts = await putEntries(Bucket, since);
  assert.deepEqual(puts.map((e) => [e.status, e.applied, e.fault?.action ?? null, e.conditions]), [
    [500, true, 'fail_after', { 'If-None-Match': '*' }],
    [412, false, null, { 'If-None-Match': '*' }],
  ], 'journal: applied-then-500, then the retry 412');
  assert.ok(puts[0].seq < puts[1].seq);
  assert.equal(puts[0].fault.id, rule.id);
});

test('drop_after (response lost on the wire): the SDK retry gets 412 as well', async () => {
  const { Bucket, Key, since } = await setup('da');
  await admin('POST', 'faults', {
    match: { op: 'PutObject', bucket: Bucket, conditional: true, count: 1 },
    action: { type: 'drop_after' },
  });
  const id = randomUUID();
  const r = await acquireNaive(Bucket, Key, id);
  assert.equal(r.acquired, false);
  assert.equal(r.err.$metadata.httpStatusCode, 412);
  assert.equal(JSON.parse(await readBody(Bucket, Key)).ID, id, 'orphaned: the lock is ours');
  const puts = await putEntries(Bucket, since);
  assert.deepEqual(puts.map((e) => [e.status, e.applied]), [[0, true], [412, false]]);
});

test('without retries the caller sees the 500 itself: the outcome is unknown, not "lost"', async () => {
  const { Bucket, Key } = await setup('nr');
  await admin('POST', 'faults', {
    match: { op: 'PutObject', bucket: Bucket, conditional: true, count: 1 },
    action: { type: 'fail_after' },
  });
  const once = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDLOSTACK', secretAccessKey: 'x' }, maxAttempts: 1 });
  try {
    const id = randomUUID();
    await assert.rejects(
      once.send(new PutObjectCommand({ Bucket, Key, Body: lockBody(id), IfNoneMatch: '*' })),
      (err) => err.$metadata.httpStatusCode === 500 && err.name === 'InternalError',
    );
    assert.equal(JSON.parse(await readBody(Bucket, Key)).ID, id, 'applied despite the 500');
  } finally {
    once.destroy();
  }
});

test('the fix: tag the write, verify on 412 — the client recognises its own lock', async () => {
  const { Bucket, Key } = await setup('fix');
  await admin('POST', 'faults', {
    match: { op: 'PutObject', bucket: Bucket, conditional: true, count: 1 },
    action: { type: 'fail_after' },
  });
  const id = randomUUID();
  const r = await acquireVerified(Bucket, Key, id);
  assert.equal(r.verified, true, 'the SDK retry hit 412, so the read-back ran');
  assert.equal(r.acquired, true, 'the read-back shows our ID: we hold the lock');
  // A real competitor is still told apart.
  const other = await acquireVerified(Bucket, Key, randomUUID());
  assert.equal(other.acquired, false, 'another client still loses');
});
