/** Memory of a server's whole process tree (postmaster and backends, or the Node process hosting PGlite), from /proc. */
import { readdir, readFile } from "node:fs/promises";

/** All processes of the tree rooted at `pid`. */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

async function kb(file: string, field: string): Promise<number> {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(await readFile(file, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process tree: RSS summed, and PSS summed (shared pages split fairly). */
export async function memoryOf(pid: number): Promise<{ rssMb: number; pssMb: number; processes: number }> {
  const pids = await processTree(pid);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += await kb(`/proc/${p}/status`, "VmRSS");
    pss += await kb(`/proc/${p}/smaps_rollup`, "Pss");
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes: pids.length };
}

/** Samples a tree's memory every 25 ms until stopped; returns the peaks. */
export function memorySampler(pid: number) {
  let peakRss = 0;
  let peakPss = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await memoryOf(pid);
      peakRss = Math.max(peakRss, m.rssMb);
      peakPss = Math.max(peakPss, m.pssMb);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakRss, peakPss };
    },
  };
}
