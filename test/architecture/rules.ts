/**
 * The import rules of docs/architecture.md, read from the document itself: the rooms table is
 * the single source, so the picture and the check cannot drift apart. Adding a room (a folder
 * such as `gateway/`, a nested one such as `store/postgres/`, or a file such as `errors.ts`)
 * is adding a row.
 *
 * The third column ("imports of ours") is read with a small grammar, parts separated by `;`:
 *   `a`, `b`                      value imports allowed from rooms a and b
 *   *types only* from `a`, `b`    only `import type` from a and b
 *   `a` types                     only `import type` from a
 *   never `a`, `b`                nothing at all from a and b
 *   everything                    any room
 *   —                             no room
 * Text in parentheses is commentary. Then, from the paragraph under the table:
 *   "Every room may import `x` and `y`" and "Never: `a` → `b`/`c`; `d` → anything but `e`; …".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface RoomRule {
  /** `config`, `store/postgres`, or a file such as `errors.ts`. */
  room: string;
  /** Rooms it may import values from; `'*'` for everything. */
  values: Set<string> | '*';
  /** Rooms it may import types from (besides `values`). */
  types: Set<string>;
  /** Rooms it must not import at all, not even types. */
  never: Set<string>;
}

export interface ArchitectureRules {
  rooms: Map<string, RoomRule>;
  /** Rooms every room may import. */
  everywhere: Set<string>;
  problems: string[];
}

const TICKED = /`([^`]+)`/g;

/** `config/` → `config`; `errors.ts` stays; `store/postgres/` → `store/postgres`. */
function roomName(text: string): string {
  return text.trim().replace(/\/$/, '');
}

function ticked(text: string): string[] {
  return [...text.matchAll(TICKED)].map((m) => roomName(m[1]!));
}

export function readArchitectureRules(file: string): ArchitectureRules {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const rooms = new Map<string, RoomRule>();
  const lines = text.split('\n');
  const header = lines.findIndex((line) => /^\|\s*folder\s*\|.*\|\s*imports of ours\s*\|/.test(line));
  if (header < 0) {
    return { rooms, everywhere: new Set(), problems: ['no "| folder | concern | imports of ours |" table'] };
  }
  for (let i = header + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const cells = splitRow(lines[i]!);
    const folder = cells[0] ? ticked(cells[0])[0] : undefined;
    const imports = cells[cells.length - 1];
    if (!folder || cells.length < 3 || imports === undefined) {
      problems.push(`docs/architecture.md:${i + 1}: a rooms row needs a \`folder\` and an imports cell`);
      continue;
    }
    rooms.set(folder, readImports(folder, imports, i + 1, problems));
  }
  // `errors` in prose means the file room `errors.ts`.
  const known = (name: string) => (rooms.has(name) || !rooms.has(`${name}.ts`) ? name : `${name}.ts`);
  for (const rule of rooms.values()) {
    if (rule.values !== '*') rule.values = new Set([...rule.values].map(known));
    rule.types = new Set([...rule.types].map(known));
    rule.never = new Set([...rule.never].map(known));
  }
  const after = lines.slice(header).join('\n');
  const everywhere = new Set(
    ticked(/Every room may import (.*?)(?:\(|\.\s)/.exec(after)?.[1] ?? '').map(known),
  );
  const never = /Never:([\s\S]*?)(?:\n\n|$)/.exec(after)?.[1] ?? '';
  for (const clause of never.replace(/\s+/g, ' ').split(';')) {
    const arrow = /`([^`]+)`\s*→\s*(.*)/.exec(clause);
    if (!arrow) continue;
    const from = rooms.get(known(roomName(arrow[1]!)));
    if (!from) {
      problems.push(`"Never: ${clause.trim()}" names a room without a row`);
      continue;
    }
    const target = arrow[2]!;
    if (/anything but/.test(target)) {
      const keep = new Set(ticked(target).map(known));
      for (const room of rooms.keys()) if (room !== from.room && !keep.has(room)) from.never.add(room);
    } else {
      for (const room of ticked(target)) from.never.add(known(room));
    }
  }
  return { rooms, everywhere, problems };
}

function splitRow(line: string): string[] {
  // Pipes inside backticks (none today) would need escaping in Markdown anyway.
  return line
    .replace(/^\|/, '')
    .replace(/\|\s*$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

function readImports(room: string, cell: string, line: number, problems: string[]): RoomRule {
  const rule: RoomRule = { room, values: new Set(), types: new Set(), never: new Set() };
  const bare = cell.replace(/\([^)]*\)/g, '').trim();
  if (bare === '—' || bare === '-' || bare === '') return rule;
  if (/^everything$/i.test(bare)) return { ...rule, values: '*' };
  for (const part of bare.split(';').map((p) => p.trim())) {
    if (part === '') continue;
    if (/^never\b/i.test(part)) {
      for (const name of ticked(part)) rule.never.add(name);
    } else if (/^\*?types only\*? from/i.test(part)) {
      for (const name of ticked(part)) rule.types.add(name);
    } else {
      // `a`, `b types`, `c` types
      for (const item of part.split(',')) {
        const names = ticked(item);
        if (names.length !== 1) {
          problems.push(
            `docs/architecture.md:${line}: cannot read '${item.trim()}' in the imports of \`${room}\``,
          );
          continue;
        }
        const target = /`\s*types\b/.test(item) ? rule.types : (rule.values as Set<string>);
        target.add(names[0]!);
      }
    }
  }
  return rule;
}

/** The room a source file (path relative to `src/`) belongs to: the longest matching row. */
export function roomOf(relative: string, rooms: Iterable<string>): string | undefined {
  const posix = relative.split(path.sep).join('/');
  let best: string | undefined;
  for (const room of rooms) {
    const matches = room.includes('.') ? posix === room : posix === room || posix.startsWith(`${room}/`);
    if (matches && (best === undefined || room.length > best.length)) best = room;
  }
  return best;
}
