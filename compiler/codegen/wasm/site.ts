// The words of a scheduling site: the counters one dynamically scheduled loop keeps in the
// module's sched region (sched.ts), SITE_BYTES per site, zeroed by the runtime before each
// multi-threaded run.

export { SITE_BYTES, CLAIM, DONE, CHUNKS, SLEEPERS, MAX_LANES, BACK, WAIT_NS };

const SITE_BYTES = 64;
/**
 * Byte offsets in a site: the claim lanes; finished chunks; and, for a loop the next kernel
 * follows by group (dataflow.ts), its chunk count and how many of the next kernel's threads sleep
 * waiting for its groups.
 */
const CLAIM = 0, DONE = 32, CHUNKS = 36, SLEEPERS = 40;
/** Claim lanes per site: one i32 word each below DONE, [front claims | back claims << 16]. */
const MAX_LANES = DONE / 4;
const BACK = 1 << 16;
/** A sleeping waiter rechecks the abort word this often (ns), in case no notify comes. */
const WAIT_NS = 1_000_000;
