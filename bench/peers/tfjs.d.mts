// Types of the TF.js WASM benchmark peer (tfjs.mjs), for the TypeScript tests that import it.

type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** An input, shaped like accelc's and onnxruntime's Tensor (ONNX layout). */
export interface PeerFeed {
  type: string;
  data: TypedArray;
  dims: readonly number[];
}

/** An output in ONNX layout: Float32Array for float outputs (BigInt64Array for int64, as onnxruntime). */
export interface PeerOutput {
  type: string;
  data: Float32Array;
  dims: number[];
}

export interface TfjsSession {
  readonly inputNames: string[];
  readonly outputNames: string[];
  run(feeds: Record<string, PeerFeed>): Promise<Record<string, PeerOutput>>;
  /** Frees the uploaded weights; run() fails afterwards. */
  release(): void;
}

export declare class TfjsPeerError extends Error {}

/** Reads the model with accelc's frontend (dist/) and translates it to tfjs-backend-wasm ops. */
export declare function createTfjsSession(onnxPath: string): Promise<TfjsSession>;

/** tfjs-core on the wasm backend (SIMD build, one thread), initialised once per process. */
export declare function initTfjs(): Promise<unknown>;
