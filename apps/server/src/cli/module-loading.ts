// Makes a Safehold process start faster. Called first by the `safehold` entry point (main.ts)
// and by every test process (scripts/test-preload.ts), before the application's modules load,
// so it imports nothing but Node.
//
// 1. Node's compile cache keeps the type-stripped and compiled code of every module on disk,
//    so the next process skips that work (about a second of CPU per process on this code).
// 2. Node 24 deserialises a package's whole package.json each time it decides the format of
//    one of the package's files (getPackageScopeConfig spreads an object whose `exports` getter
//    parses the field). drizzle-orm's package.json is 179 KB and a process loads about 500 of
//    its files, so that alone cost 1–2 s of CPU at every start. drizzle-orm is an ES module
//    package ("type": "module") whose files import each other by relative `.js` paths; for
//    exactly those imports the hook below gives Node the answer (the file's URL, format
//    `module`) without the lookup. Our own files import `drizzle-orm` and its subpaths about
//    a hundred times: Node resolves each such specifier once, and the hook remembers it.
//    Everything else resolves as usual.
import { enableCompileCache, registerHooks } from 'node:module';

const drizzleFile = /\/node_modules\/drizzle-orm\/.*\.js$/;
const drizzleSpecifier = /^drizzle-orm(\/|$)/;
const installed = Symbol.for('safehold.moduleLoading');

export function speedUpModuleLoading(): void {
  const global = globalThis as { [installed]?: true };
  if (global[installed]) return;
  global[installed] = true;
  // Honours NODE_COMPILE_CACHE when set (the tests use one cache); otherwise Node's default
  // directory under the system's temporary directory.
  enableCompileCache();
  /** drizzle-orm specifiers imported by our own files (not by packages) → their resolved URLs. */
  const resolvedFromOurFiles = new Map<string, string>();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (
        specifier.startsWith('.') &&
        specifier.endsWith('.js') &&
        context.parentURL !== undefined &&
        drizzleFile.test(context.parentURL)
      ) {
        return { url: new URL(specifier, context.parentURL).href, format: 'module', shortCircuit: true };
      }
      if (drizzleSpecifier.test(specifier) && !context.parentURL?.includes('/node_modules/')) {
        const known = resolvedFromOurFiles.get(specifier);
        if (known !== undefined) return { url: known, format: 'module', shortCircuit: true };
        const resolved = nextResolve(specifier, context);
        if (resolved.format === 'module') resolvedFromOurFiles.set(specifier, resolved.url);
        return resolved;
      }
      return nextResolve(specifier, context);
    },
  });
}
