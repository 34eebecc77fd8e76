/**
 * cinnabar-server [/path/to/cinnabar.conf] [--port 6380] [--maxmemory 2gb ...]
 *
 * Reads configuration exactly as redis-server does (a config file, then
 * --directive arguments that override it), starts the server, and shuts it
 * down cleanly on SIGINT/SIGTERM or SHUTDOWN.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Config, argsToConfig, parseConfigText } from '../config/config';
import { Server } from '../server/server';
import { VERSION, REDIS_VERSION } from '../version';

function usage(): never {
  process.stderr.write(
    'Usage: ./cinnabar-server [/path/to/cinnabar.conf] [options] [-]\n' +
      '       ./cinnabar-server - (read config from stdin)\n' +
      '       ./cinnabar-server -v or --version\n' +
      '       ./cinnabar-server -h or --help\n\n' +
      'Examples:\n' +
      '       ./cinnabar-server (run the server with default conf)\n' +
      '       ./cinnabar-server /etc/redis/6379.conf\n' +
      '       ./cinnabar-server --port 7777\n' +
      '       ./cinnabar-server /etc/mycinnabar.conf --loglevel verbose -\n' +
      '       ./cinnabar-server --maxmemory 2gb --maxmemory-policy allkeys-lru\n',
  );
  process.exit(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '-v' || args[0] === '--version') {
    process.stdout.write(`Cinnabar server v=${VERSION} redis_api=${REDIS_VERSION} bits=64 node=${process.version}\n`);
    return;
  }
  if (args[0] === '-h' || args[0] === '--help') usage();
  let file: string | null = null;
  let text: string;
  try {
    ({ file, text } = argsToConfig(args.filter((a) => a !== '-')));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    usage();
  }
  const config = new Config();
  let all = '';
  if (file !== null) {
    try {
      all = fs.readFileSync(file, 'latin1') + '\n';
      config.file = path.resolve(file);
    } catch (e) {
      process.stderr.write(`Fatal error, can't open config file '${path.resolve(file)}': ${(e as NodeJS.ErrnoException).message}\n`);
      process.exit(1);
    }
  }
  if (args.includes('-')) all += fs.readFileSync(0, 'latin1') + '\n';
  all += text!;
  try {
    const loaded = parseConfigText(all, file ? path.dirname(path.resolve(file)) : process.cwd());
    for (const [name, value] of loaded.directives) config.setRaw(name, value);
    for (const [from, to] of loaded.renames) config.renames.set(from, to);
    config.fileLines = all.split('\n');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const dir = config.str('dir');
  try {
    process.chdir(dir);
  } catch (e) {
    process.stderr.write(`Can't chdir to '${dir}': ${(e as Error).message}\n`);
    process.exit(1);
  }
  let server: Server;
  try {
    server = new Server({}, config);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const log = server.log;
  log.role = 'C';
  log.warning('oO0OoO0OoO0Oo Cinnabar is starting oO0OoO0OoO0Oo');
  log.warning(`Cinnabar version=${VERSION}, redis_api=${REDIS_VERSION}, bits=64, node=${process.version}, pid=${process.pid}, just started`);
  if (file === null) log.warning(`Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1]} /path/to/cinnabar.conf`);
  else log.warning('Configuration loaded');
  log.role = 'M';
  try {
    await server.listen();
  } catch (e) {
    log.warning(`Warning: ${(e as Error).message}`);
    log.warning('Failed listening on port ' + config.num('port') + ' (tcp), aborting.');
    process.exit(1);
  }
  log.notice(`Running mode=standalone, port=${server.port}.`);
  log.warning('Server initialized');
  try {
    await server.startup();
  } catch {
    // Loading the data files failed; the reason is in the log, as Redis exits with it.
    process.exit(1);
  }
  log.notice('Ready to accept connections tcp');

  server.onExit = (code) => process.exit(code);
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (server.shutdownRequested) {
      log.warning('You insist... exiting now.');
      process.exit(1);
    }
    log.warning(`Received ${sig} scheduling shutdown...`);
    void server.shutdown(sig === 'SIGINT' ? 'sigint' : 'sigterm').then((ok) => {
      if (ok) process.exit(0);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

void main();
