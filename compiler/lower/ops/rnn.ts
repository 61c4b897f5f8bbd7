// RNN, GRU and LSTM, the time steps unrolled at compile time. The input projection of every step
// is one contraction up front (XW[t, d, b, g] = X W^T + Wb); each step then runs its recurrent
// contraction (HR = H R^T + Rb) and the cell, for all directions at once (a reverse direction reads
// time T-1-s at step s). States live in [T+1, D, B, H] temporaries (index 0: the initial state);
// Y, Y_h and Y_c are copied out at the end in the requested layout. With sequence_lens (forward
// only) a finished sequence keeps its state and yields zeros.

import type { Node } from '../../ir/graph.js';
import type { Buf, Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, max, min, mul, sub, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC, type Axis, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const sigmoid = (x: Expr): Expr => ({ k: 'call', fn: 'sigmoid', args: [x] });
const tanh = (x: Expr): Expr => ({ k: 'call', fn: 'tanh', args: [x] });
const acc: Expr = { k: 'var', name: ACC };
const stage = (def: ComputeDef): LoweredKernel => ({ name: def.name, body: lowerStage(def, []), flops: [...def.axes, ...(def.reduce?.axes ?? [])].reduce((a, x) => a * x.extent, 1) });

const GATES: Record<string, number> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Record<string, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

function activation(node: Node, ctx: LowerCtx, name: string, alpha: number | undefined, beta: number | undefined): (x: Expr) => Expr {
  switch (name) {
    case 'Tanh': return tanh;
    case 'Sigmoid': return sigmoid;
    case 'Relu': return (x) => max(x, f(0));
    case 'LeakyRelu': return (x) => sel(bin('lt', x, f(0)), mul(x, f(alpha ?? 0.01)), x);
    case 'HardSigmoid': return (x) => max(f(0), min(f(1), add(mul(f(alpha ?? 0.2), x), f(beta ?? 0.5))));
    case 'ScaledTanh': return (x) => mul(f(alpha ?? 1), tanh(mul(f(beta ?? 1), x)));
    case 'Softsign': return (x) => bin('div', x, add(f(1), { k: 'un', op: 'abs', a: x }));
    default: throw new AccelcError({ code: 'E_UNSUPPORTED', message: `activation '${name}' is not supported`, node: node.name, op: node.op, model: ctx.modelName });
  }
}

const lowerRnn: OpLowerer = (node, ctx) => {
  const op = node.op, G = GATES[op];
  const bufOf = (i: number) => (node.inputs[i] ? ctx.buf(node.inputs[i]) : undefined);
  const [x, w, r, bias, lens, h0, c0, peep] = [0, 1, 2, 3, 4, 5, 6, 7].map(bufOf);
  const layout = (node.attrs.layout as number | undefined) ?? 0;
  const [T, B] = layout === 1 ? [x!.shape[1], x!.shape[0]] : [x!.shape[0], x!.shape[1]];
  const I = x!.shape[2], D = w!.shape[0], H = r!.shape[2];
  const direction = (node.attrs.direction as string | undefined) ?? 'forward';
  const fail = (message: string) => new AccelcError({ code: 'E_UNSUPPORTED', message, node: node.name, op, model: ctx.modelName });
  if (lens && direction !== 'forward') throw fail('sequence_lens with a reverse or bidirectional direction is not supported');
  if (op === 'LSTM' && node.attrs.input_forget === 1) throw fail('input_forget=1 is not supported');
  const names = (node.attrs.activations as string[] | undefined) ?? DEFAULT_ACTIVATIONS[op];
  const per = DEFAULT_ACTIVATIONS[op].length;
  if (names.length === 2 * per && names.slice(0, per).join() !== names.slice(per).join()) throw fail('different activations per direction are not supported');
  const alphas = node.attrs.activation_alpha as number[] | undefined, betas = node.attrs.activation_beta as number[] | undefined;
  const act = names.slice(0, per).map((n, i) => activation(node, ctx, n, alphas?.[i], betas?.[i]));
  const clipAt = node.attrs.clip as number | undefined;
  const clip = (e: Expr) => (clipAt === undefined ? e : min(max(e, f(-clipAt)), f(clipAt)));
  const reverse = (d: Expr, s: number): Expr => {
    if (direction === 'reverse') return c(T - 1 - s);
    if (direction === 'bidirectional') return sel(bin('eq', d, c(1)), c(T - 1 - s), c(s));
    return c(s);
  };
  const xAt = (t: Expr, b: Expr, i: Expr) => load(x!.name, layout === 1 ? [b, t, i] : [t, b, i]);
  const stateAt = (buf: Buf, d: Expr, b: Expr, h: Expr) => load(buf.name, layout === 1 ? [b, d, h] : [d, b, h]);
  const GH = G * H;
  const kernels: LoweredKernel[] = [];
  const axis = (name: string, extent: number): Axis => ({ name, extent });
  const dbh = [axis('d', D), axis('b', B), axis('h', H)];

  // Input projections for every step, and the initial states.
  const xw = ctx.temp(`${node.name}.xw`, 'f32', [T, D, B, GH]);
  const wb = (d: Expr, g: Expr) => (bias ? load(bias.name, [d, g]) : f(0));
  const rb = (d: Expr, g: Expr) => (bias ? load(bias.name, [d, add(g, c(GH))]) : f(0));
  kernels.push(stage({ name: `${node.name}.xw`, out: xw.name, type: 'f32', axes: [axis('t', T), axis('d', D), axis('b', B), axis('g', GH)],
    reduce: { op: 'sum', axes: [axis('i', I)] }, body: mul(xAt(v('t'), v('b'), v('i')), load(w!.name, [v('d'), v('g'), v('i')])),
    epilogue: add(acc, wb(v('d'), v('g'))) }));
  const hs = ctx.temp(`${node.name}.h`, 'f32', [T + 1, D, B, H]);
  const cs = op === 'LSTM' ? ctx.temp(`${node.name}.c`, 'f32', [T + 1, D, B, H]) : undefined;
  for (const [buf, init] of [[hs, h0], [cs, c0]] as const) {
    if (!buf) continue;
    kernels.push(stage({ name: `${buf.name}.init`, out: buf.name, type: 'f32', axes: dbh, outIndex: [c(0), v('d'), v('b'), v('h')],
      body: init ? stateAt(init, v('d'), v('b'), v('h')) : f(0) }));
  }

  const hr = ctx.temp(`${node.name}.hr`, 'f32', [D, B, GH]);
  const gate = (k: number) => add(v('h'), c(k * H));   // gate k's row in W, R, XW, HR
  for (let s = 0; s < T; s++) {
    const t = reverse(v('d'), s);
    const prevH = load(hs.name, [c(s), v('d'), v('b'), v('h')]);
    const xg = (k: number) => load(xw.name, [t, v('d'), v('b'), gate(k)]);
    const hg = (k: number) => load(hr.name, [v('d'), v('b'), gate(k)]);
    // HR = H_prev R^T + Rb
    kernels.push(stage({ name: `${node.name}.hr${s}`, out: hr.name, type: 'f32', axes: [axis('d', D), axis('b', B), axis('g', GH)],
      reduce: { op: 'sum', axes: [axis('k', H)] }, body: mul(load(hs.name, [c(s), v('d'), v('b'), v('k')]), load(r!.name, [v('d'), v('g'), v('k')])),
      epilogue: add(acc, rb(v('d'), v('g'))) }));
    const live = lens ? bin('lt', t, load(lens.name, [v('b')])) : undefined;
    const keep = (e: Expr, prev: Expr) => (live ? sel(live, e, prev) : e);
    const next = [c(s + 1), v('d'), v('b'), v('h')];
    if (op === 'RNN') {
      kernels.push(stage({ name: `${node.name}.cell${s}`, out: hs.name, type: 'f32', axes: dbh, outIndex: next, body: keep(act[0](clip(add(xg(0), hg(0)))), prevH) }));
    } else if (op === 'GRU') {
      const z = act[0](clip(add(xg(0), hg(0))));
      let candidate: Expr;
      if (node.attrs.linear_before_reset === 1) {
        const rg = act[0](clip(add(xg(1), hg(1))));
        candidate = act[1](clip(add(xg(2), mul(rg, hg(2)))));
      } else {
        // (r . H_prev) R_h^T + Rb_h: r into a temporary, then its own contraction.
        const rt = ctx.temp(`${node.name}.r${s}`, 'f32', [D, B, H]), rh = ctx.temp(`${node.name}.rh${s}`, 'f32', [D, B, H]);
        kernels.push(stage({ name: rt.name, out: rt.name, type: 'f32', axes: dbh, body: act[0](clip(add(xg(1), hg(1)))) }));
        kernels.push(stage({ name: rh.name, out: rh.name, type: 'f32', axes: dbh, reduce: { op: 'sum', axes: [axis('k', H)] },
          body: mul(mul(load(rt.name, [v('d'), v('b'), v('k')]), load(hs.name, [c(s), v('d'), v('b'), v('k')])), load(r!.name, [v('d'), gate(2), v('k')])),
          epilogue: add(acc, rb(v('d'), gate(2))) }));
        candidate = act[1](clip(add(xg(2), load(rh.name, [v('d'), v('b'), v('h')]))));
      }
      const hNew = add(mul(sub(f(1), z), candidate), mul(z, prevH));
      kernels.push(stage({ name: `${node.name}.cell${s}`, out: hs.name, type: 'f32', axes: dbh, outIndex: next, body: keep(hNew, prevH) }));
    } else {
      // LSTM gates [i, o, f, c]; peepholes P = [Pi, Po, Pf].
      const prevC = load(cs!.name, [c(s), v('d'), v('b'), v('h')]);
      const p = (k: number, cell: Expr) => (peep ? mul(load(peep.name, [v('d'), add(v('h'), c(k * H))]), cell) : f(0));
      const i = act[0](clip(add(add(xg(0), hg(0)), p(0, prevC))));
      const fg = act[0](clip(add(add(xg(2), hg(2)), p(2, prevC))));
      const cNew = add(mul(fg, prevC), mul(i, act[1](clip(add(xg(3), hg(3))))));
      kernels.push(stage({ name: `${node.name}.c${s}`, out: cs!.name, type: 'f32', axes: dbh, outIndex: next, body: keep(cNew, prevC) }));
      const cAt = load(cs!.name, next);
      const o = act[0](clip(add(add(xg(1), hg(1)), p(1, cAt))));
      kernels.push(stage({ name: `${node.name}.cell${s}`, out: hs.name, type: 'f32', axes: dbh, outIndex: next, body: keep(mul(o, act[2](cAt)), prevH) }));
    }
  }

  // Outputs: Y[t] is the state after the step that read time t; Y_h / Y_c the last states.
  const [yName, yhName, ycName] = node.outputs;
  if (yName) {
    const y = ctx.buf(yName);
    const tAxes = [axis('t', T), axis('d', D), axis('b', B), axis('h', H)];
    const stepOf = direction === 'reverse' ? sub(c(T - 1), v('t')) : direction === 'bidirectional' ? sel(bin('eq', v('d'), c(1)), sub(c(T - 1), v('t')), v('t')) : v('t');
    const value = load(hs.name, [add(stepOf, c(1)), v('d'), v('b'), v('h')]);
    kernels.push(stage({ name: `${node.name}.y`, out: y.name, type: 'f32', axes: tAxes,
      outIndex: layout === 1 ? [v('b'), v('t'), v('d'), v('h')] : [v('t'), v('d'), v('b'), v('h')],
      body: lens ? sel(bin('lt', v('t'), load(lens.name, [v('b')])), value, f(0)) : value }));
  }
  for (const [name, buf] of [[yhName, hs], [ycName, cs]] as const) {
    if (!name || !buf) continue;
    const out = ctx.buf(name);
    kernels.push(stage({ name: `${out.name}.last`, out: out.name, type: 'f32', axes: dbh,
      outIndex: layout === 1 ? [v('b'), v('d'), v('h')] : [v('d'), v('b'), v('h')], body: load(buf.name, [c(T), v('d'), v('b'), v('h')]) }));
  }
  return kernels;
};

export const RNN_LOWERINGS: Record<string, OpLowerer> = { RNN: lowerRnn, GRU: lowerRnn, LSTM: lowerRnn };
