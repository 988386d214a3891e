// The end-to-end transfer benchmark: a file of --mib MiB (default 1024) uploaded through the
// share page and downloaded through the download page (both writers) on a fresh local stack,
// beside curl PUTting the same number of part-sized bytes straight to the same API. Prints
// MB/s each way and the browser's peak memory (renderer RSS, sampled from /proc, and the
// page's JS heap); asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, ROOT } from '../tests/support/stack.mjs';
import { launch, withSession, OPFS_PICKER, NO_PICKER } from '../tests/support/browser.mjs';
import { admin, asJson } from '../tests/support/accounts.mjs';
import { sd, call } from '../tests/support/client.mjs';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const MIB = Number(values.mib);
const BYTES = MIB * 1024 * 1024;
const MB = (/** @type {number} */ bytes, /** @type {number} */ ms) => bytes / 1e6 / (ms / 1000);

/**
 * RSS (MiB) of this browser's largest renderer process: the one that hosts the page, its Web
 * Worker and its service worker. Chromium keeps spare renderers too; each maps the same ~55 MiB
 * of Chromium's own code, so a sum would count that several times and measure nothing of ours.
 * @param {import('playwright-core').CDPSession} browserCdp
 */
async function rendererRssMiB(browserCdp) {
  const { processInfo } = /** @type {{ processInfo: { type: string, id: number }[] }} */ (
    await browserCdp.send('SystemInfo.getProcessInfo')
  );
  let kib = 0;
  for (const { id } of processInfo.filter((p) => p.type === 'renderer')) {
    try {
      kib = Math.max(kib, Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // the process ended while we looked
    }
  }
  return kib / 1024;
}

/**
 * Runs `work` while sampling the renderer RSS and the page's JS heap every 100 ms.
 * @param {import('playwright-core').Page} page
 * @param {() => Promise<void>} work
 */
async function measured(page, work) {
  const cdp = await page.context().newCDPSession(page);
  const browserCdp = await browser.newBrowserCDPSession();
  await cdp.send('Performance.enable');
  let rss = 0;
  let heap = 0;
  const sample = async () => {
    const now = await rendererRssMiB(browserCdp);
    if (process.env.TRACE) process.stdout.write(`${now.toFixed(0)} `);
    rss = Math.max(rss, now);
    const { metrics } = await cdp.send('Performance.getMetrics');
    const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    heap = Math.max(heap, used / 1024 / 1024);
  };
  const idle = await rendererRssMiB(browserCdp);
  const timer = setInterval(() => void sample().catch(() => {}), 100);
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  clearInterval(timer);
  await sample().catch(() => {});
  return { ms, rss, heap, idle };
}

const dir = mkdtempSync(join(tmpdir(), 'sealdrop-bench-'));
const file = join(dir, `bench-${MIB}MiB.bin`);
const fd = openSync(file, 'w');
for (let left = BYTES; left > 0; left -= 64 * 1024 * 1024) writeSync(fd, randomBytes(Math.min(left, 64 * 1024 * 1024)));
closeSync(fd);

const stack = await startStack({
  port: 8798,
  stateDir: join(ROOT, '.wrangler/bench/state'),
  logFile: join(ROOT, '.wrangler/bench/wrangler.log'),
});
const browser = await launch();
// Shares are made by a signed-in person: the stack's first admin, through its setup link.
const staff = await admin({ base: stack.url, stateDir: stack.stateDir });
/** @type {string[][]} */
const rows = [];
try {
  // curl: the same payload size, cut into the same parts, PUT to the same endpoint.
  const log2 = sd.defaultLog2Chunk();
  const layout = sd.uploadLayout(BYTES, log2, 0);
  const header = new Uint8Array(56);
  header.set([0x53, 0x44, 0x52, 0x50, 0x01, log2]);
  const created = await call(`${stack.url}/api/shares`, {
    method: 'POST',
    headers: asJson(staff),
    body: JSON.stringify({
      auth_key_hash: sd.b64Encode(new Uint8Array(32)),
      password: null,
      expires_at: Date.now() + 24 * 3600 * 1000,
      max_downloads: null,
      files: [
        {
          header: sd.b64Encode(header),
          metadata: sd.b64Encode(new Uint8Array(284)),
          payload_size: layout.payloadSize,
          chunks_per_part: layout.chunksPerPart,
        },
      ],
    }),
  });
  const { id, owner_token: owner } = created.body;
  const partsDir = join(dir, 'parts');
  execFileSync('mkdir', ['-p', partsDir]);
  // The payload is the file's bytes plus 16 per chunk; the tail of the last part is padded.
  execFileSync('sh', [
    '-c',
    `head -c ${layout.payloadSize} /dev/urandom | split -b ${layout.partSize} -d -a 5 - ${partsDir}/p`,
  ]);
  const args = ['-sS', '--fail', '-H', 'Expect:', '-H', `Authorization: Bearer ${owner}`];
  args.push('-H', `Sealdrop-Part-Blake3: ${'0'.repeat(64)}`, '--parallel', '--parallel-max', '3');
  for (let n = 1; n <= layout.partCount; n++) {
    const part = join(partsDir, `p${String(n - 1).padStart(5, '0')}`);
    args.push('-o', '/dev/null', '-T', part, `${stack.url}/api/shares/${id}/files/0/parts/${n}`);
  }
  const curlStart = performance.now();
  const curl = spawnSync('curl', args, { stdio: 'inherit' });
  const curlMs = performance.now() - curlStart;
  if (curl.status !== 0) throw new Error('curl failed');
  rmSync(partsDir, { recursive: true });
  rows.push(['curl PUT, 3 parts in flight', MB(layout.payloadSize, curlMs).toFixed(0), '-', '-']);

  // The share page.
  const up = await browser.newContext();
  await withSession(up, staff);
  const page = await up.newPage();
  await page.goto(`${stack.url}/`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file-input', file);
  // Both writers download the same link.
  await page.click('#options summary');
  await page.check('#unlimited');
  const upload = await measured(page, async () => {
    await page.click('#share-button');
    await page.waitForSelector('body[data-state="done"]', { timeout: 0 });
  });
  const link = await page.inputValue('#share-link');
  await up.close();
  rows.push([
    'page upload (seal + PUT)',
    MB(BYTES, upload.ms).toFixed(0),
    `${upload.rss.toFixed(0)} (idle ${upload.idle.toFixed(0)})`,
    upload.heap.toFixed(0),
  ]);

  // The download page, through each writer.
  for (const [writer, init] of /** @type {const} */ ([
    ['File System Access', OPFS_PICKER],
    ['service worker', NO_PICKER],
  ])) {
    const down = await browser.newContext({ acceptDownloads: true });
    const dpage = await down.newPage();
    await dpage.addInitScript(init);
    await dpage.goto(link);
    await dpage.click('#reveal');
    await dpage.waitForSelector('body[data-state="ready"]');
    const result = await measured(dpage, async () => {
      const downloaded = writer === 'service worker' ? dpage.waitForEvent('download') : null;
      await dpage.click('li[data-j="0"] button');
      if (downloaded) await (await downloaded).path();
      await dpage.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 0 });
    });
    await down.close();
    rows.push([
      `page download (${writer})`,
      MB(BYTES, result.ms).toFixed(0),
      `${result.rss.toFixed(0)} (idle ${result.idle.toFixed(0)})`,
      result.heap.toFixed(0),
    ]);
  }
} finally {
  await browser.close();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${MIB} MiB on the local stack (wrangler dev), Chromium headless:\n`);
const head = ['transfer', 'MB/s', 'peak renderer RSS (MiB)', 'peak page JS heap (MiB)'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [head, widths.map((w) => '-'.repeat(w)), ...rows]) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}
