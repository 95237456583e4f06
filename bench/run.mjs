// The benchmark runner: `npm run bench -- <suite|all> [--smoke] [--systems a,b] [--repeat N]`.
// Starts what each suite needs (mock model, systems under test) as child processes on
// 127.0.0.1, stops them all, writes bench/results/<suite>.json and .md, and — for a full run —
// refreshes the tables in BENCHMARKS.md between their <!-- bench:... --> markers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { NODE, RESULTS, ROOT } from './lib/paths.mjs';
import { stopAll } from './lib/proc.mjs';
import { ALL_SYSTEMS, EXTRA_SYSTEMS } from './lib/systems.mjs';
import { artifacts, cliStart, deploy, engine, validate } from './suites/agentcrate-only.mjs';
import { coldStart } from './suites/cold-start.mjs';
import { durability } from './suites/durability.mjs';
import { floorSuite } from './suites/floor.mjs';
import { gateway } from './suites/gateway.mjs';
import { rss } from './suites/rss.mjs';
import { renderThroughput, throughput } from './suites/throughput.mjs';
import { tracing } from './suites/tracing.mjs';

const SUITES = {
  throughput: { run: throughput, peers: true },
  'cold-start': { run: coldStart, peers: true },
  rss: { run: rss, peers: true },
  durability: { run: durability, peers: true },
  floor: { run: floorSuite, peers: false },
  engine: { run: engine, peers: false },
  validate: { run: validate, peers: false },
  artifacts: { run: artifacts, peers: false },
  'cli-start': { run: cliStart, peers: false },
  deploy: { run: deploy, peers: false },
  tracing: { run: tracing, peers: false },
  gateway: { run: gateway, peers: false },
};

function parseArgs(argv) {
  const opts = {
    suites: [],
    smoke: false,
    systems: null,
    repeat: 3,
    durationSec: 3,
    rssRuns: 10000,
    rssTimeSec: 90,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--smoke') opts.smoke = true;
    else if (a === '--systems') opts.systems = value().split(',');
    else if (a === '--repeat') opts.repeat = Number(value());
    else if (a === '--duration') opts.durationSec = Number(value());
    else if (a === '--rss-runs') opts.rssRuns = Number(value());
    else if (a === '--report') opts.report = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a === 'all') opts.suites.push(...Object.keys(SUITES));
    else if (a in SUITES) opts.suites.push(a);
    else
      throw new Error(
        `unknown suite or flag '${a}'; suites: ${Object.keys(SUITES).join(', ')}, all; flags: --smoke --systems a,b --repeat N --duration S --rss-runs N`,
      );
  }
  if (process.env.BENCH_SMOKE === '1') opts.smoke = true;
  if (opts.smoke) opts.repeat = 1;
  return opts;
}

function machine() {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpu_model: cpu[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    os: `${process.platform} ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}`,
  };
}

function ensureBuilt() {
  if (existsSync(join(ROOT, 'dist/server/entry.js'))) return;
  process.stderr.write('bench: building dist/ (node scripts/build.mjs)…\n');
  spawnSync(NODE, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

/** Replaces the text between <!-- bench:NAME --> and <!-- /bench:NAME --> in BENCHMARKS.md. */
function updateReport(sections) {
  const file = join(ROOT, 'BENCHMARKS.md');
  // Results written elsewhere (smoke test, side experiments) never replace the report's tables.
  if (!existsSync(file) || process.env.BENCH_RESULTS_DIR) return;
  let text = readFileSync(file, 'utf8');
  for (const [name, body] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- bench:${name} -->\\n)[\\s\\S]*?(<!-- /bench:${name} -->)`);
    if (re.test(text)) text = text.replace(re, (_, open, close) => `${open}${body.trimEnd()}\n${close}`);
  }
  writeFileSync(file, text);
}

/** `--report`: rebuild BENCHMARKS.md's tables from the saved results, without measuring. */
function reportFromResults() {
  const sections = {};
  let last;
  for (const name of Object.keys(SUITES)) {
    const json = join(RESULTS, `${name}.json`);
    if (!existsSync(json)) continue;
    const record = JSON.parse(readFileSync(json, 'utf8'));
    if (record.smoke) continue;
    last = record;
    sections[name] =
      name === 'throughput'
        ? renderThroughput(record.rows, record.params.durationSec)
        : readFileSync(join(RESULTS, `${name}.md`), 'utf8').replace(/^## .*\n\n/, '');
  }
  if (last)
    Object.assign(
      sections,
      headerSections(
        last.machine,
        last.versions,
        last.unavailable,
        last.at,
        `${last.command ?? 'a full run'} (tables rebuilt from bench/results by --report)`,
      ),
    );
  updateReport(sections);
  console.error(`bench: BENCHMARKS.md tables rebuilt from ${RESULTS}`);
}

function headerSections(info, versions, unavailable, at, how) {
  const rows = Object.entries(versions).map(([k, v]) => `| ${k} | ${v ?? 'not installed'} |`);
  for (const [k, why] of Object.entries(unavailable)) rows.push(`| ${k} | not measured: ${why} |`);
  return {
    machine: `| | |\n|---|---|\n| cores | ${info.cores} × ${info.cpu_model} |\n| memory | ${info.memory_gb} GB |\n| Node | ${info.node} |\n| OS | ${info.os} |\n| run | ${at.slice(0, 16)}Z, ${how} |`,
    versions: `| package | version |\n|---|---|\n${rows.join('\n')}`,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) return reportFromResults();
  if (opts.help || opts.suites.length === 0) {
    console.log(
      `usage: npm run bench -- <suite...|all> [--smoke] [--systems agentcrate,mastra,langgraph] [--repeat 3] [--duration 3]\nsuites: ${Object.keys(SUITES).join(', ')}`,
    );
    return;
  }
  ensureBuilt();
  const started = Date.now();
  const wanted = opts.systems
    ? [...ALL_SYSTEMS, ...EXTRA_SYSTEMS].filter((s) => opts.systems.includes(s.name))
    : ALL_SYSTEMS;
  const systems = [];
  const unavailable = {};
  for (const s of wanted) {
    const a = s.available();
    if (!a.ok) {
      unavailable[s.name] = a.why;
      console.error(`bench: skipping ${s.name}: ${a.why}`);
      continue;
    }
    try {
      if (opts.suites.some((name) => SUITES[name].peers)) s.prepare();
      systems.push(s);
    } catch (error) {
      unavailable[s.name] = String(error.message ?? error).split('\n')[0];
      console.error(`bench: skipping ${s.name}: ${error.message}`);
    }
  }
  const versions = Object.assign({}, ...systems.map((s) => s.versions()));
  const info = machine();
  mkdirSync(RESULTS, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'agentcrate-bench-'));
  let n = 0;
  const ctx = {
    smoke: opts.smoke,
    repeat: opts.repeat,
    durationSec: opts.durationSec,
    rssRuns: opts.rssRuns,
    rssTimeSec: opts.rssTimeSec,
    log: (line) => console.error(`bench: ${line}`),
    /** A fresh state directory (store files, logs) per started system. */
    stateFor: (system) => {
      const stateDir = join(scratch, `${system.name}-${++n}`);
      mkdirSync(stateDir, { recursive: true });
      return { stateDir, logFile: join(stateDir, 'server.log') };
    },
  };
  const sections = {};
  const failures = [];
  try {
    for (const name of opts.suites) {
      const suite = SUITES[name];
      const t0 = Date.now();
      console.error(`bench: suite ${name}${opts.smoke ? ' (smoke)' : ''}…`);
      let result;
      try {
        result = await suite.run({
          ...ctx,
          // A system may name the suites it joins (the floor has no async API, no resume).
          systems: suite.peers
            ? systems.filter((s) => !s.suites || s.suites.includes(name))
            : systems.filter((s) => s.name === 'agentcrate'),
        });
      } catch (error) {
        failures.push(`${name}: ${error.message}`);
        console.error(`bench: suite ${name} failed: ${error.stack ?? error}`);
        await stopAll();
        continue;
      }
      const record = {
        suite: name,
        at: new Date().toISOString(),
        smoke: opts.smoke,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
        machine: info,
        versions,
        unavailable,
        params: { repeat: opts.repeat, durationSec: opts.durationSec, rssRuns: opts.rssRuns },
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
        skipped: result.skipped ?? null,
        rows: result.rows,
      };
      writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
      writeFileSync(join(RESULTS, `${name}.md`), `## ${name}\n\n${result.markdown}`);
      sections[name] = result.markdown;
      console.log(`\n## ${name} (${record.seconds} s)\n\n${result.markdown}`);
    }
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
  const elapsed = Math.round((Date.now() - started) / 1000);
  if (!opts.smoke && failures.length === 0) {
    const how = `\`npm run bench -- ${process.argv.slice(2).join(' ')}\`, ${elapsed} s`;
    // The header describes the run behind most tables: only a run of every suite replaces it.
    if (opts.suites.length >= Object.keys(SUITES).length) {
      Object.assign(sections, headerSections(info, versions, unavailable, new Date().toISOString(), how));
    }
    updateReport(sections);
  }
  console.error(`bench: done in ${elapsed} s; results in ${RESULTS}`);
  if (failures.length > 0) {
    console.error(`bench: ${failures.length} suite(s) failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch(async (error) => {
  console.error(`bench: ${error.message}`);
  await stopAll();
  process.exit(2);
});
