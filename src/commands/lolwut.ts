/**
 * LOLWUT [VERSION v] [args...]: Redis 7.0's art. Version 5 draws Georg Nees'
 * "Schotter" in Braille characters, version 6 an 8-bit skyline in terminal
 * colours; any other version (and the default, since 7.0 has no piece of its
 * own) prints the version line. Arithmetic mirrors the C code's float and
 * rounding behaviour so the deterministic parts (the first two rows of
 * squares) come out identical; the random parts use Math.random as Redis uses
 * rand().
 */
import type { Client } from '../server/client';
import { parseInt64 } from '../protocol/numbers';
import { REDIS_VERSION } from '../version';

const f = Math.fround;

/** C's round(): halves away from zero. */
function cRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** rand() in [0, RAND_MAX]. */
const RAND_MAX = 2147483647;
function rand(): number {
  return Math.floor(Math.random() * (RAND_MAX + 1));
}

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(Math.max(0, width * height)).fill(bg);
  }

  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }

  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }

  /** Bresenham. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1), dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square centred at x,y with the given side and rotation. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    size = f(size / 1.4142135623);
    size = f(cRound(size));
    const px: number[] = [], py: number[] = [];
    let k = f(Math.PI / 4 + angle);
    for (let j = 0; j < 4; j++) {
      px[j] = cRound(Math.sin(k) * size + x);
      py[j] = cRound(Math.cos(k) * size + y);
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f(f(width - padding * 2) / f(perRow));
  const height = Math.trunc(f(f(side * f(perCol)) + padding * 2));
  const canvas = new Canvas(width, height, 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f(f(f(f(x) * side) + f(side / 2)) + padding));
      let sy = Math.trunc(f(f(f(f(y) * side) + f(side / 2)) + padding));
      let angle = 0;
      if (y > 1) {
        let r1 = f(f(f(f(rand()) / f(RAND_MAX)) / f(perCol)) * f(y));
        let r2 = f(f(f(f(rand()) / f(RAND_MAX)) / f(perCol)) * f(y));
        let r3 = f(f(f(f(rand()) / f(RAND_MAX)) / f(perCol)) * f(y));
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)));
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** Braille rendering: each character is a 2x4 block of pixels, UTF-8 encoded as latin1 bytes. */
function renderBraille(c: Canvas): string {
  let text = '';
  for (let y = 0; y < c.height; y += 4) {
    for (let x = 0; x < c.width; x += 2) {
      let byte = 0;
      if (c.get(x, y)) byte |= 1 << 0;
      if (c.get(x, y + 1)) byte |= 1 << 1;
      if (c.get(x, y + 2)) byte |= 1 << 2;
      if (c.get(x + 1, y)) byte |= 1 << 3;
      if (c.get(x + 1, y + 1)) byte |= 1 << 4;
      if (c.get(x + 1, y + 2)) byte |= 1 << 5;
      if (c.get(x, y + 3)) byte |= 1 << 6;
      if (c.get(x + 1, y + 3)) byte |= 1 << 7;
      const code = 0x2800 + byte;
      text += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    if (y !== c.height - 1) text += '\n';
  }
  return text;
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(c: Canvas, si: Skyscraper): void {
  const starty = c.height - 1;
  const endy = starty - si.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = si.xoff; x < si.xoff + si.width; x++) {
      if (y === endy && (x <= si.xoff + 1 || x >= si.xoff + si.width - 2)) continue;
      let color = si.color;
      if (si.windows && x > si.xoff + 1 && x < si.xoff + si.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (si.xoff + 1);
        const rely = y - (endy + 1);
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do {
            color = 1 + (rand() % 2);
          } while (color === si.color);
          if (relx % 2) color = c.get(x - 1, y);
        }
      }
      c.set(x, y, color);
    }
  }
}

function skyline(c: Canvas): void {
  const h = c.height;
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < c.width; ) {
      offset += rand() % 8;
      const si: Skyscraper = { xoff: offset, width: 10 + (rand() % 9), height: 0, windows: false, color };
      si.height = color === 2 ? Math.trunc(h / 2) + Math.trunc((rand() % h) / 2) : Math.trunc(h / 2) + Math.trunc((rand() % h) / 3);
      skyscraper(c, si);
      offset += color === 2 ? Math.trunc(si.width / 2) : si.width + 1;
    }
  }
  for (let offset = -10; offset < c.width; ) {
    offset += rand() % 8;
    const si: Skyscraper = { xoff: offset, width: 5 + (rand() % 14), height: 0, windows: true, color: 0 };
    if (si.width % 4) si.width += si.width % 3;
    si.height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    skyscraper(c, si);
    offset += si.width + 5;
  }
}

const COLORS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

function renderColors(c: Canvas): string {
  let text = '';
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) text += `\x1b[${COLORS[c.get(x, y)] ?? COLORS[0]} \x1b[0m`;
    if (y !== c.height - 1) text += '\n';
  }
  return text;
}

/** Parse up to n long arguments (getLongFromObjectOrReply); null after replying an error. */
function longArgs(c: Client, args: string[], defaults: number[]): number[] | null {
  const out = defaults.slice();
  for (let i = 0; i < defaults.length && i < args.length; i++) {
    const v = parseInt64(args[i]);
    if (v === null) {
      c.error('ERR value is not an integer or out of range');
      return null;
    }
    out[i] = v;
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

export function lolwutCommand(c: Client, argv: string[]): void {
  let version = REDIS_VERSION;
  let args = argv.slice(1);
  if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
    const v = parseInt64(argv[2]);
    if (v === null) {
      c.error('ERR value is not an integer or out of range');
      return;
    }
    version = `${BigInt.asUintN(32, BigInt(v))}.0.0`;
    args = argv.slice(3);
  }
  const v0 = version[0], v1 = version[1], v2 = version[2];
  if ((v0 === '5' && v1 === '.' && v2 !== '9') || (v0 === '4' && v1 === '.' && v2 === '9')) {
    const a = longArgs(c, args, [66, 8, 12]);
    if (a === null) return;
    const canvas = schotter(clamp(a[0], 1, 1000), clamp(a[1], 1, 200), clamp(a[2], 1, 200));
    c.w.verbatim(renderBraille(canvas) + `\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`);
  } else if ((v0 === '6' && v1 === '.' && v2 !== '9') || (v0 === '5' && v1 === '.' && v2 === '9')) {
    const a = longArgs(c, args, [80, 20]);
    if (a === null) return;
    const canvas = new Canvas(clamp(a[0], 1, 1000), clamp(a[1], 1, 1000), 3);
    skyline(canvas);
    c.w.verbatim(
      renderColors(canvas) +
        '\nDedicated to the 8 bit game developers of past and present.\n' +
        `Original 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
    );
  } else {
    c.w.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
  }
}
