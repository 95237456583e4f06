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
 * and loading TLS is a large part of a start to the first request. So are `node:zlib` (only a
 * compressed answer needs it), `node:fs/promises` (which loads `readline`'s interface and the
 * file watchers with it; only reading an input file needs it) and `node:crypto` (about twenty
 * internal modules; the runner numbers its runs instead of drawing UUIDs). Their named exports are
 * their functions and classes, each a proxy that loads the module when it is called,
 * constructed or read (`instanceof` included).
 *
 * A built-in's lazy getters (`fs.promises`, `fs.opendir`, `fs.ReadStream`, …) load other
 * built-ins when read, so an exported getter whose value is a function or an object is the same
 * kind of proxy, reading the getter on first use: importing `promises` from `node:fs` no longer
 * loads `fs/promises` at start.
 */
import { builtinModules, createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);
const ON_FIRST_USE = new Set(['https', 'tls', 'zlib', 'fs/promises', 'crypto']);
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

/** A getter's value, read here (at the kit's build) without printing a deprecated one's warning. */
function getterValue(mod: object, key: string): unknown {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return (mod as Record<string, unknown>)[key];
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
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
  const onFirstUse = ON_FIRST_USE.has(name);
  /** Read on first use: every function of a module loaded on first use, a getter's function or object. */
  const deferred = (key: string, d: PropertyDescriptor): boolean => {
    if (d.get === undefined) return onFirstUse && typeof d.value === 'function';
    const value = getterValue(mod, key);
    return typeof value === 'function' || (typeof value === 'object' && value !== null);
  };
  const lines = onFirstUse
    ? [
        'let m;',
        `const load = () => (m ??= process.getBuiltinModule(${id}));`,
        'export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
      ]
    : [`const m = process.getBuiltinModule(${id});`, 'const load = () => m;', 'export default m;'];
  const anyDeferred = entries.some(([key, d]) => deferred(key, d));
  if (anyDeferred) {
    lines.push(
      // An object keeps an object's typeof; a function or class is called and constructed too.
      'function lazy(name, object) {',
      '  const self = new Proxy(object ? {} : function () {}, {',
      '    get: (_, key) => load()[name][key],',
      '    set: (_, key, value) => Reflect.set(load()[name], key, value),',
      '    has: (_, key) => key in load()[name],',
      '    getPrototypeOf: () => Reflect.getPrototypeOf(load()[name]),',
      '    apply: (_, that, args) => Reflect.apply(load()[name], that, args),',
      '    construct: (_, args, target) => Reflect.construct(load()[name], args, target === self ? load()[name] : target),',
      '  });',
      '  return self;',
      '}',
    );
  }
  for (const [key, d] of entries) {
    if (deferred(key, d)) {
      const object = typeof (d.get !== undefined ? getterValue(mod, key) : d.value) === 'object';
      lines.push(`export const ${key} = /* @__PURE__ */ lazy(${JSON.stringify(key)}, ${object});`);
    }
    // Pure: an export nobody imports (a getter above all) is dropped, never read.
    else if (!onFirstUse) lines.push(`export const ${key} = /* @__PURE__ */ (() => m.${key})();`);
  }
  lines.push('');
  return lines.join('\n');
}
