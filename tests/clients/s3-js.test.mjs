// Real-client conformance: AWS SDK for JavaScript v3 (@aws-sdk/client-s3, pinned in
// package-lock.json) at default settings against a running lockyard.
//   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT node --test --test-reporter=tap s3-js.test.mjs
// Only endpoint, region, forcePathStyle and dummy credentials are set: no checksum, retry or
// signing option is changed, so the SDK sends what it sends to AWS (CRC32 checksums, aws-chunked
// for stream bodies, x-amz-checksum-mode on GET).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, PassThrough } from 'node:stream';
import {
  S3Client, ListBucketsCommand, CreateBucketCommand, HeadBucketCommand,
  GetBucketLocationCommand, DeleteBucketCommand, PutObjectCommand, GetObjectCommand,
  HeadObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, CopyObjectCommand,
  ListObjectsV2Command, ListObjectsCommand, GetObjectTaggingCommand,
  GetBucketLifecycleConfigurationCommand, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const endpoint = process.env.LOCKYARD_ENDPOINT;
if (!endpoint) throw new Error('LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)');

const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDLOCKYARDTEST', secretAccessKey: 'lockyard-test-secret' },
});

// Keep-alive sockets would hold the process open until the server's idle timeout.
after(() => s3.destroy());

const md5 = (b) => createHash('md5').update(b).digest('hex');
const quoted = (b) => `"${md5(b)}"`;
let seq = 0;
const freshBucket = async (tag) => {
  const Bucket = `js-${tag}-${process.pid}-${++seq}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
};
const getBytes = async (input) => {
  const r = await s3.send(new GetObjectCommand(input));
  return { r, body: Buffer.from(await r.Body.transformToByteArray()) };
};
// aws-chunked framing as it would look if a server stored it verbatim: "<hex>[;…]\r\n".
const looksChunked = (buf) => /^[0-9a-fA-F]+(;[^\r\n]*)?\r\n/.test(buf.subarray(0, 64).toString('latin1'))
  || buf.includes('x-amz-checksum-');

/** Awaits a rejection and checks its SDK shape: name, HTTP status and (when a body was parsed) Code. */
async function expectError(promise, { name, status, code }) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected an error ${name ?? ''} ${status}, the call succeeded`);
  assert.equal(err.$metadata?.httpStatusCode, status, `status of ${err.name}: ${err.message}`);
  if (name !== undefined) assert.equal(err.name, name, `error name (message: ${err.message})`);
  if (code !== undefined) assert.equal(err.Code, code);
  return err;
}
// A 304, and any HEAD error, has no body on AWS: the SDK cannot parse a Code from it.
async function expectBodyless(promise, status) {
  const err = await expectError(promise, { status });
  assert.equal(err.Code, undefined, 'no XML body expected');
  assert.equal(err.message, 'UnknownError');
  return err;
}

test('buckets: create, head, location, list, delete, errors', async () => {
  const Bucket = `js-buckets-${process.pid}`;
  const c = await s3.send(new CreateBucketCommand({ Bucket }));
  assert.equal(c.$metadata.httpStatusCode, 200);
  assert.equal(c.Location, `/${Bucket}`);
  const h = await s3.send(new HeadBucketCommand({ Bucket }));
  assert.equal(h.$metadata.httpStatusCode, 200);
  assert.equal(h.BucketRegion, 'us-east-1');
  const loc = await s3.send(new GetBucketLocationCommand({ Bucket }));
  assert.equal(loc.LocationConstraint, undefined, 'us-east-1 is an empty LocationConstraint');
  const l = await s3.send(new ListBucketsCommand({}));
  const mine = l.Buckets.find((b) => b.Name === Bucket);
  assert.ok(mine, 'ListBuckets shows the new bucket');
  assert.ok(mine.CreationDate instanceof Date && !Number.isNaN(mine.CreationDate.getTime()));
  assert.ok(l.Owner?.ID);
  // us-east-1 legacy: re-creating your own bucket answers 200.
  assert.equal((await s3.send(new CreateBucketCommand({ Bucket }))).$metadata.httpStatusCode, 200);
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
  await expectError(s3.send(new DeleteBucketCommand({ Bucket })),
    { name: 'BucketNotEmpty', status: 409, code: 'BucketNotEmpty' });
  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
  const d = await s3.send(new DeleteBucketCommand({ Bucket }));
  assert.equal(d.$metadata.httpStatusCode, 204);
  await expectError(s3.send(new HeadBucketCommand({ Bucket })), { name: 'NotFound', status: 404 });
  await expectError(s3.send(new DeleteBucketCommand({ Bucket })),
    { name: 'NoSuchBucket', status: 404, code: 'NoSuchBucket' });
  await expectError(s3.send(new GetBucketLocationCommand({ Bucket })),
    { name: 'NoSuchBucket', status: 404 });
  await expectError(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Bucket_Name' })),
    { name: 'InvalidBucketName', status: 400 });
  await expectError(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' })),
    { name: 'NoSuchBucket', status: 404 });
});

test('PutObject string, Buffer and Uint8Array bodies: exact bytes and MD5 ETag', async () => {
  const Bucket = await freshBucket('put');
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const bodies = {
    string: ['héllo wörld ✓', Buffer.from('héllo wörld ✓', 'utf8')],
    buffer: [binary, binary],
    uint8: [new Uint8Array(randomBytes(70000)), null],
    empty: ['', Buffer.alloc(0)],
  };
  bodies.uint8[1] = Buffer.from(bodies.uint8[0]);
  for (const [Key, [Body, expected]] of Object.entries(bodies)) {
    const p = await s3.send(new PutObjectCommand({
      Bucket, Key, Body, ContentType: 'application/x-test', Metadata: { origin: Key },
    }));
    assert.equal(p.ETag, quoted(expected), `${Key}: ETag is the quoted MD5`);
    const { r, body } = await getBytes({ Bucket, Key });
    assert.deepEqual(body, expected, `${Key}: GET returns the exact bytes`);
    assert.equal(r.ContentLength, expected.length);
    assert.equal(r.ETag, quoted(expected));
    assert.equal(r.ContentType, 'application/x-test');
    assert.equal(r.ContentEncoding, undefined, `${Key}: no Content-Encoding stored`);
    assert.deepEqual(r.Metadata, { origin: Key });
    assert.ok(r.LastModified instanceof Date);
    if (expected.length) assert.ok(!looksChunked(body), `${Key}: no chunk framing stored`);
  }
});

// The SDK sends a Readable body as Content-Encoding: aws-chunked + Transfer-Encoding: chunked,
// x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER and a trailing x-amz-checksum-crc32,
// over plain HTTP too. ContentLength must be given: without it the SDK itself throws
// (x-amz-decoded-content-length "undefined"); lib-storage's Upload is its way for unknown lengths.
test('PutObject with a Readable stream body (aws-chunked, trailing CRC32)', async () => {
  const Bucket = await freshBucket('stream');
  const parts = [randomBytes(1000), randomBytes(65536), Buffer.from('tail')];
  const expected = Buffer.concat(parts);
  const p = await s3.send(new PutObjectCommand({
    Bucket, Key: 'stream', Body: Readable.from(parts), ContentLength: expected.length,
  }));
  assert.equal(p.ETag, quoted(expected));
  const { r, body } = await getBytes({ Bucket, Key: 'stream' });
  assert.ok(!looksChunked(body), 'stored bytes contain aws-chunked framing');
  assert.deepEqual(body, expected);
  assert.equal(r.ContentEncoding, undefined, 'aws-chunked must not be stored as Content-Encoding');
  assert.equal(p.ChecksumCRC32, r.ChecksumCRC32, 'the trailer checksum is stored and returned');
  assert.ok(p.ChecksumCRC32, 'PutObject echoes the trailing checksum');
});

test('lib-storage Upload of a stream of unknown length (single PutObject, raw body)', async () => {
  const Bucket = await freshBucket('upload');
  const expected = randomBytes(300000);
  const body = new PassThrough();
  const up = new Upload({ client: s3, params: { Bucket, Key: 'up', Body: body } });
  const done = up.done();
  for (let i = 0; i < expected.length; i += 50000) body.write(expected.subarray(i, i + 50000));
  body.end();
  const res = await done;
  assert.equal(res.ETag, quoted(expected));
  const got = await getBytes({ Bucket, Key: 'up' });
  assert.deepEqual(got.body, expected);
  assert.ok(!looksChunked(got.body));
});

test('GetObject Range: first bytes, suffix, open end, unsatisfiable', async () => {
  const Bucket = await freshBucket('range');
  const data = Buffer.from('0123456789abcdefghij');
  await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: data }));
  const cases = [['bytes=0-4', 0, 4], ['bytes=-3', 17, 19], ['bytes=15-', 15, 19], ['bytes=18-99', 18, 19]];
  for (const [Range, first, last] of cases) {
    const { r, body } = await getBytes({ Bucket, Key: 'r', Range });
    assert.equal(r.$metadata.httpStatusCode, 206, Range);
    assert.equal(r.ContentRange, `bytes ${first}-${last}/20`, Range);
    assert.deepEqual(body, data.subarray(first, last + 1), Range);
    assert.equal(r.ContentLength, last - first + 1);
  }
  await expectError(s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=20-30' })),
    { name: 'InvalidRange', status: 416, code: 'InvalidRange' });
});

test('GetObject / HeadObject conditional reads (RFC 7232 order, 304 and 412 shapes)', async () => {
  const Bucket = await freshBucket('condget');
  const Key = 'c';
  const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'conditional' }));
  const etag = put.ETag;
  const { LastModified: mtime } = await s3.send(new HeadObjectCommand({ Bucket, Key }));
  const past = new Date(Date.now() - 3600e3);
  const future = new Date(Date.now() + 3600e3);
  const ok = async (extra) => {
    const { r, body } = await getBytes({ Bucket, Key, ...extra });
    assert.equal(r.$metadata.httpStatusCode, 200, JSON.stringify(extra));
    assert.equal(body.toString(), 'conditional');
    const h = await s3.send(new HeadObjectCommand({ Bucket, Key, ...extra }));
    assert.equal(h.$metadata.httpStatusCode, 200);
    assert.equal(h.ContentLength, 11);
    assert.equal(h.ETag, etag);
  };
  const fails = async (extra, status, condition) => {
    if (status === 412) {
      const e = await expectError(s3.send(new GetObjectCommand({ Bucket, Key, ...extra })),
        { name: 'PreconditionFailed', status: 412, code: 'PreconditionFailed' });
      assert.equal(e.Condition, condition);
    } else {
      await expectBodyless(s3.send(new GetObjectCommand({ Bucket, Key, ...extra })), 304);
    }
    await expectBodyless(s3.send(new HeadObjectCommand({ Bucket, Key, ...extra })), status);
  };
  await ok({ IfMatch: etag });
  await ok({ IfMatch: etag.replaceAll('"', '') });
  await ok({ IfMatch: '*' });
  await ok({ IfNoneMatch: '"0123"' });
  await ok({ IfModifiedSince: past });
  await ok({ IfModifiedSince: future }); // a future date is ignored
  await ok({ IfUnmodifiedSince: future });
  await ok({ IfMatch: etag, IfUnmodifiedSince: past }); // If-Match true wins over IUS false
  await fails({ IfMatch: '"0123"' }, 412, 'If-Match');
  await fails({ IfUnmodifiedSince: past }, 412, 'If-Unmodified-Since');
  await fails({ IfNoneMatch: etag }, 304);
  await fails({ IfNoneMatch: '*' }, 304);
  await fails({ IfModifiedSince: mtime }, 304); // not modified since its own Last-Modified
  await ok({ IfUnmodifiedSince: mtime });
  await fails({ IfNoneMatch: etag, IfModifiedSince: past }, 304); // INM false wins over IMS true
  await fails({ IfMatch: '"0123"', IfNoneMatch: etag }, 412, 'If-Match');
  await expectError(s3.send(new GetObjectCommand({ Bucket, Key: 'missing', IfMatch: etag })),
    { name: 'NoSuchKey', status: 404, code: 'NoSuchKey' });
  await expectError(s3.send(new HeadObjectCommand({ Bucket, Key: 'missing' })),
    { name: 'NotFound', status: 404 });
});

test('PutObject If-None-Match: * twice: 200 then 412 PreconditionFailed', async () => {
  const Bucket = await freshBucket('inm');
  const Key = 'state.tflock';
  const first = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"ID":"a"}', IfNoneMatch: '*' }));
  assert.equal(first.$metadata.httpStatusCode, 200);
  assert.equal(first.ETag, quoted('{"ID":"a"}'));
  const e = await expectError(
    s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"ID":"b"}', IfNoneMatch: '*' })),
    { name: 'PreconditionFailed', status: 412, code: 'PreconditionFailed' });
  assert.equal(e.Condition, 'If-None-Match');
  assert.match(e.RequestId ?? '', /^[0-9A-Z]{16}$/);
  assert.equal(e.$retryable, undefined, '412 is not retried');
  assert.equal(e.$metadata.attempts, 1);
  assert.equal((await getBytes({ Bucket, Key })).body.toString(), '{"ID":"a"}');
  await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  const again = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'c', IfNoneMatch: '*' }));
  assert.equal(again.$metadata.httpStatusCode, 200, 'free again after the delete');
});

test('PutObject If-Match: right, wrong, missing key', async () => {
  const Bucket = await freshBucket('im');
  const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v1' }));
  const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v2', IfMatch: v1.ETag }));
  assert.equal(v2.ETag, quoted('v2'));
  const e = await expectError(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v3', IfMatch: v1.ETag })),
    { name: 'PreconditionFailed', status: 412, code: 'PreconditionFailed' });
  assert.equal(e.Condition, 'If-Match');
  const unquoted = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v4', IfMatch: md5('v2') }));
  assert.equal(unquoted.ETag, quoted('v4'), 'If-Match ignores missing quotes');
  const m = await expectError(s3.send(new PutObjectCommand({ Bucket, Key: 'nope', Body: 'x', IfMatch: v1.ETag })),
    { name: 'NoSuchKey', status: 404, code: 'NoSuchKey' });
  assert.equal(m.Key, 'nope');
  assert.equal((await getBytes({ Bucket, Key: 'k' })).body.toString(), 'v4');
});

test('501 NotImplemented: unsupported conditional values and subresources', async () => {
  const Bucket = await freshBucket('nimpl');
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
  const cases = [
    [{ IfNoneMatch: '"abc"' }, 'If-None-Match'],
    [{ IfMatch: '*' }, 'If-Match'],
    [{ IfMatch: quoted('x'), IfNoneMatch: '*' }, 'If-Match,If-None-Match'],
  ];
  for (const [cond, header] of cases) {
    for (const Key of ['k', 'absent']) {
      const e = await expectError(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'y', ...cond })),
        { name: 'NotImplemented', status: 501, code: 'NotImplemented' });
      assert.equal(e.Header, header);
      assert.equal(e.$metadata.attempts, 1, '501 is not retried');
    }
  }
  assert.equal((await getBytes({ Bucket, Key: 'k' })).body.toString(), 'x', 'nothing was written');
  await expectError(s3.send(new GetObjectCommand({ Bucket, Key: 'absent' })), { name: 'NoSuchKey', status: 404 });
  await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'c', CopySource: `${Bucket}/k`, IfNoneMatch: '"abc"' })),
    { name: 'NotImplemented', status: 501 });
  await expectError(s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' })),
    { name: 'NotImplemented', status: 501, code: 'NotImplemented' });
  await expectError(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
    { name: 'NotImplemented', status: 501 });
});

test('DeleteObject: plain, If-Match right and wrong, missing key', async () => {
  const Bucket = await freshBucket('del');
  const p = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
  const e = await expectError(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', IfMatch: quoted('other') })),
    { name: 'PreconditionFailed', status: 412, code: 'PreconditionFailed' });
  assert.equal(e.Condition, 'If-Match');
  const d = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', IfMatch: p.ETag }));
  assert.equal(d.$metadata.httpStatusCode, 204);
  await expectError(s3.send(new GetObjectCommand({ Bucket, Key: 'k' })), { name: 'NoSuchKey', status: 404 });
  const again = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
  assert.equal(again.$metadata.httpStatusCode, 204, 'deleting a missing key is 204');
  await expectError(s3.send(new DeleteObjectCommand({ Bucket: `${Bucket}-nope`, Key: 'k' })),
    { name: 'NoSuchBucket', status: 404 });
});

test('DeleteObjects: verbose, Quiet, per-object ETag', async () => {
  const Bucket = await freshBucket('delmulti');
  const etags = {};
  for (const k of ['a', 'b', 'c', 'd', 'e']) {
    etags[k] = (await s3.send(new PutObjectCommand({ Bucket, Key: k, Body: `body-${k}` }))).ETag;
  }
  const v = await s3.send(new DeleteObjectsCommand({
    Bucket,
    Delete: { Objects: [{ Key: 'a' }, { Key: 'b', ETag: etags.b }, { Key: 'c', ETag: quoted('wrong') }, { Key: 'zz' }] },
  }));
  assert.deepEqual(v.Deleted.map((x) => x.Key).sort(), ['a', 'b', 'zz']);
  assert.equal(v.Errors.length, 1);
  assert.equal(v.Errors[0].Key, 'c');
  assert.equal(v.Errors[0].Code, 'PreconditionFailed');
  const q = await s3.send(new DeleteObjectsCommand({
    Bucket, Delete: { Quiet: true, Objects: [{ Key: 'd' }, { Key: 'e', ETag: quoted('wrong') }] },
  }));
  assert.equal(q.Deleted, undefined, 'Quiet lists no successes');
  assert.deepEqual(q.Errors.map((x) => [x.Key, x.Code]), [['e', 'PreconditionFailed']]);
  const left = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.deepEqual(left.Contents.map((x) => x.Key), ['c', 'e']);
});

test('CopyObject: copy, metadata directive, copy-source conditions, destination conditions', async () => {
  const Bucket = await freshBucket('copy');
  const data = randomBytes(5000);
  const src = await s3.send(new PutObjectCommand({
    Bucket, Key: 'src', Body: data, ContentType: 'text/x-src', Metadata: { a: '1' },
  }));
  const CopySource = `${Bucket}/src`;
  const { LastModified: srcMtime } = await s3.send(new HeadObjectCommand({ Bucket, Key: 'src' }));
  const c = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource }));
  assert.equal(c.CopyObjectResult.ETag, src.ETag);
  assert.ok(c.CopyObjectResult.LastModified instanceof Date);
  let got = await getBytes({ Bucket, Key: 'dst' });
  assert.deepEqual(got.body, data);
  assert.equal(got.r.ContentType, 'text/x-src');
  assert.deepEqual(got.r.Metadata, { a: '1' });
  await s3.send(new CopyObjectCommand({
    Bucket, Key: 'dst', CopySource, MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { b: '2' },
  }));
  got = await getBytes({ Bucket, Key: 'dst' });
  assert.equal(got.r.ContentType, 'text/x-new');
  assert.deepEqual(got.r.Metadata, { b: '2' });
  const past = new Date(Date.now() - 3600e3);
  const future = new Date(Date.now() + 3600e3);
  const okConds = [
    { CopySourceIfMatch: src.ETag }, { CopySourceIfNoneMatch: quoted('other') },
    { CopySourceIfModifiedSince: past }, { CopySourceIfUnmodifiedSince: future },
    { CopySourceIfMatch: src.ETag, CopySourceIfUnmodifiedSince: past },
  ];
  for (const cond of okConds) {
    const r = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst2', CopySource, ...cond }));
    assert.equal(r.CopyObjectResult.ETag, src.ETag, JSON.stringify(cond));
  }
  const badConds = [
    [{ CopySourceIfMatch: quoted('other') }, 'x-amz-copy-source-If-Match'],
    [{ CopySourceIfNoneMatch: src.ETag }, 'x-amz-copy-source-If-None-Match'],
    [{ CopySourceIfUnmodifiedSince: past }, 'x-amz-copy-source-If-Unmodified-Since'],
    [{ CopySourceIfModifiedSince: srcMtime }, 'x-amz-copy-source-If-Modified-Since'],
  ];
  for (const [cond, name] of badConds) {
    const e = await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst3', CopySource, ...cond })),
      { name: 'PreconditionFailed', status: 412, code: 'PreconditionFailed' });
    assert.equal(e.Condition, name);
  }
  const inm = await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource, IfNoneMatch: '*' })),
    { name: 'PreconditionFailed', status: 412 });
  assert.equal(inm.Condition, 'If-None-Match');
  const fresh = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst4', CopySource, IfNoneMatch: '*' }));
  assert.equal(fresh.$metadata.httpStatusCode, 200);
  const dstEtag = (await s3.send(new HeadObjectCommand({ Bucket, Key: 'dst4' }))).ETag;
  await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst4', CopySource, IfMatch: dstEtag }));
  await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst4', CopySource, IfMatch: quoted('zz') })),
    { name: 'PreconditionFailed', status: 412 });
  await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'absent', CopySource, IfMatch: dstEtag })),
    { name: 'NoSuchKey', status: 404 });
  await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'x', CopySource: `${Bucket}/nope` })),
    { name: 'NoSuchKey', status: 404 });
  await expectError(s3.send(new CopyObjectCommand({ Bucket, Key: 'src', CopySource })),
    { name: 'InvalidRequest', status: 400 });
  const special = 'dir/ä b+c?.txt';
  await s3.send(new PutObjectCommand({ Bucket, Key: special, Body: 'sp' }));
  await s3.send(new CopyObjectCommand({ Bucket, Key: 'sp-copy', CopySource: `${Bucket}/${encodeURIComponent(special)}` }));
  assert.equal((await getBytes({ Bucket, Key: 'sp-copy' })).body.toString(), 'sp');
});

test('ListObjectsV2: paginator over 2,500 keys, prefix, delimiter, StartAfter', async () => {
  const Bucket = await freshBucket('list');
  const keys = Array.from({ length: 2500 }, (_, i) => `obj/${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }))));
  }
  for (const Key of ['a/1', 'a/2', 'a/b/3', 'b/1', 'top']) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
  }
  const seen = [];
  const pageSizes = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket, Prefix: 'obj/' })) {
    pageSizes.push(page.KeyCount);
    for (const o of page.Contents ?? []) {
      seen.push(o.Key);
      assert.equal(o.Size, o.Key.length);
      assert.equal(o.ETag, quoted(o.Key));
    }
  }
  assert.deepEqual(pageSizes, [1000, 1000, 500]);
  assert.deepEqual(seen, keys);
  const small = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 333 }, { Bucket, Prefix: 'obj/00' })) {
    small.push(...page.Contents.map((o) => o.Key));
    assert.ok(page.KeyCount <= 333);
  }
  assert.deepEqual(small, keys.slice(0, 1000));
  const d = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
  assert.deepEqual(d.CommonPrefixes.map((p) => p.Prefix), ['a/', 'b/', 'obj/']);
  assert.deepEqual(d.Contents.map((o) => o.Key), ['top']);
  assert.equal(d.KeyCount, 4);
  assert.equal(d.IsTruncated, false);
  const a = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/', Delimiter: '/' }));
  assert.deepEqual(a.Contents.map((o) => o.Key), ['a/1', 'a/2']);
  assert.deepEqual(a.CommonPrefixes.map((p) => p.Prefix), ['a/b/']);
  const sa = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'obj/02497' }));
  assert.deepEqual(sa.Contents.map((o) => o.Key), ['obj/02498', 'obj/02499', 'top']);
  const none = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'zzz' }));
  assert.equal(none.KeyCount, 0);
  assert.equal(none.Contents, undefined);
  await expectError(s3.send(new ListObjectsV2Command({ Bucket: `${Bucket}-nope` })), { name: 'NoSuchBucket', status: 404 });
});

test('ListObjects (v1): markers, delimiter, owner', async () => {
  const Bucket = await freshBucket('listv1');
  const keys = ['a/1', 'a/2', 'b', 'c/x/y', 'd'];
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
  const all = await s3.send(new ListObjectsCommand({ Bucket }));
  assert.deepEqual(all.Contents.map((o) => o.Key), keys);
  assert.ok(all.Contents[0].Owner?.ID, 'v1 lists the owner');
  assert.equal(all.IsTruncated, false);
  const p1 = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 2 }));
  assert.equal(p1.IsTruncated, true);
  assert.deepEqual(p1.Contents.map((o) => o.Key), ['a/1', 'a/2']);
  const p2 = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 2, Marker: 'a/2' }));
  assert.deepEqual(p2.Contents.map((o) => o.Key), ['b', 'c/x/y']);
  const d = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', MaxKeys: 2 }));
  assert.deepEqual(d.CommonPrefixes.map((p) => p.Prefix), ['a/']);
  assert.deepEqual(d.Contents.map((o) => o.Key), ['b']);
  assert.equal(d.IsTruncated, true);
  assert.equal(d.NextMarker, 'b');
  const d2 = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', Marker: d.NextMarker }));
  assert.deepEqual(d2.CommonPrefixes.map((p) => p.Prefix), ['c/']);
  assert.deepEqual(d2.Contents.map((o) => o.Key), ['d']);
});

test('keys that need escaping round-trip through put, get, list and delete', async () => {
  const Bucket = await freshBucket('keys');
  const keys = ['sp ace', 'plus+sign', 'pct%20lit', 'ümlaut/ß', 'q?mark', 'amp&eq=', 'tilde~*', 'semi;colon',
    'a//b', '/lead', 'dir/', 'x/./y', 'x/../y', '..', 'emoji😀', '%2F', 'tab\there', 'new\nline'];
  for (const Key of keys) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    assert.equal((await getBytes({ Bucket, Key })).body.toString(), Key, Key);
  }
  const l = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.deepEqual(l.Contents.map((o) => o.Key), [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  const d = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  assert.equal(d.Deleted.length, keys.length);
});

test('HeadObject Range, response-* overrides, FetchOwner', async () => {
  const Bucket = await freshBucket('misc');
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: '0123456789', ContentType: 'text/plain' }));
  const h = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', Range: 'bytes=2-4' }));
  assert.equal(h.$metadata.httpStatusCode, 206);
  assert.equal(h.ContentLength, 3);
  assert.equal(h.ContentRange, 'bytes 2-4/10');
  const o = await s3.send(new GetObjectCommand({
    Bucket, Key: 'k', ResponseContentType: 'text/x-over', ResponseCacheControl: 'no-cache',
    ResponseContentDisposition: 'attachment; filename="k.txt"',
  }));
  assert.equal(o.ContentType, 'text/x-over');
  assert.equal(o.CacheControl, 'no-cache');
  assert.equal(o.ContentDisposition, 'attachment; filename="k.txt"');
  assert.equal(await o.Body.transformToString(), '0123456789');
  const l = await s3.send(new ListObjectsV2Command({ Bucket, FetchOwner: true }));
  assert.ok(l.Contents[0].Owner?.ID);
  const n = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.equal(n.Contents[0].Owner, undefined, 'no owner without FetchOwner');
  assert.equal(n.Contents[0].StorageClass, 'STANDARD');
  // partNumber=1 of an object uploaded in one part is the whole object
  const part = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', PartNumber: 1 }));
  assert.equal(await part.Body.transformToString(), '0123456789');
});
