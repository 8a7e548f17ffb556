/**
 * Node module hooks for a benchmark that boots the Nest application under tsx.
 * tsx compiles with esbuild, which does not emit decorator metadata, and Nest's
 * constructor injection reads it; so the project's own TypeScript is compiled
 * with SWC instead, with the options the tests use (vitest.config.ts, unplugin-swc
 * reading tsconfig.json). tsx still resolves the `.js` imports to `.ts` files.
 *
 *   register(new URL('./swc-hooks.mjs', import.meta.url));  // then import the app dynamically
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code } = await transform(await readFile(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
      target: 'es2022',
    },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
