// Race test: CLIENTS concurrent clients PUT the same key with If-None-Match: * and distinct
// bodies, ROUNDS times (the key is deleted between rounds). Each round must give exactly one
// 200 and CLIENTS-1 × 412 PreconditionFailed (If-None-Match), and a GET must return the
// winner's body and ETag.
//   LOCKYARD_ENDPOINT=http://127.0.0.1:PORT node race.mjs [--clients 32] [--rounds 100]
// Real concurrency: every client owns one keep-alive connection, opened before the first
// round. In a round every client first sends its request head and half its body, so all the
// requests are in flight together and none can complete; then the second halves are sent in a
// shuffled order, so which writer finishes first (and must win) changes from round to round.
// Requests are signed with SigV4 (dummy key) like an SDK's. Ends with "N passed, N failed".
import http from 'node:http';
import https from 'node:https';
import { createHash, createHmac } from 'node:crypto';

const endpoint = new URL(process.env.LOCKYARD_ENDPOINT ?? '');
// https:// endpoints trust NODE_EXTRA_CA_CERTS (lockyard's generated certificate).
const proto = endpoint.protocol === 'https:' ? https : http;
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CLIENTS = arg('clients', 32);
const ROUNDS = arg('rounds', 100);
const BUCKET = `race-${process.pid}`;
const KEY = 'env/prod/terraform.tfstate.tflock';
const AKID = 'AKIDLOCKYARDRACE';
const SECRET = 'lockyard-race-secret';

const sha256 = (d) => createHash('sha256').update(d).digest('hex');
const hmac = (k, d) => createHmac('sha256', k).update(d).digest();
const encodePath = (p) => p.split('/').map((s) => encodeURIComponent(s)).join('/');

/** SigV4 headers for a path-style S3 request (header-based, signed payload hash). */
function sign(method, path, headers, body) {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const h = { ...headers, host: endpoint.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': sha256(body) };
  const names = Object.keys(h).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const canonical = [method, path, '', ...names.map((n) => `${n}:${lower[n]}`), '', names.join(';'),
    lower['x-amz-content-sha256']].join('\n');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let k = hmac(`AWS4${SECRET}`, day);
  for (const part of ['us-east-1', 's3', 'aws4_request']) k = hmac(k, part);
  const sig = createHmac('sha256', k).update(toSign).digest('hex');
  h.authorization = `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  return h;
}

/** Starts a request; returns {req, done} where done resolves to {status, headers, body, socket}. */
function start(agent, method, path, headers = {}, body = Buffer.alloc(0)) {
  const h = sign(method, path, { ...headers, 'content-length': body.length }, body);
  const req = proto.request({ host: endpoint.hostname, port: endpoint.port, method, path, headers: h, agent });
  const done = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString(), socket: req.socket, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return { req, done };
}
const simple = (agent, method, path, headers, body) => {
  const r = start(agent, method, path, headers, body);
  r.req.end(body);
  return r.done;
};

const shuffle = (a) => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const tick = () => new Promise((r) => setTimeout(r, 2));

let passed = 0;
let failed = 0;
const fail = (msg) => { failed++; console.log(`FAIL: ${msg}`); };

async function round(agents, r) {
  const path = `/${BUCKET}/${encodePath(KEY)}`;
  const bodies = agents.map((_, i) => Buffer.from(JSON.stringify({
    ID: `round-${r}-client-${i}-${'x'.repeat(100 + ((i * 37) % 400))}`, Operation: 'OperationTypeApply',
  })));
  let answeredEarly = 0;
  const reqs = agents.map((agent, i) => {
    const q = start(agent, 'PUT', path, { 'if-none-match': '*', 'content-type': 'application/json' }, bodies[i]);
    q.done.then(() => { if (!q.allSent) answeredEarly++; }, () => {});
    q.req.write(bodies[i].subarray(0, bodies[i].length >> 1));
    return q;
  });
  await tick(); // every head and first half is on the wire
  for (const i of shuffle([...reqs.keys()])) {
    reqs[i].allSent = true;
    reqs[i].req.end(bodies[i].subarray(bodies[i].length >> 1));
  }
  const res = await Promise.all(reqs.map((q) => q.done));
  const winners = res.map((x, i) => (x.status === 200 ? i : -1)).filter((i) => i >= 0);
  const losers = res.filter((x) => x.status === 412 && x.body.includes('<Code>PreconditionFailed</Code>')
    && x.body.includes('<Condition>If-None-Match</Condition>'));
  const ports = new Set(res.map((x) => x.socket.localPort));
  const problems = [];
  if (winners.length !== 1) problems.push(`${winners.length} winners (statuses ${res.map((x) => x.status).join(',')})`);
  if (losers.length !== agents.length - 1) problems.push(`${losers.length} well-formed 412s, wanted ${agents.length - 1}`);
  if (ports.size !== agents.length) problems.push(`only ${ports.size} distinct connections`);
  if (answeredEarly) problems.push(`${answeredEarly} answers before their body was complete`);
  if (res.some((x) => !x.reused)) problems.push('a connection was not reused (keep-alive lost)');
  const get = await simple(agents[0], 'GET', path);
  if (winners.length === 1) {
    const w = winners[0];
    if (get.status !== 200 || get.body !== bodies[w].toString()) problems.push(`GET returned ${get.status} ${get.body.slice(0, 60)}…, not client ${w}'s body`);
    if (get.headers.etag !== res[w].headers.etag) problems.push(`GET ETag ${get.headers.etag} != winner's ${res[w].headers.etag}`);
  }
  const del = await simple(agents[0], 'DELETE', path);
  if (del.status !== 204) problems.push(`DELETE answered ${del.status}`);
  if (problems.length) fail(`round ${r}: ${problems.join('; ')}`);
  else passed++;
  return winners[0];
}

async function main() {
  if (!endpoint.port) throw new Error('LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)');
  const agents = Array.from({ length: CLIENTS }, () => new proto.Agent({ keepAlive: true, maxSockets: 1 }));
  const mk = await simple(agents[0], 'PUT', `/${BUCKET}`);
  if (mk.status !== 200) throw new Error(`CreateBucket answered ${mk.status}: ${mk.body}`);
  // Open every connection before the first round.
  const warm = await Promise.all(agents.map((a) => simple(a, 'HEAD', `/${BUCKET}`)));
  if (warm.every((x) => x.status === 200) && new Set(warm.map((x) => x.socket.localPort)).size === CLIENTS) passed++;
  else fail(`warm-up: ${warm.map((x) => x.status).join(',')}`);
  const wins = new Map();
  const t0 = Date.now();
  for (let r = 0; r < ROUNDS; r++) {
    const w = await round(agents, r);
    wins.set(w, (wins.get(w) ?? 0) + 1);
  }
  const ms = Date.now() - t0;
  console.log(`${CLIENTS} clients × ${ROUNDS} rounds in ${ms} ms; ${wins.size} distinct winners ` +
    `(most wins by one client: ${Math.max(...wins.values())})`);
  // With shuffled completion order a server that always let the same connection win would be
  // suspicious (e.g. evaluating conditions before the body arrived, in arrival order).
  if (ROUNDS >= 20 && wins.size < 3) fail(`only ${wins.size} distinct winners over ${ROUNDS} rounds`);
  else passed++;
  await simple(agents[0], 'DELETE', `/${BUCKET}`);
  agents.forEach((a) => a.destroy());
}

main().catch((e) => fail(`race: ${e.stack ?? e}`)).finally(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
});
