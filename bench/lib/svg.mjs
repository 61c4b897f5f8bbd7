// The benchmark report as an SVG bar chart, written by hand (no dependencies): per model a group of
// bars, one per runtime and thread count, of its speed relative to onnxruntime-web at the same
// thread count (onnxruntime-web's p50 over the runtime's; higher is faster; onnxruntime-web = 1).
import { ENGINES, LABELS } from './engines.mjs';

export { reportSvg };

const COLOURS = { accelc: '#1f6fb4', ort_web: '#8c8c8c', tfjs: '#e8772e', ort_node: '#2f9e44' };
const BAR = 13, GAP = 2, GROUP_GAP = 34, PLOT_H = 260;
const LEFT = 64, TOP = 74, BOTTOM = 64, RIGHT = 20, MIN_WIDTH = 820;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A step for the y grid that gives about five lines up to max. */
function gridStep(max) {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

function reportSvg(report) {
  const threads = report.threads;
  const slots = ENGINES.flatMap((engine) => threads.map((t) => ({ engine, t })));
  const groups = report.models.map((m) => ({
    model: m.model,
    bars: slots.map(({ engine, t }) => {
      const e = m.by_threads[t].engines;
      const speed = e.ort_web?.p50_ms && e[engine]?.p50_ms ? e.ort_web.p50_ms / e[engine].p50_ms : undefined;
      return { engine, t, speed, note: e[engine]?.na ? 'n/a' : e[engine]?.error ? 'error' : undefined, p50: e[engine]?.p50_ms };
    }),
  }));
  const max = Math.max(1.2, ...groups.flatMap((g) => g.bars.map((b) => b.speed ?? 0))) * 1.08;
  const step = gridStep(max), top = Math.ceil(max / step) * step;
  const groupW = slots.length * (BAR + GAP) - GAP;
  const width = Math.max(MIN_WIDTH, LEFT + RIGHT + Math.max(1, groups.length) * (groupW + GROUP_GAP));
  const pitch = (width - LEFT - RIGHT) / Math.max(1, groups.length);
  const height = TOP + PLOT_H + BOTTOM;
  const y = (v) => TOP + PLOT_H - (v / top) * PLOT_H;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">Speed relative to onnxruntime-web (p50, same thread count; higher is faster)</text>`,
    `<text x="${LEFT}" y="34" fill="#555">${esc(`${report.date.slice(0, 10)} · node ${report.node} · ${report.cpu} · accelc SIMD ${report.accelc_simd}`)}</text>`,
  ];
  // legend: one swatch per runtime, then the shading of the thread counts
  let lx = LEFT;
  for (const engine of ENGINES) {
    out.push(`<rect x="${lx}" y="46" width="12" height="12" fill="${COLOURS[engine]}"/>`, `<text x="${lx + 16}" y="56">${esc(LABELS[engine])}</text>`);
    lx += 28 + LABELS[engine].length * 6.2;
  }
  out.push(`<text x="${lx + 8}" y="56" fill="#555">${esc(threads.map((t, i) => `${i ? 'lighter' : 'solid'}: ${t} thread${t > 1 ? 's' : ''}`).join(', '))}</text>`);
  // grid and y axis
  for (let v = 0; v <= top + 1e-9; v += step) {
    out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`,
      `<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(2)}×</text>`);
  }
  out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y(1)}" y2="${y(1)}" stroke="#444" stroke-dasharray="4 3"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + PLOT_H}" stroke="#444"/>`,
    `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" stroke="#444"/>`,
    `<text transform="translate(16 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">speed relative to onnxruntime-web (×)</text>`,
    `<text x="${LEFT + (width - LEFT - RIGHT) / 2}" y="${height - 10}" text-anchor="middle">model</text>`);
  groups.forEach((g, gi) => {
    const gx = LEFT + gi * pitch + (pitch - groupW) / 2;
    g.bars.forEach((b, bi) => {
      const x = gx + bi * (BAR + GAP);
      const shade = threads.indexOf(b.t) === 0 ? 1 : 0.5;
      if (b.speed === undefined) {
        out.push(`<text transform="translate(${x + BAR / 2 + 4} ${TOP + PLOT_H - 4}) rotate(-90)" fill="#888" font-size="9">${b.note ?? '–'}</text>`);
        return;
      }
      const tip = `${LABELS[b.engine]}, ${b.t} thread${b.t > 1 ? 's' : ''}: ${b.speed.toFixed(2)}× (p50 ${b.p50} ms)`;
      out.push(`<rect x="${x}" y="${y(b.speed).toFixed(1)}" width="${BAR}" height="${(y(0) - y(b.speed)).toFixed(1)}" fill="${COLOURS[b.engine]}" fill-opacity="${shade}" stroke="${COLOURS[b.engine]}"><title>${esc(tip)}</title></rect>`);
    });
    out.push(`<text x="${gx + groupW / 2}" y="${TOP + PLOT_H + 18}" text-anchor="middle">${esc(g.model)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
