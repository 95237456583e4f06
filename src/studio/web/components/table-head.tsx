/** A table's column headings, written once: each `scope="col"`, numbers right-aligned, an actions column. */

/** A heading; `{ label, num: true }` for a right-aligned number column. */
export type Column = string | { label: string; num: true };

/** `actions` adds a last column of buttons whose heading only a screen reader reads. */
export function TableHead({ columns, actions = false }: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" class="num" key={c.label}>
              {c.label}
            </th>
          ),
        )}
        {actions && (
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
