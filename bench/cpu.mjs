// CPU time of the processes under test, from /proc (Linux): a steadier measure than throughput on a
// shared 2-core machine, and the one Workers bills. A process's figure includes its descendants
// (Portkey runs as npx → node).
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state, ppid, … utime, stime.
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { name, ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return undefined; // gone meanwhile
  }
}

function processes() {
  const all = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (s) all.push({ pid: Number(entry), ...s });
  }
  return all;
}

/** Whether CPU time can be read here (/proc exists). */
export const cpuReadable = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/** The pids of this process's workerd children. */
export function workerdChildren() {
  return processes()
    .filter((p) => p.ppid === process.pid && p.name === 'workerd')
    .map((p) => p.pid);
}

/** User + system CPU ms used so far by `pid` and every process below it. */
export function treeCpuMs(pid) {
  const all = processes();
  const below = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!below.has(p.pid) && below.has(p.ppid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => below.has(p.pid)).reduce((sum, p) => sum + p.cpuMs, 0);
}
