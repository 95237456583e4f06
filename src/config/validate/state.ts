/** State fields: a required field has no default; a default fits the field's type. */

import { joinPath } from '../diagnostics.js';
import { formatType } from '../languages/type-grammar.js';
import { checkValue } from '../languages/values.js';
import type { Checker } from './checker.js';

export function checkStateFields(ck: Checker): void {
  for (const f of ck.wf.state) {
    if (ck.meta.badStateTypes.has(f.name) || !f.hasDefault || f.default === null) continue;
    const path = joinPath(joinPath('state.fields', f.name), 'default');
    if (f.required) {
      ck.r.error(
        'required-with-default',
        path,
        `state field '${f.name}' is required and also has a default; remove one (a required field must come from the inputs)`,
      );
      continue;
    }
    for (const issue of checkValue(f.type, f.default, 'default')) {
      const where = issue.path === 'default' ? '' : ` at ${issue.path}`;
      ck.r.error(
        'invalid-default',
        path,
        `default of state field '${f.name}' does not match its type '${formatType(f.type)}'${where}: ${issue.message}`,
      );
    }
  }
}
