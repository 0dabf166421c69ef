/**
 * The few WebAssembly JS-API types the kernels use. The project compiles with lib ES2023 and no DOM, and
 * @types/node 20 does not declare them (Node has the API at run time).
 */
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  // eslint-disable-next-line no-var
  var Memory: { prototype: Memory; new (descriptor: { initial: number; maximum?: number }): Memory };
  type ExportValue = ((...args: never[]) => unknown) | Memory;
  type Exports = Record<string, ExportValue>;
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Module {}
  // eslint-disable-next-line no-var
  var Module: { prototype: Module; new (bytes: ArrayBufferView | ArrayBuffer): Module };
  interface Instance {
    readonly exports: Exports;
  }
  // eslint-disable-next-line no-var
  var Instance: { prototype: Instance; new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
}
