/**
 * Embedding API: run Cinnabar inside a Node process (for other projects' tests).
 *
 *   const s = await startServer({ port: 0 });
 *   // connect any Redis client to s.port
 *   await s.close();
 *
 * Options are redis.conf directives by name. Nothing is global: several
 * servers can run in one process.
 */
import { Server, type ServerOptions } from './server/server';

export interface RunningServer {
  /** The port the server listens on (the chosen one when port was 0). */
  readonly port: number;
  readonly host: string;
  /** The server object, for in-process inspection. */
  readonly server: Server;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts: ServerOptions = { port: 0, bind: '127.0.0.1', save: '', ...options };
  const server = new Server(opts);
  if (!('logfile' in options) && !('loglevel' in options)) server.log.silent = true;
  await server.listen();
  return {
    port: server.port,
    host: '127.0.0.1',
    server,
    close: () => server.close(),
  };
}

export { Server };
export type { ServerOptions };
export { VERSION, REDIS_VERSION } from './version';
