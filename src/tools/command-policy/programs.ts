/**
 * What the command policy knows about particular programs: which ones run other programs
 * (refused unless an entry says `runs_programs: true`), which options turn a harmless program
 * into one that does, and what some programs are always given to stay harmless. Data, kept
 * apart from the matching so the lists can be read and extended on their own.
 *
 * A list can never be complete: the policy refuses what is known, and docs/security.md says
 * plainly that `shell` is not a sandbox.
 */

/** Programs that run other programs: shells, wrappers, interpreters, build and package tools. */
// biome-ignore format: a packed list reads better than one name per line
const RUNNERS = new Set([
  // Shells and shell-like entry points.
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'ash', 'rbash',
  'busybox', 'toybox', 'exec', 'eval', 'command', 'builtin',
  // Wrappers that run their arguments.
  'env', 'xargs', 'nice', 'ionice', 'nohup', 'timeout', 'sudo', 'su', 'doas', 'pkexec', 'runuser',
  'setsid', 'setpriv', 'stdbuf', 'unbuffer', 'chroot', 'unshare', 'nsenter', 'taskset', 'chrt',
  'numactl', 'prlimit', 'flock', 'time', 'watch', 'strace', 'ltrace', 'gdb', 'lldb', 'valgrind',
  'script', 'expect', 'parallel', 'sg', 'newgrp', 'fakeroot', 'firejail', 'bwrap', 'proot',
  'systemd-run', 'screen', 'tmux', 'at', 'batch', 'crontab', 'ssh-agent', 'dbus-launch',
  'xdg-open', 'open', 'catchsegv', 'entr', 'inotifywait',
  // Programs whose argument or configuration is a program, or that start a pager or editor.
  'vi', 'vim', 'nvim', 'view', 'ex', 'ed', 'emacs', 'less', 'more', 'most', 'man', 'sqlite3',
  'psql', 'mysql', 'mariadb',
  // Remote and archive tools that run helpers (rsh/ssh, compressors, checkpoint actions).
  'ssh', 'scp', 'sftp', 'rsync', 'tar',
  // Programs whose input is a program (macro processors, calculators with shell escapes, the
  // dynamic loader's tracer, compile-and-run), and more wrappers (moreutils, proxies, relays).
  'm4', 'dc', 'ldd', 'tcc', 'run-parts', 'start-stop-daemon', 'chpst', 'cpulimit', 'sshpass',
  'torsocks', 'proxychains', 'proxychains4', 'chronic', 'ifne', 'pee', 'mispipe', 'vipe', 'zrun',
  'lckdo', 'sudoedit', 'xterm', 'socat', 'nc', 'ncat', 'netcat', 'cpio', 'gpg', 'gpg2',
  // Version control systems that run helpers named by options or repository configuration.
  'hg', 'svn',
  // Build, package and container tools (they run scripts from files a model may write).
  'make', 'gmake', 'cmake', 'ninja', 'meson', 'cargo', 'go', 'gcc', 'g++', 'cc', 'c++', 'clang',
  'clang++', 'ld', 'npm', 'npx', 'pnpm', 'yarn', 'pip', 'pip3', 'pipx', 'uv', 'poetry', 'gem',
  'bundle', 'rake', 'composer', 'mvn', 'gradle', 'ant', 'dpkg', 'apt', 'apt-get', 'rpm', 'dnf',
  'yum', 'apk', 'docker', 'podman', 'kubectl', 'nerdctl', 'ctr', 'lxc',
]);

/** Interpreters, whatever their version suffix (`python3.12`, `ruby3.2`, `node24`). */
const INTERPRETER =
  /^(?:python|pypy|ruby|irb|perl|php|lua|luajit|tclsh|wish|node|nodejs|deno|bun|julia|rscript|r|java|jshell|pwsh|powershell|osascript|awk|gawk|mawk|nawk|guile|racket|sbcl|ocaml|ghci|runghc|swift|kotlin|scala|groovy|elixir|erl|escript)[\d.-]*$/i;

/** True when `name` (a program's base name) runs other programs. */
export function runsPrograms(name: string): boolean {
  const base = name.toLowerCase().replace(/\.exe$/, '');
  return RUNNERS.has(base) || INTERPRETER.test(base);
}

/** Arguments always put first, to take a program's ability to run or write things away. */
export const FORCED_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  // GNU sed's --sandbox refuses the e (execute), w and r (file) commands. A sed without the
  // option fails to start, which is the safe way to fail.
  sed: ['--sandbox'],
};

/**
 * Settings given to git through the environment, which outrank every configuration file: a
 * repository the model can write cannot turn on hooks, fsmonitor, pagers or the ext transport.
 */
const GIT_SETTINGS: ReadonlyArray<[string, string]> = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.pager', 'cat'],
  ['core.editor', 'false'],
  ['sequence.editor', 'false'],
  ['core.askPass', ''],
  ['protocol.ext.allow', 'never'],
  // Local clones would read repositories outside allowed_paths through a `file://` URL.
  ['protocol.file.allow', 'never'],
  ['credential.helper', ''],
];

export function extraEnvironment(name: string): Record<string, string> {
  if (name !== 'git') return {};
  const env: Record<string, string> = {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: String(GIT_SETTINGS.length),
  };
  GIT_SETTINGS.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/** Why these arguments make `name` run another program, or undefined when they do not. */
export function runningOptions(name: string, args: readonly string[]): string | undefined {
  const rule = OPTION_RULES[name];
  return rule?.(args);
}

const optionName = (arg: string) => arg.split('=')[0] ?? arg;

/**
 * The long option of `names` that `arg` spells, abbreviations included: getopt_long and git's
 * option parser both take any unique prefix (`--upload-p` is `--upload-pack`), and the value
 * may be glued with `=` or be the next argument.
 */
function longOption(arg: string, names: readonly string[]): string | undefined {
  const name = optionName(arg);
  if (!name.startsWith('--') || name.length < 3) return undefined;
  return names.includes(name) ? name : names.find((full) => full.startsWith(name));
}

/** A rule refusing any spelling of these long options of one program. */
function refuseLong(program: string, names: readonly string[]) {
  return (args: readonly string[]): string | undefined => {
    for (const arg of args) {
      if (arg === '--') return undefined;
      const full = longOption(arg, names);
      if (full !== undefined) return `${program} ${full} runs a program`;
    }
    return undefined;
  };
}

const OPTION_RULES: Record<string, (args: readonly string[]) => string | undefined> = {
  find(args) {
    const bad = args.find((arg) => ['-exec', '-execdir', '-ok', '-okdir'].includes(arg));
    return bad ? `find ${bad} runs a program for each file` : undefined;
  },
  git(args) {
    const at = gitSubcommandIndex(args);
    const subcommand = at < 0 ? undefined : args[at];
    for (const [index, arg] of args.entries()) {
      const global = at < 0 || index < at;
      const setting = longOption(arg, ['--config-env', '--exec-path']);
      if (global && (arg === '-c' || setting !== undefined))
        return `git ${setting ?? '-c'} sets configuration or paths that run programs`;
      const running = longOption(arg, GIT_RUNNING_OPTIONS);
      if (running !== undefined) return `git ${running} runs a program`;
      if (arg.startsWith('ext::')) return 'the git ext:: transport runs a program';
      if ((subcommand === 'clone' || subcommand === 'ls-remote') && arg === '-u')
        return `git ${subcommand} -u runs a program`;
      if (subcommand === 'rebase' && /^-[a-zA-Z]*x/.test(arg)) return 'git rebase -x runs a program';
      if (subcommand === 'grep' && /^-[a-zA-Z]*O/.test(arg)) return 'git grep -O runs a program';
    }
    // Anything else may be an alias (`alias.x = !sh …` in a repository's config) or a `git-x`
    // program on PATH, or runs programs itself (config, difftool, bisect run, submodule foreach).
    if (subcommand !== undefined && !GIT_SUBCOMMANDS.has(subcommand))
      return `git ${subcommand} is not one of the git commands the policy knows to run no other program (${[...GIT_SUBCOMMANDS].join(', ')})`;
    return undefined;
  },
  // split hands --filter to $SHELL; sort runs its --compress-program; sdiff and diff3 run
  // their --diff-program.
  split: refuseLong('split', ['--filter']),
  sort: refuseLong('sort', ['--compress-program']),
  sdiff: refuseLong('sdiff', ['--diff-program']),
  diff3: refuseLong('diff3', ['--diff-program']),
  zip(args) {
    const bad = args.find((arg) => optionName(arg) === '-TT' || longOption(arg, ['--unzip-command']));
    return bad ? `zip ${optionName(bad) === '-TT' ? '-TT' : '--unzip-command'} runs a program` : undefined;
  },
  wget(args) {
    const bad = args.find((arg) => longOption(arg, ['--use-askpass']));
    return bad ? 'wget --use-askpass runs a program' : undefined;
  },
};

const GIT_RUNNING_OPTIONS = [
  '--config-env',
  '--exec-path',
  '--upload-pack',
  '--receive-pack',
  '--exec',
  '--extcmd',
  '--ext-diff',
  '--template',
  '--tool',
  '--open-files-in-pager',
];

/** git commands that run no other program (with the settings of `extraEnvironment`). */
// biome-ignore format: a packed list reads better than one name per line
const GIT_SUBCOMMANDS = new Set([
  'add', 'annotate', 'apply', 'archive', 'blame', 'branch', 'bundle', 'cat-file', 'check-ignore',
  'checkout', 'cherry', 'cherry-pick', 'clean', 'clone', 'commit', 'count-objects', 'describe',
  'diff', 'diff-files', 'diff-index', 'diff-tree', 'fetch', 'for-each-ref', 'format-patch', 'fsck',
  'gc', 'grep', 'hash-object', 'init', 'log', 'ls-files', 'ls-remote', 'ls-tree', 'merge',
  'merge-base', 'mv', 'notes', 'pull', 'push', 'range-diff', 'rebase', 'reflog', 'remote', 'reset',
  'restore', 'rev-list', 'rev-parse', 'revert', 'rm', 'shortlog', 'show', 'show-branch',
  'show-ref', 'stash', 'status', 'switch', 'tag', 'version', 'whatchanged', 'worktree',
]);

/** Global options of git that take the next argument as their value. */
const GIT_GLOBAL_WITH_VALUE = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--super-prefix',
]);

/** Where the subcommand is in git's arguments (`git -C dir status` → 2), or -1. */
function gitSubcommandIndex(args: readonly string[]): number {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (GIT_GLOBAL_WITH_VALUE.has(arg)) index += 1;
    else if (!arg.startsWith('-')) return index;
  }
  return -1;
}
