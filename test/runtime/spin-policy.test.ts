// The process-wide spin policy (runtime/spin-policy.ts): a pool is contended while the busy pools'
// workers, plus its own when idle, outnumber the cores; its idle workers sleep at once when it is
// contended or leaves no core for the calling thread.
import { afterEach, describe, expect, it } from 'vitest';
import { joinSpinPolicy, type SpinMember } from '../../runtime/spin-policy.js';

const joined: SpinMember[] = [];
function member(threads: number, cores: number) {
  const seen: boolean[] = [], sleeps: boolean[] = [];
  const m = joinSpinPolicy(threads, cores, (c, idleSleep) => {
    seen.push(c);
    sleeps.push(idleSleep);
  });
  joined.push(m);
  return { m, seen, sleeps };
}
// The policy is process-wide: a failed test must not leave its members behind for the next.
afterEach(() => {
  for (const m of joined.splice(0)) m.leave();
});

describe('spin policy', () => {
  it('one pool as wide as the cores is never contended, busy or idle', () => {
    const a = member(2, 2);
    expect(a.m.contended).toBe(false);
    a.m.setBusy(true);
    expect(a.m.contended).toBe(false);
    a.m.setBusy(false);
    expect(a.seen).toEqual([false, false, false]);
    expect(a.sleeps).toEqual([true, true, true]);   // but no core is left for the calling thread: idle workers sleep
    a.m.leave();
  });

  it('idle workers spin only while the pool leaves a core for the calling thread', () => {
    const narrow = member(1, 2), wide = member(3, 4), full = member(4, 4);
    expect([narrow.m.idleSleep, wide.m.idleSleep, full.m.idleSleep]).toEqual([false, false, true]);
    expect([narrow.sleeps.at(-1), wide.sleeps.at(-1), full.sleeps.at(-1)]).toEqual([false, false, true]);
    for (const x of [narrow, wide, full]) x.m.leave();
  });

  it("a contended pool's idle workers sleep even when it alone would leave a core free", () => {
    const a = member(2, 4), b = member(2, 4), c = member(2, 4);
    a.m.setBusy(true);
    b.m.setBusy(true);
    expect([a.m.idleSleep, b.m.idleSleep, c.m.idleSleep]).toEqual([false, false, true]);   // c idle: 2 + 2 + 2 > 4
    b.m.setBusy(false);
    expect([a.m.idleSleep, b.m.idleSleep, c.m.idleSleep]).toEqual([false, false, false]);
    for (const x of [a, b, c]) x.m.leave();
  });

  it('two 2-thread pools on 2 cores: contended while both run; the idle one while the other runs', () => {
    const a = member(2, 2), b = member(2, 2);
    expect([a.m.contended, b.m.contended]).toEqual([false, false]);   // nobody busy: each alone would fit
    a.m.setBusy(true);
    expect([a.m.contended, b.m.contended]).toEqual([false, true]);    // a fits; b's idle spinning would not
    b.m.setBusy(true);
    expect([a.m.contended, b.m.contended]).toEqual([true, true]);
    a.m.setBusy(false);
    expect([a.m.contended, b.m.contended]).toEqual([true, false]);
    a.m.leave();
    expect(b.m.contended).toBe(false);
    expect(b.seen.at(-1)).toBe(false);   // told when a left
    b.m.setBusy(false);
    b.m.leave();
  });

  it('two 1-thread pools on 2 cores fit, busy or not; a third does not', () => {
    const a = member(1, 2), b = member(1, 2);
    a.m.setBusy(true);
    b.m.setBusy(true);
    expect([a.m.contended, b.m.contended]).toEqual([false, false]);
    const c = member(1, 2);
    expect(c.m.contended).toBe(true);
    c.m.setBusy(true);
    expect([a.m.contended, b.m.contended, c.m.contended]).toEqual([true, true, true]);
    for (const x of [a, b, c]) x.m.leave();
  });

  it('more cores: four 2-thread pools fit on 8', () => {
    const ms = [0, 1, 2, 3].map(() => member(2, 8));
    for (const x of ms) x.m.setBusy(true);
    expect(ms.map((x) => x.m.contended)).toEqual([false, false, false, false]);
    for (const x of ms) x.m.leave();
  });
});
