// `npm run bench -- emulator [--users N] [--messages N] [--seconds N] [--concurrency N] [--quick]
// [--json]`: measures (1) how long the emulator takes to generate a 100-user × 1,000-message domain
// and (2) messages.get?format=raw throughput with quotas off, against a reference in the same run:
// a bare node:http server answering pre-rendered bodies of the same sizes. Each server runs in its
// own process (one core each); the load generator runs here with keep-alive connections.
import { type ChildProcess, fork } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'emulator',
  {
    role: { type: 'string' },
    users: { type: 'string', default: '100' },
    messages: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    work: { type: 'string' },
  },
  { users: '20', messages: '100', seconds: '2' },
);

const SCOPES = ['https://www.googleapis.com/auth/gmail.modify'];

async function serveEmulator(): Promise<void> {
  const { startEmulator } = await import('../packages/emulator/src/index.ts');
  const started = performance.now();
  const emulator = await startEmulator({
    seed: 'bench',
    domain: 'bench.test',
    users: Number(values.users),
    oidc: false,
    generate: { messagesPerUser: Number(values.messages), filesPerUser: 20, eventsPerUser: 10, contactsPerUser: 10 },
  });
  const generateMs = performance.now() - started;
  const accounts = emulator.control.listAccounts('bench.test').map((a) => a.email);
  process.send?.({
    url: emulator.url,
    key: emulator.serviceAccountKey,
    accounts,
    generateMs,
    rss: process.memoryUsage().rss,
  });
}

async function serveReference(): Promise<void> {
  const bodies = (JSON.parse(readFileSync(String(values.work), 'utf8')) as string[]).map((b) => Buffer.from(b));
  let next = 0;
  const server = createServer((_req, res) => {
    const body = bodies[next++ % bodies.length] ?? Buffer.alloc(0);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  });
}

function child(
  role: string,
  extra: string[] = [],
): Promise<{ process: ChildProcess; message: Record<string, unknown> }> {
  const proc = fork(new URL(import.meta.url).pathname, ['--role', role, ...extra], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv:
      role === 'emulator' && process.env.BENCH_CPU_PROFILE
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE]
        : [],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => resolve({ process: proc, message: message as Record<string, unknown> }));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function get(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number; body?: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getBody(url: string, headers: Record<string, string>): Promise<Buffer> {
  const response = await fetch(url, { headers });
  return Buffer.from(await response.arrayBuffer());
}

async function tokenFor(url: string, key: { client_email: string; private_key: string }, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const claims = Buffer.from(
    JSON.stringify({
      iss: key.client_email,
      sub,
      scope: SCOPES.join(' '),
      aud: 'https://oauth2.googleapis.com/token',
      iat: now,
      exp: now + 3600,
    }),
  ).toString('base64url');
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key).toString('base64url');
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${header}.${claims}.${signature}`,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function load(targets: { url: string; headers: Record<string, string> }[], seconds: number, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  let index = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const target = targets[index++ % targets.length];
        if (!target) break;
        const result = await get(agent, target.url, target.headers);
        if (result.status !== 200) errors++;
        requests++;
        bytes += result.bytes;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    perSecond: requests / elapsed,
    mbPerSecond: bytes / elapsed / 1e6,
    averageKb: bytes / requests / 1000,
    errors,
    requests,
  };
}

/** Server CPU time (user + system, µs) of a child, to report throughput per CPU-second. */
function cpuOf(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const cpu = (message as { cpu?: { user: number; system: number } }).cpu;
      if (!cpu) return;
      proc.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    };
    proc.on('message', onMessage);
    proc.send('cpu');
  });
}

async function main(): Promise<void> {
  process.on('SIGINT', () => process.exit(0));
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  if (values.role === 'emulator') return serveEmulator();
  if (values.role === 'reference') return serveReference();
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const work = mkdtempSync(join(tmpdir(), 'safehold-bench-'));
  const children: ChildProcess[] = [];
  try {
    process.stdout.write(`Generating ${values.users} users × ${values.messages} messages in the emulator process...\n`);
    const emulator = await child('emulator', ['--users', String(values.users), '--messages', String(values.messages)]);
    children.push(emulator.process);
    const { url, key, accounts, generateMs, rss } = emulator.message as {
      url: string;
      key: { client_email: string; private_key: string };
      accounts: string[];
      generateMs: number;
      rss: number;
    };
    process.stdout.write(
      `  start + generation: ${(generateMs / 1000).toFixed(2)} s (target < 30 s, ratio ${(generateMs / 30000).toFixed(3)} of the budget), RSS ${(rss / 1e6).toFixed(0)} MB\n`,
    );

    const users = accounts.slice(0, 20);
    const targets: { url: string; headers: Record<string, string> }[] = [];
    for (const user of users) {
      const token = await tokenFor(url, key, user);
      const headers = { authorization: `Bearer ${token}` };
      let pageToken = '';
      do {
        const page = (await (
          await fetch(
            `${url}/gmail/v1/users/me/messages?maxResults=500&includeSpamTrash=true${pageToken ? `&pageToken=${pageToken}` : ''}`,
            { headers },
          )
        ).json()) as { messages?: { id: string }[]; nextPageToken?: string };
        for (const m of page.messages ?? [])
          targets.push({ url: `${url}/gmail/v1/users/me/messages/${m.id}?format=raw`, headers });
        pageToken = page.nextPageToken ?? '';
      } while (pageToken);
    }
    // Shuffle deterministically so consecutive requests hit different users and messages.
    for (let i = targets.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [targets[i], targets[j]] = [targets[j] as (typeof targets)[number], targets[i] as (typeof targets)[number]];
    }
    const sample: Buffer[] = [];
    for (let i = 0; i < 2000; i += 100)
      sample.push(...(await Promise.all(targets.slice(i, i + 100).map((t) => getBody(t.url, t.headers)))));
    const averageRaw =
      sample.reduce(
        (sum, b) => sum + ((JSON.parse(b.toString('utf8')) as { sizeEstimate: number }).sizeEstimate ?? 0),
        0,
      ) / sample.length;
    process.stdout.write(
      `  average RFC 822 message size over ${sample.length} messages: ${(averageRaw / 1000).toFixed(1)} KB\n`,
    );
    const bodiesFile = join(work, 'bodies.json');
    writeFileSync(bodiesFile, JSON.stringify(sample.map((b) => b.toString('utf8'))));
    const reference = await child('reference', ['--work', bodiesFile]);
    children.push(reference.process);
    const referenceUrl = String(reference.message.url);

    process.stdout.write(
      `Load: ${seconds} s each, ${concurrency} keep-alive connections, ${targets.length} distinct messages from ${users.length} users\n`,
    );
    await load(targets.slice(0, 2000), 1, concurrency); // warm-up
    const emuCpu0 = await cpuOf(emulator.process);
    const emu = await load(targets, seconds, concurrency);
    const emuCpu = ((await cpuOf(emulator.process)) - emuCpu0) / 1e6;
    const refCpu0 = await cpuOf(reference.process);
    const refTargets = targets.map((t) => ({ url: `${referenceUrl}/x`, headers: t.headers }));
    const ref = await load(refTargets, seconds, concurrency);
    const refCpu = ((await cpuOf(reference.process)) - refCpu0) / 1e6;
    const row = (name: string, r: typeof emu, cpu: number) =>
      `  ${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)} req/s wall  ${(r.requests / cpu).toFixed(0).padStart(6)} req per server CPU-second  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s  avg ${r.averageKb.toFixed(1)} KB  errors ${r.errors}\n`;
    process.stdout.write(row('emulator messages.get?format=raw', emu, emuCpu));
    process.stdout.write(row('reference bare node:http', ref, refCpu));
    const perCpu = emu.requests / emuCpu / (ref.requests / refCpu);
    process.stdout.write(
      `  ratio emulator/reference: ${(emu.perSecond / ref.perSecond).toFixed(2)} wall, ${perCpu.toFixed(2)} per CPU-second (target: >= 2000 req/s on one core)\n`,
    );
    report({
      users: Number(values.users),
      messages: Number(values.messages),
      generateSeconds: rounded(generateMs / 1000),
      requestsPerSecond: Math.round(emu.perSecond),
      requestsPerCpuSecond: Math.round(emu.requests / emuCpu),
      referenceRequestsPerSecond: Math.round(ref.perSecond),
      referenceRequestsPerCpuSecond: Math.round(ref.requests / refCpu),
      wallRatio: rounded(emu.perSecond / ref.perSecond),
      cpuRatio: rounded(perCpu),
      errors: emu.errors,
    });
  } finally {
    for (const proc of children) proc.kill('SIGINT');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
