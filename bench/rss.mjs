// The memory the transfer benchmarks report: the RSS of the browser process that hosts the page
// (with its Web Workers and service worker), read from /proc every 100 ms while the work runs.
import { readdirSync, readFileSync } from 'node:fs';

/** @param {number} pid @returns {number} VmRSS in KiB, 0 once the process is gone */
function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * RSS (MiB) of this Chromium's largest renderer process: the one that hosts the page, its Web
 * Worker and its service worker. Chromium keeps spare renderers too; each maps the same ~55 MiB
 * of Chromium's own code, so a sum would count that several times and measure nothing of ours.
 * @param {import('playwright-core').CDPSession} browserCdp
 */
export async function chromiumRendererMiB(browserCdp) {
  const { processInfo } = /** @type {{ processInfo: { type: string, id: number }[] }} */ (
    await browserCdp.send('SystemInfo.getProcessInfo')
  );
  return Math.max(0, ...processInfo.filter((p) => p.type === 'renderer').map((p) => rssKiB(p.id))) / 1024;
}

/**
 * RSS (MiB) of the largest web content process ('-contentproc' with 'tab' in its command line)
 * among the descendants of Firefox's main process `rootPid`: the one hosting the page.
 * @param {number} rootPid
 */
export function firefoxContentMiB(rootPid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  /** @type {Map<number, string>} */
  const cmdlines = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      cmdlines.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // the process ended while we looked
    }
  }
  let kib = 0;
  const todo = [...(children.get(rootPid) ?? [])];
  while (todo.length) {
    const pid = /** @type {number} */ (todo.pop());
    todo.push(...(children.get(pid) ?? []));
    const cmd = cmdlines.get(pid) ?? '';
    if (cmd.includes('-contentproc') && / tab( |$)/.test(cmd)) kib = Math.max(kib, rssKiB(pid));
  }
  return kib / 1024;
}

/**
 * Runs `work` while sampling `rssMiB` every 100 ms (and `heapMiB`, where given).
 * @param {() => Promise<number>} rssMiB
 * @param {() => Promise<void>} work
 * @param {() => Promise<number>} [heapMiB]
 * @returns {Promise<{ ms: number, rss: number, heap: number, idle: number }>}
 */
export async function measured(rssMiB, work, heapMiB) {
  let rss = 0;
  let heap = 0;
  const sample = async () => {
    const now = await rssMiB();
    if (process.env.TRACE) process.stdout.write(`${now.toFixed(0)} `);
    rss = Math.max(rss, now);
    if (heapMiB) heap = Math.max(heap, await heapMiB());
  };
  const idle = await rssMiB();
  const timer = setInterval(() => void sample().catch(() => {}), 100);
  const start = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - start;
  await sample().catch(() => {});
  if (process.env.TRACE) process.stdout.write('\n');
  return { ms, rss, heap, idle };
}

/**
 * The samplers of one Chromium page: its renderer's RSS and its JS heap.
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').Page} page
 */
export async function chromiumSamplers(browser, page) {
  const cdp = await page.context().newCDPSession(page);
  const browserCdp = await browser.newBrowserCDPSession();
  await cdp.send('Performance.enable');
  return {
    rss: () => chromiumRendererMiB(browserCdp),
    heap: async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
    },
  };
}
