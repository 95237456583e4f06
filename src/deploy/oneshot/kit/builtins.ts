/**
 * The runner's imports of Node's built-in modules, as their CommonJS objects.
 *
 * An ES-module `import … from 'node:crypto'` makes Node build the module's ES facade, which
 * reads every export of it: each lazy getter runs (`node:crypto`'s WebCrypto and its algorithms,
 * `node:util`'s `TextDecoder` and what it loads, `node:http`'s `WebSocket`, which loads Node's
 * whole internal undici). `process.getBuiltinModule` returns the module object without a facade,
 * so the kit's esbuild plugin gives each imported built-in a module that exports the object's
 * values by name. A getter is read only where a bundled module imports it by that name.
 *
 * `node:https` and `node:tls` are loaded on their first use: only an https: request needs them,
 * and loading TLS is a large part of a start to the first request. Their named exports are
 * their functions and classes, each a proxy that loads the module when it is called,
 * constructed or read (`instanceof` included).
 */
import { builtinModules, createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);
const ON_FIRST_USE = new Set(['https', 'tls']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** What the plugin resolves: `node:x` and the bare names of Node's built-ins. */
export const BUILTIN_IMPORT = new RegExp(
  `^(node:.+|${builtinModules.map((m) => m.replace(/[/.]/g, (c) => `\\${c}`)).join('|')})$`,
);

function isBindingName(name: string): boolean {
  if (!IDENTIFIER.test(name) || name === 'default') return false;
  try {
    new Function(`let ${name};`);
    return true;
  } catch {
    return false; // a reserved word
  }
}

/** The module text for `node:<name>`; `undefined` if this Node has no such built-in. */
export function builtinModuleText(name: string): string | undefined {
  let mod: object;
  try {
    mod = requireBuiltin(`node:${name}`) as object;
  } catch {
    return undefined;
  }
  const entries = Object.entries(Object.getOwnPropertyDescriptors(mod)).filter(([key]) => isBindingName(key));
  const id = JSON.stringify(`node:${name}`);
  if (ON_FIRST_USE.has(name)) {
    const functions = entries.filter(([, d]) => typeof d.value === 'function');
    return [
      'let m;',
      `const load = () => (m ??= process.getBuiltinModule(${id}));`,
      'export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
      'function lazy(name) {',
      '  const self = new Proxy(function () {}, {',
      '    get: (_, key) => load()[name][key],',
      '    apply: (_, that, args) => Reflect.apply(load()[name], that, args),',
      '    construct: (_, args, target) => Reflect.construct(load()[name], args, target === self ? load()[name] : target),',
      '  });',
      '  return self;',
      '}',
      ...functions.map(([key]) => `export const ${key} = /* @__PURE__ */ lazy(${JSON.stringify(key)});`),
      '',
    ].join('\n');
  }
  return [
    `const m = process.getBuiltinModule(${id});`,
    'export default m;',
    // Pure: an export nobody imports (a getter above all) is dropped, never read.
    ...entries.map(([key]) => `export const ${key} = /* @__PURE__ */ (() => m.${key})();`),
    '',
  ].join('\n');
}
