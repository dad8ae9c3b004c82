// Loaded with `node --import` before dependency-cruiser. dependency-cruiser parses TypeScript
// with the `typescript` package it finds beside itself, and supports the JavaScript compiler
// (<7) or the native one from 7.1; the workspace's own `typescript` is 7.0, which it refuses,
// so it would silently skip every .ts file. This workspace (scripts/boundaries) holds a 6.x
// compiler, nested in its own node_modules so that the root `tsc` stays 7.0; the hook sends
// dependency-cruiser's imports and requires of `typescript` there and leaves every other one
// alone. Remove it (and the workspace) once the root TypeScript is one dependency-cruiser supports.
import { createRequire, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const compilerRequire = createRequire(new URL('./package.json', import.meta.url));

function isCompilerImport(specifier: string): boolean {
  return specifier === 'typescript' || specifier.startsWith('typescript/');
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const fromCruiser = context.parentURL?.includes('/node_modules/dependency-cruiser/') ?? false;
    if (fromCruiser && isCompilerImport(specifier)) {
      // Resolved by hand: a require's default resolution looks beside the requiring file,
      // whatever parentURL says.
      return { url: pathToFileURL(compilerRequire.resolve(specifier)).href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
