// The contract every operator implements: validate and infer output types (infer), and optionally
// compute outputs from constant inputs (evaluate: a plain reference implementation, used for
// constant folding and as a test oracle). One schema covers one opset range of one op.

import type { DType, Node, Tensor, Value } from '../../ir/graph.js';

export type { OpCtx, StaticValue, InferredOutput, OpSchema };

interface OpCtx {
  /** Opset of the default domain the model imports. */
  opset: number;
  /** For error messages. */
  model: string;
}

/** A value whose shape is fully known (all values are, by the time an op's infer runs). */
interface StaticValue extends Value {
  shape: number[];
}

interface InferredOutput {
  dtype: DType;
  shape: number[];
  /** Set when the output is known without running the op (Shape of a static value, Identity of a const). */
  value?: Tensor;
}

interface OpSchema {
  op: string;
  /** First opset this schema applies to. */
  since: number;
  /** Last opset (inclusive) it applies to; open-ended when absent. */
  until?: number;
  /** One entry per node output ('' outputs included, their entry is ignored). Omitted inputs are undefined. */
  infer(node: Node, inputs: Array<StaticValue | undefined>, ctx: OpCtx): InferredOutput[];
  /** Outputs for constant inputs, one per node output. Omitted inputs are undefined. */
  evaluate?(node: Node, inputs: Array<Tensor | undefined>, ctx?: OpCtx): Tensor[];
}
