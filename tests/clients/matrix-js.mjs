// The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, pinned in package-lock.json) in one cell of
// the client matrix (http or https, --auth any or sigv4), at default settings:
//   LOCKYARD_ENDPOINT=http[s]://127.0.0.1:PORT [NODE_EXTRA_CA_CERTS=cert.pem] \
//   [LOCKYARD_AUTH=sigv4] node matrix-js.mjs
// String, Buffer and stream bodies (the stream goes aws-chunked with a trailing CRC32) must be
// stored byte-exact; the request headers the SDK actually sent are checked; checksum-mode GETs
// return the stored checksum and a ranged 206 none; a wrong CRC32 is BadDigest. Under sigv4:
// a wrong secret, an unknown key and a skewed client clock are rejected with S3's codes, and
// the SDK's clock-skew correction recovers from the skew. Ends with "N passed, N failed".
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectCommand,
} from '@aws-sdk/client-s3';

const endpoint = process.env.LOCKYARD_ENDPOINT;
if (!endpoint) throw new Error('LOCKYARD_ENDPOINT is not set');
const https = endpoint.startsWith('https:');
const strict = process.env.LOCKYARD_AUTH === 'sigv4';
const creds = { accessKeyId: 'AKIDLOCKYARDTEST', secretAccessKey: 'lockyard-test-secret' };
const version = JSON.parse(readFileSync(new URL('./node_modules/@aws-sdk/client-s3/package.json',
  import.meta.url))).version;
console.log(`version: @aws-sdk/client-s3 ${version}, node ${process.version}, ` +
  `${https ? 'https' : 'http'}, auth ${strict ? 'sigv4' : 'any'}`);

const clients = [];
// Records the headers of every request as it leaves the SDK (after signing and framing).
function makeClient(extra = {}) {
  const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds,
    ...extra });
  c.sent = [];
  c.middlewareStack.add((next) => async (args) => {
    c.sent.push({ method: args.request.method, path: args.request.path,
      headers: { ...args.request.headers } });
    return next(args);
  }, { step: 'deserialize', name: 'lockyardRecordRequest' });
  clients.push(c);
  return c;
}
const s3 = makeClient();
const lastSent = (c = s3) => c.sent[c.sent.length - 1];

let passed = 0, failed = 0;
async function t(name, fn) {
  try {
    await fn();
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL: ${name}: ${e?.stack ?? e}`);
  }
}
const crcB64 = (b) => { const x = Buffer.alloc(4); x.writeUInt32BE(crc32(b) >>> 0); return x.toString('base64'); };
const getAll = async (input, c = s3) => {
  const r = await c.send(new GetObjectCommand(input));
  return { r, body: Buffer.from(await r.Body.transformToByteArray()) };
};
async function rejects(promise, { status, name }) {
  let err;
  try { await promise; } catch (e) { err = e; }
  assert.ok(err, `expected ${name} ${status}, the call succeeded`);
  assert.equal(err.$metadata?.httpStatusCode, status, `${err.name}: ${err.message}`);
  assert.equal(err.name, name, err.message);
  return err;
}

const Bucket = `matrix-js-${process.pid}`;
await t('create bucket', async () => {
  const r = await s3.send(new CreateBucketCommand({ Bucket }));
  assert.equal(r.$metadata.httpStatusCode, 200);
});

// String and Buffer bodies: CRC32 precomputed into a header, raw body, hex payload hash.
for (const [kind, body] of [['string', 'lock body \u2603 {"ID":"1"}\n'],
  ['buffer', randomBytes(70_000)]]) {
  await t(`${kind} body: put, headers sent, stored bytes exact`, async () => {
    const bytes = Buffer.from(body);
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: kind, Body: body,
      ContentType: 'application/json' }));
    const h = lastSent().headers;
    assert.equal(h['x-amz-checksum-crc32'], crcB64(bytes), 'CRC32 header');
    assert.equal(h['x-amz-sdk-checksum-algorithm'], 'CRC32');
    assert.equal(h['content-encoding'], undefined, 'no aws-chunked for a non-stream body');
    assert.equal(h['x-amz-content-sha256'], createHash('sha256').update(bytes).digest('hex'));
    assert.equal(put.ChecksumCRC32, crcB64(bytes), 'PutObject echoes the checksum');
    const { r, body: got } = await getAll({ Bucket, Key: kind });
    assert.ok(got.equals(bytes), 'stored bytes differ');
    assert.equal(r.ContentType, 'application/json');
    assert.equal(lastSent().headers['x-amz-checksum-mode'], 'ENABLED', 'SDK asks for checksums');
    assert.equal(r.ChecksumCRC32, crcB64(bytes), 'checksum-mode GET returns the stored CRC32');
  });
}

// A Readable body: Content-Encoding aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, trailer CRC32,
// one aws-chunk per stream data event, outer Transfer-Encoding: chunked.
await t('stream body: aws-chunked with trailing CRC32, stored bytes exact', async () => {
  const parts = [randomBytes(65_536), randomBytes(1000), Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n'),
    randomBytes(65_536 * 2 + 7)];
  const expected = Buffer.concat(parts);
  const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'stream', Body: Readable.from(parts),
    ContentLength: expected.length }));
  const h = lastSent().headers;
  assert.match(h['content-encoding'] ?? '', /aws-chunked/);
  assert.equal(h['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
  assert.equal(h['x-amz-trailer'], 'x-amz-checksum-crc32');
  assert.equal(h['x-amz-decoded-content-length'], String(expected.length));
  assert.equal(h['x-amz-sdk-checksum-algorithm'], 'CRC32');
  assert.equal(put.ChecksumCRC32, crcB64(expected), 'trailer checksum echoed');
  const { r, body } = await getAll({ Bucket, Key: 'stream' });
  assert.ok(body.equals(expected), `stored ${body.length} bytes, sent ${expected.length}`);
  assert.equal(r.ContentEncoding, undefined, 'aws-chunked must not be stored');
  assert.equal(r.ChecksumCRC32, crcB64(expected));
});

await t('explicit SHA256 / CRC32C / SHA1 checksums round-trip', async () => {
  for (const alg of ['SHA256', 'CRC32C', 'SHA1']) {
    const body = Buffer.from(`checksum ${alg}`);
    await s3.send(new PutObjectCommand({ Bucket, Key: `alg-${alg}`, Body: body, ChecksumAlgorithm: alg }));
    const { r, body: got } = await getAll({ Bucket, Key: `alg-${alg}` });
    assert.ok(got.equals(body));
    assert.ok(r[`Checksum${alg}`], `Checksum${alg} returned`);
    if (alg === 'SHA256') assert.equal(r.ChecksumSHA256, createHash('sha256').update(body).digest('base64'));
    if (alg === 'SHA1') assert.equal(r.ChecksumSHA1, createHash('sha1').update(body).digest('base64'));
  }
});

await t('ranged GET: 206 without a full-object checksum', async () => {
  const { r, body } = await getAll({ Bucket, Key: 'buffer', Range: 'bytes=10-19' });
  assert.equal(r.$metadata.httpStatusCode, 206);
  assert.equal(body.length, 10);
  assert.equal(r.ChecksumCRC32, undefined);
  assert.equal(r.ChecksumCRC64NVME, undefined);
});

await t('wrong x-amz-checksum-crc32 -> 400 BadDigest, nothing stored', async () => {
  await rejects(s3.send(new PutObjectCommand({ Bucket, Key: 'bad-crc', Body: 'hello',
    ChecksumCRC32: 'AAAAAA==' })), { status: 400, name: 'BadDigest' });
  await rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'bad-crc' })),
    { status: 404, name: 'NotFound' });
});

await t('list and delete', async () => {
  const l = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'str' }));
  assert.deepEqual(l.Contents.map((o) => o.Key), ['stream', 'string']);
  const d = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'string' }));
  assert.equal(d.$metadata.httpStatusCode, 204);
});

if (strict) {
  await t('sigv4: wrong secret -> 403 SignatureDoesNotMatch (string, stream)', async () => {
    const bad = makeClient({ credentials: { ...creds, secretAccessKey: 'wrong-secret' } });
    await rejects(bad.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'x' })),
      { status: 403, name: 'SignatureDoesNotMatch' });
    await rejects(bad.send(new PutObjectCommand({ Bucket, Key: 'bad', Body: Readable.from([Buffer.from('x')]),
      ContentLength: 1 })), { status: 403, name: 'SignatureDoesNotMatch' });
    await rejects(bad.send(new GetObjectCommand({ Bucket, Key: 'buffer' })),
      { status: 403, name: 'SignatureDoesNotMatch' });
  });
  await t('sigv4: unknown access key -> 403 InvalidAccessKeyId', async () => {
    const bad = makeClient({ credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } });
    await rejects(bad.send(new GetObjectCommand({ Bucket, Key: 'buffer' })),
      { status: 403, name: 'InvalidAccessKeyId' });
  });
  await t('sigv4: client clock 1 h behind -> 403 RequestTimeTooSkewed (maxAttempts 1)', async () => {
    const skewed = makeClient({ systemClockOffset: -3600_000, maxAttempts: 1 });
    await rejects(skewed.send(new GetObjectCommand({ Bucket, Key: 'buffer' })),
      { status: 403, name: 'RequestTimeTooSkewed' });
  });
  await t('sigv4: the SDK takes its clock offset from the server time and then succeeds', async () => {
    const skewed = makeClient({ systemClockOffset: -3600_000 });
    await rejects(skewed.send(new GetObjectCommand({ Bucket, Key: 'buffer' })),
      { status: 403, name: 'RequestTimeTooSkewed' }).catch(() => {});
    const offset = await skewed.config.systemClockOffset;
    assert.ok(Math.abs(offset) < 60_000, `offset after the skew error: ${offset} ms`);
    const { body } = await getAll({ Bucket, Key: 'buffer' }, skewed);
    assert.equal(body.length, 70_000);
  });
}

for (const c of clients) c.destroy();
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
