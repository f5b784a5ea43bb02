/**
 * Prisma's schema engine compiled to WebAssembly. It is the same engine that
 * `prisma migrate` runs natively, so migrations created and applied here keep
 * Prisma's own `_prisma_migrations` history format. The wasm build runs with
 * no network and on every platform, which is why we use it instead of the
 * native binary the Prisma CLI downloads.
 *
 * The package's entry imports the `.wasm` file as an ES module, which Node 20
 * refuses, so we instantiate the module ourselves.
 */
import { readFile } from 'node:fs/promises';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

let ready: Promise<void> | undefined;

function initWasm(): Promise<void> {
  ready ??= (async () => {
    // The package's exports map hides the .wasm file; it sits beside the JS glue.
    const glue = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = new URL('./schema_engine_bg.wasm', glue);
    const module = await WebAssembly.compile(await readFile(wasmPath));
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bg as never });
    const exports = instance.exports as Record<string, unknown> & { __wbindgen_start(): void };
    (bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return ready;
}

export interface EngineLog {
  level?: string;
  message?: string;
  [key: string]: unknown;
}

export async function openSchemaEngine(
  datamodel: { path: string; content: string },
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  onLog: (entry: EngineLog) => void = () => {},
): Promise<SchemaEngine> {
  await initWasm();
  const Engine = (bg as unknown as { SchemaEngine: typeof SchemaEngine }).SchemaEngine;
  return Engine.new(
    { datamodels: [[datamodel.path, datamodel.content]] },
    (line: string) => {
      try {
        onLog(JSON.parse(line) as EngineLog);
      } catch {
        onLog({ message: String(line) });
      }
    },
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
