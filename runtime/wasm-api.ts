// The part of the global WebAssembly API the runtime uses, typed here because the project compiles
// with lib ES2022 and no DOM (which is where TypeScript declares WebAssembly). Nothing but types and
// one lookup: every engine accelc targets (Node, Deno, browsers) has the global.

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

declare const compiled: unique symbol;
/** A compiled WebAssembly.Module (branded: only the engine makes these). */
export interface WasmModule { readonly [compiled]: true }

export interface WasmApi {
  Module: {
    new (bytes: Uint8Array | ArrayBuffer): WasmModule;
    customSections(module: WasmModule, name: string): ArrayBuffer[];
    exports(module: WasmModule): { name: string; kind: string }[];
  };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  compile(bytes: Uint8Array | ArrayBuffer): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
  validate(bytes: Uint8Array | ArrayBuffer): boolean;
  RuntimeError: new (...args: never[]) => Error;
  CompileError: new (...args: never[]) => Error;
  LinkError: new (...args: never[]) => Error;
}

export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** True when `m` is a compiled WebAssembly.Module (as opposed to bytes). */
export function isWasmModule(m: unknown): m is WasmModule {
  return typeof m === 'object' && m !== null && m instanceof (wasm.Module as unknown as Function);
}
