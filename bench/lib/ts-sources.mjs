// Imported first by a bench written in TypeScript that runs src/ straight through Node 24's
// type stripping (no build): the sources import siblings as `./x.js` (nodenext style), so such
// an import that finds no file is mapped to the `.ts` file beside it.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
