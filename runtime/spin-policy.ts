// How long this process's worker threads spin before they sleep, across all its sessions.
//
// Spinning saves a futex wake (~0.1-0.3 ms on this VM) when a thread's next work comes soon: a
// waiter inside a kernel (barrier, other threads' chunks) polls up to 2^18 times, and an idle worker
// polls ~0.5 ms for the next run. But a spinning thread holds a core. When the process's pools
// have more workers than there are cores, a spinner takes the core from a thread that has work.
// One-off, MobileNetV2, four 2-thread sessions running at once on 2 cores, round-robin windows of
// modules with 2^18 and 2^10 polls in one process: 1.141x the runs/s with 2^10, and 0.916x with
// 2^10 for a single 2-thread session. So polls stay long while the workers fit, and drop when
// they do not.
//
// The rule, for each pool: contended while the workers of the busy pools (those with a run in
// flight), plus its own when it is idle, outnumber the cores. A contended pool's kernels poll
// CONTENDED_KERNEL_SPINS times before they sleep (the module's SPIN_LIMIT word), and its idle
// workers sleep at once. One 2-thread session on 2 cores is never contended; two 1-thread worker
// sessions on 2 cores neither; two 2-thread sessions are while both run.
//
// Idle workers also sleep at once when the process's pools together leave no core for the thread
// that calls run() (all their workers >= cores; a process's sessions mostly share it). Between two runs
// that thread has work on the critical path: its wake-up after the run, the outputs, the caller's
// code, the next run's inputs. With a spinning worker on every core it waits for one, and the
// workers' futex wake at the next run is the smaller cost. One-off, digits_cnn (~0.12 ms a run on
// the calling thread) on 2 workers (inlineWork 0), 2000 runs: p50 0.78-0.93 ms a run with idle
// spinning, 0.18 ms without (p99 31-73 ms against 4.5 ms); MobileNetV2 on 2 workers: no difference
// the machine's noise lets one see (time outside the kernels 0.72-0.89 ms a run either way, means
// of 300 runs in four probes).

export { joinSpinPolicy, CONTENDED_KERNEL_SPINS };
export type { SpinMember };

/** Polls before a waiter inside a kernel sleeps, when contended (the module's default is 2^18). */
const CONTENDED_KERNEL_SPINS = 1 << 10;

interface SpinMember {
  /** Marks a run in flight (true) or finished (false). */
  setBusy(busy: boolean): void;
  /** Whether this pool is contended now. */
  readonly contended: boolean;
  /** Whether this pool's idle workers sleep at once (contended, or the pools' workers leave no core for the caller). */
  readonly idleSleep: boolean;
  leave(): void;
}

/** What a pool's threads are told: kernels poll less when contended; idle workers sleep at once when idleSleep. */
type ApplySpins = (contended: boolean, idleSleep: boolean) => void;

interface Entry {
  threads: number;
  busy: boolean;
  contended: boolean;
  idleSleep: boolean;
  apply: ApplySpins;
}

const members = new Set<Entry>();
let cores = 1;

/**
 * A pool of `threads` workers joins the process's policy; `apply` is called with its state
 * whenever a pool starts or ends a run, joins or leaves (and once now).
 */
function joinSpinPolicy(threads: number, availableCores: number, apply: ApplySpins): SpinMember {
  cores = availableCores;
  const entry: Entry = { threads, busy: false, contended: false, idleSleep: false, apply };
  members.add(entry);
  rebalance();
  return {
    setBusy(busy: boolean) {
      entry.busy = busy;
      rebalance();
    },
    get contended() {
      return entry.contended;
    },
    get idleSleep() {
      return entry.idleSleep;
    },
    leave() {
      members.delete(entry);
      rebalance();
    },
  };
}

function rebalance(): void {
  let busyWorkers = 0, allWorkers = 0;
  for (const m of members) {
    if (m.busy) busyWorkers += m.threads;
    allWorkers += m.threads;
  }
  for (const m of members) {
    m.contended = busyWorkers + (m.busy ? 0 : m.threads) > cores;
    m.idleSleep = m.contended || allWorkers >= cores;
    m.apply(m.contended, m.idleSleep);
  }
}
