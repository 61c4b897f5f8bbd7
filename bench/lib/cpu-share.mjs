// Who else had the CPUs while something was timed: the kernel's own accounting (/proc/stat, Linux
// only) of the whole machine's busy time, less this process's (process.cpuUsage, all its threads),
// and the time the hypervisor took (steal). A benchmark that reads these around its timed blocks
// can tell load it can see (other processes on this machine, steal) from load it cannot (another
// virtual machine on the same physical cores or caches: neither shows here, the timings only).
import { readFileSync } from 'node:fs';

export { cpuMark, cpuShare };

const TICKS_PER_S = 100;   // USER_HZ, 100 on Linux

/** A reading to take before the timed code; undefined where /proc/stat is missing. */
function cpuMark() {
  let fields;
  try {
    fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  } catch {
    return undefined;
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const u = process.cpuUsage();
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal, own: (u.user + u.system) / 1e6 * TICKS_PER_S };
}

/**
 * Between two marks, as fractions of the machine's CPU time: `others` (busy, not this process),
 * `steal`, `own` (this process). Undefined when either mark is.
 */
function cpuShare(a, b) {
  if (!a || !b) return undefined;
  const total = (b.busy - a.busy) + (b.idle - a.idle) + (b.steal - a.steal);
  if (total <= 0) return undefined;
  const own = b.own - a.own;
  return { others: Math.max(0, (b.busy - a.busy - own) / total), steal: (b.steal - a.steal) / total, own: own / total, ticks: total };
}
