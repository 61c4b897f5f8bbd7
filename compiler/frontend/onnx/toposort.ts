// Orders nodes so every value is defined before use, keeping the file's order where it is already
// valid. Rejects values defined twice, uses of undefined values and cycles (all E_MODEL).

import { fail } from '../../errors.js';
import type { Node } from '../../ir/graph.js';

export { topoSort };

/** `defined`: names available before any node runs (graph inputs, initializers, constants). */
function topoSort(nodes: readonly Node[], defined: ReadonlySet<string>, model: string): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (defined.has(o) || producer.has(o)) {
        fail('E_MODEL', `value '${o}' is defined more than once`, { model, node: n.name, op: n.op });
      }
      producer.set(o, i);
    }
  });
  const deps = nodes.map((n) => n.inputs.filter((x) => x !== '' && !defined.has(x)).map((x) => {
    const p = producer.get(x);
    if (p === undefined) fail('E_MODEL', `input '${x}' is not produced by any node, graph input or initializer`, { model, node: n.name, op: n.op });
    return p;
  }));
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the DFS stack, 2 emitted
  const order: Node[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: Array<[node: number, next: number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [i, k] = top;
      if (k === deps[i].length) {
        stack.pop();
        state[i] = 2;
        order.push(nodes[i]);
        continue;
      }
      top[1] = k + 1;
      const p = deps[i][k];
      if (state[p] === 1) {
        const from = stack.findIndex(([j]) => j === p);
        const names = [...stack.slice(from).map(([j]) => nodes[j].name), nodes[p].name];
        fail('E_MODEL', `the graph has a cycle: ${names.join(' -> ')}`, { model });
      }
      if (state[p] === 0) {
        state[p] = 1;
        stack.push([p, 0]);
      }
    }
  }
  return order;
}
