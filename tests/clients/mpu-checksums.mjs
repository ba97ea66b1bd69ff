// Multipart checksums against an independent computation, with the AWS SDK for JavaScript v3:
//   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT node mpu-checksums.mjs
// For each algorithm / checksum type AWS allows, an upload of two parts in blob files (5 MiB
// and more) and a small last part is completed; the object's checksum in the completion's
// answer, on HEAD and on GET (x-amz-checksum-mode: ENABLED: the SDK checks a FULL_OBJECT
// checksum against the bytes it reads) must be what the SDK's own CRC / SHA code computes:
// FULL_OBJECT over the whole object, COMPOSITE over the parts' digests with "-N". One upload
// per algorithm sends its parts without any checksum (the server computes the part's CRC as
// the body arrives). Used by tests/suites/blobs; prints "N passed, N failed".
import { createHash, randomBytes } from 'node:crypto';
import {
  S3Client, CreateBucketCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand, HeadObjectCommand, GetObjectCommand,
} from '@aws-sdk/client-s3';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';

const endpoint = process.env.LOCKYARD_ENDPOINT;
if (!endpoint) throw new Error('LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)');
const base = {
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDLOCKYARDTEST', secretAccessKey: 'lockyard-test-secret' },
};
const s3 = new S3Client(base); // sends the checksums it computes
const bare = new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED' }); // none

const MIB = 1 << 20;
const parts = [randomBytes(5 * MIB + 11), randomBytes(5 * MIB + 5), randomBytes(77777)];
const whole = Buffer.concat(parts);

const digest = async (alg, bytes) => {
  if (alg === 'SHA256' || alg === 'SHA1') return createHash(alg.toLowerCase()).update(bytes).digest();
  const h = new { CRC32: Crc32, CRC32C: Crc32c, CRC64NVME: Crc64Nvme }[alg]();
  h.update(bytes);
  return Buffer.from(await h.digest());
};

const expected = async (alg, type) => {
  if (type === 'FULL_OBJECT') return (await digest(alg, whole)).toString('base64');
  const each = await Promise.all(parts.map((p) => digest(alg, p)));
  return `${(await digest(alg, Buffer.concat(each))).toString('base64')}-${parts.length}`;
};

const cases = [
  ['CRC64NVME', 'FULL_OBJECT'], ['CRC32', 'FULL_OBJECT'], ['CRC32C', 'FULL_OBJECT'],
  ['CRC32', 'COMPOSITE'], ['CRC32C', 'COMPOSITE'], ['SHA256', 'COMPOSITE'],
];
let passed = 0;
let failed = 0;
const Bucket = `mpu-ck-${process.pid}`;
await s3.send(new CreateBucketCommand({ Bucket }));

for (const [alg, type] of cases) {
  for (const sendParts of [true, false]) {
    const name = `${alg} ${type} ${sendParts ? 'with' : 'without'} part checksums`;
    try {
      const Key = `${alg}-${type}-${sendParts}`;
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({
        Bucket, Key, ChecksumAlgorithm: alg, ChecksumType: type,
      }));
      const done = [];
      for (let i = 0; i < parts.length; i++) {
        const client = sendParts ? s3 : bare;
        const r = await client.send(new UploadPartCommand({
          Bucket, Key, UploadId, PartNumber: i + 1, Body: parts[i],
          ...(sendParts ? { ChecksumAlgorithm: alg } : {}),
        }));
        done.push({ PartNumber: i + 1, ETag: r.ETag, [`Checksum${alg}`]: r[`Checksum${alg}`] });
      }
      const want = await expected(alg, type);
      const c = await s3.send(new CompleteMultipartUploadCommand({
        Bucket, Key, UploadId, MultipartUpload: { Parts: done },
      }));
      if (c[`Checksum${alg}`] !== want) throw new Error(`completion: ${c[`Checksum${alg}`]} != ${want}`);
      if (c.ChecksumType !== type) throw new Error(`completion type ${c.ChecksumType}`);
      const h = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      if (h[`Checksum${alg}`] !== want) throw new Error(`HEAD: ${h[`Checksum${alg}`]} != ${want}`);
      const g = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      const body = Buffer.from(await g.Body.transformToByteArray()); // validated by the SDK
      if (!body.equals(whole)) throw new Error('GET: the bytes differ');
      if (g[`Checksum${alg}`] !== want) throw new Error(`GET: ${g[`Checksum${alg}`]} != ${want}`);
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}: ${e.name}: ${e.message}`);
    }
  }
}
s3.destroy();
bare.destroy();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
