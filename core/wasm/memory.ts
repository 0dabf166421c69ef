/**
 * A bump allocator over one WebAssembly instance's linear memory. The kernels allocate nothing themselves: the
 * TypeScript side lays out every table and buffer and passes byte offsets.
 *
 * Growing the memory detaches every typed-array view of it, so views are taken (`f32`, `i32`) only after the
 * allocations a computation needs, and never kept across an `allocate` call.
 */
export class WasmArena {
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory) {
    // Offset 0 stays unused, so no buffer ever sits at a null pointer.
    this.top = 64;
  }

  /** Byte offset of `bytes` fresh bytes, 16-byte aligned (the SIMD vector size). */
  allocate(bytes: number): number {
    const at = align16(this.top);
    const end = at + align16(bytes);
    const needed = end - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE_BYTES));
    this.top = end;
    return at;
  }

  /** The current top, to `release` back to once a computation's buffers are no longer needed. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Whether `view` is a view of this memory (as it is now: growing detaches older views). */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.memory.buffer;
  }

  f32(pointer: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, pointer, length);
  }

  f64(pointer: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, pointer, length);
  }

  i32(pointer: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, pointer, length);
  }

  /** Copies `values` into fresh memory and returns its byte offset. */
  storeF32(values: ArrayLike<number>): number {
    const pointer = this.allocate(values.length * 4);
    this.f32(pointer, values.length).set(values);
    return pointer;
  }

  storeI32(values: ArrayLike<number>): number {
    const pointer = this.allocate(values.length * 4);
    this.i32(pointer, values.length).set(values);
    return pointer;
  }
}

const PAGE_BYTES = 65536;

function align16(n: number): number {
  return (n + 15) & ~15;
}

/**
 * A kernel's exports as its compiler declares them: `asc --bindings raw` writes `instantiate(module, imports)`
 * resolving to them, in core/<stage>/wasm/generated/<name>.bindings.d.ts (scripts/build-wasm.ts).
 */
export type BoundExports<Instantiate extends (...args: never[]) => Promise<object>> = Awaited<ReturnType<Instantiate>>;

/** Compiles and instantiates an embedded module synchronously (a few KB: well within Node's synchronous limit). */
export function instantiateEmbedded<T extends object>(base64: string): { exports: T; memory: WebAssembly.Memory } {
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  const instance = new WebAssembly.Instance(module, {});
  const exports = instance.exports as T & { memory?: WebAssembly.Memory };
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error('wasm kernel exports no memory');
  return { exports, memory: exports.memory };
}
