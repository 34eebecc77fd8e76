/**
 * Logging in Redis's format and levels:
 *   pid:role dd Mon yyyy HH:MM:SS.mmm <level> message
 * where level is '.' debug, '-' verbose, '*' notice, '#' warning, and role is
 * M (master), S (replica) or C (a child task). Writes to `logfile`, or stdout
 * when it is empty.
 */
import * as fs from 'fs';

export const LL_DEBUG = 0;
export const LL_VERBOSE = 1;
export const LL_NOTICE = 2;
export const LL_WARNING = 3;

const LEVEL_CHAR = ['.', '-', '*', '#'];
const LEVELS: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function timestamp(d = new Date()): string {
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export class Logger {
  level = LL_NOTICE;
  role = 'M';
  private fd: number | null = null;
  /** Embedded servers in tests often want silence. */
  silent = false;

  constructor(
    private file: string,
    level: string,
  ) {
    this.setLevel(level);
    this.open();
  }

  setLevel(level: string): void {
    this.level = LEVELS[level] ?? LL_NOTICE;
  }

  private open(): void {
    if (this.file === '') {
      this.fd = null;
      return;
    }
    try {
      this.fd = fs.openSync(this.file, 'a');
    } catch (e) {
      // Redis refuses to start with an unwritable logfile; the caller checks that at startup.
      throw new Error(`Can't open the log file: ${(e as Error).message}`);
    }
  }

  log(level: number, msg: string): void {
    if (level < this.level || this.silent) return;
    const line = `${process.pid}:${this.role} ${timestamp()} ${LEVEL_CHAR[level]} ${msg}\n`;
    if (this.fd !== null) fs.writeSync(this.fd, line);
    else process.stdout.write(line);
  }

  /** A line without the level filter (the startup banner). */
  raw(msg: string): void {
    if (this.silent) return;
    if (this.fd !== null) fs.writeSync(this.fd, msg + '\n');
    else process.stdout.write(msg + '\n');
  }

  debug(msg: string): void {
    this.log(LL_DEBUG, msg);
  }
  verbose(msg: string): void {
    this.log(LL_VERBOSE, msg);
  }
  notice(msg: string): void {
    this.log(LL_NOTICE, msg);
  }
  warning(msg: string): void {
    this.log(LL_WARNING, msg);
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
