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

  it('idle workers spin only while the pools leave a core for the calling thread', () => {
    const a = member(2, 4);
    expect([a.m.idleSleep, a.sleeps.at(-1)]).toEqual([false, false]);   // 2 of 4 cores
    const b = member(1, 4);
    expect([a.m.idleSleep, b.m.idleSleep]).toEqual([false, false]);     // 3 of 4
    const c = member(1, 4);
    expect([a.m.idleSleep, b.m.idleSleep, c.m.idleSleep]).toEqual([true, true, true]);   // 4 of 4: none left
    expect([a.m.contended, b.m.contended, c.m.contended]).toEqual([false, false, false]);
    expect(a.sleeps.at(-1)).toBe(true);   // told when c joined
    c.m.leave();
    expect([a.m.idleSleep, b.m.idleSleep, a.sleeps.at(-1)]).toEqual([false, false, false]);   // and when it left
    for (const x of [a, b]) x.m.leave();
  });

  it('two 1-thread worker sessions on 2 cores: idle workers sleep; one 1-thread session on 1 core too', () => {
    const a = member(1, 2), b = member(1, 2);
    expect([a.m.idleSleep, b.m.idleSleep]).toEqual([true, true]);
    for (const x of [a, b]) x.m.leave();
    const c = member(1, 1);
    expect([c.m.contended, c.m.idleSleep]).toEqual([false, true]);
    c.m.leave();
  });

  it("a contended pool's idle workers sleep; the others' while the pools leave a core", () => {
    const a = member(2, 8), b = member(2, 8), c = member(3, 8);
    expect([a.m.idleSleep, b.m.idleSleep, c.m.idleSleep]).toEqual([false, false, false]);   // 7 of 8 cores
    a.m.setBusy(true);
    b.m.setBusy(true);
    c.m.setBusy(true);
    const d = member(2, 8);   // idle: 7 busy + its own 2 > 8
    expect([a.m.idleSleep, d.m.contended, d.m.idleSleep]).toEqual([true, true, true]);
    for (const x of [a, b, c, d]) x.m.leave();
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
