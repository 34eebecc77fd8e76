/**
 * LZF, the compression RDB files use for strings and quicklist nodes.
 *
 * The compressor makes the same choices as liblzf 3.6 in the configuration
 * Redis builds (16-bit hash table, VERY_FAST, offsets into the input), so the
 * same input gives the same bytes as Redis's DUMP and SAVE:
 *  - the hash of the 3 bytes at p indexes a table of the latest position
 *    with that hash; position 0 is never a back reference;
 *  - a back reference needs 3 equal bytes within 8192 bytes back; matches are
 *    extended up to 264 bytes (and never into the last 2 input bytes);
 *  - after a match, only the 2 positions before its end are hashed;
 *  - literal runs are at most 32 bytes.
 * The table starts empty on every call (Redis's is stack memory; an empty
 * table is what a fresh process sees).
 *
 * Format: a control byte c < 32 starts a run of c+1 literal bytes; otherwise
 * the length is c >> 5 (7 means "read one more byte and add it") plus 2, and
 * the distance is ((c & 31) << 8 | next byte) + 1.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

let htab = new Uint32Array(HSIZE);
/** Generation stamps make clearing the table O(1) per call. */
let hgen = new Uint32Array(HSIZE);
let generation = 0;

function idx(h: number): number {
  // ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1), on 32-bit unsigned h.
  return ((h >>> 8) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compress input[0..inLen) into out (at most outLen bytes). Returns the
 * compressed length, or 0 when the result would not fit in outLen (then
 * Redis stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array, outLen: number, inStart = 0, inLen = input.length - inStart): number {
  const z = new LzfCompressor(input, out, outLen, inStart, inLen, false);
  z.run(Infinity);
  return z.result;
}

/**
 * liblzf's compressor as a resumable computation: run(stopAt) works until
 * the input position passes stopAt, so a huge string can be compressed a
 * slice at a time. A compressor that may be suspended while others run gets
 * its own table (`dedicated`); the shared one is only for run-to-end calls.
 */
export class LzfCompressor {
  /** The compressed length when finished (0: did not fit). */
  result = 0;
  done = false;
  private readonly tab: Uint32Array;
  private readonly gens: Uint32Array | null;
  private readonly gen: number;
  private readonly inEnd: number;
  ip: number;
  private op = 1; // the first literal run starts at 0
  private lit = 0;
  private hval: number;
  /** In the final literal copy. */
  private tail = false;

  constructor(
    private readonly input: Uint8Array,
    private readonly out: Uint8Array,
    private readonly outLen: number,
    private readonly base = 0,
    inLen = input.length - base,
    dedicated = true,
  ) {
    this.inEnd = base + inLen;
    this.ip = base;
    if (inLen === 0 || outLen === 0) {
      this.done = true;
      this.tab = htab;
      this.gens = null;
      this.gen = 0;
      this.hval = 0;
      return;
    }
    if (dedicated) {
      // A zeroed table: offset 0 means "none", and position 0 is never a reference anyway.
      this.tab = new Uint32Array(HSIZE);
      this.gens = null;
      this.gen = 0;
    } else {
      if (++generation === 0xffffffff) {
        hgen.fill(0);
        generation = 1;
      }
      this.tab = htab;
      this.gens = hgen;
      this.gen = generation;
    }
    // hval holds the last bytes seen, as liblzf's unsigned int.
    this.hval = ((input[base] << 8) | input[base + 1]) >>> 0;
  }

  /** Work until the input position reaches stopAt (or the end). True when finished. */
  run(stopAt: number): boolean {
    if (this.done) return true;
    const input = this.input;
    const out = this.out;
    const tab = this.tab;
    const gens = this.gens;
    const gen = this.gen;
    const base = this.base;
    const inEnd = this.inEnd;
    const outEnd = this.outLen;
    let ip = this.ip;
    let op = this.op;
    let lit = this.lit;
    let hval = this.hval;
    const stop = Math.min(stopAt, inEnd - 2);

    if (!this.tail) {
      while (ip < inEnd - 2) {
        if (ip >= stop) {
          this.ip = ip;
          this.op = op;
          this.lit = lit;
          this.hval = hval;
          return false;
        }
        hval = ((hval << 8) | input[ip + 2]) >>> 0;
        const slot = idx(hval);
        const refOff = gens === null || gens[slot] === gen ? tab[slot] : 0;
        tab[slot] = ip - base;
        if (gens !== null) gens[slot] = gen;
        const ref = base + refOff;
        const off = ip - ref - 1;
        if (
          refOff > 0 &&
          ref < ip &&
          off < MAX_OFF &&
          input[ref + 2] === input[ip + 2] &&
          input[ref] === input[ip] &&
          input[ref + 1] === input[ip + 1]
        ) {
          // Match found at ref.
          let len = 2;
          let maxlen = inEnd - ip - len;
          if (maxlen > MAX_REF) maxlen = MAX_REF;

          if (op + 3 + 1 >= outEnd) {
            if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return this.finish(0);
          }

          out[op - lit - 1] = lit - 1; // stop run
          if (lit === 0) op--; // undo run if length is zero

          matchLoop: for (;;) {
            if (maxlen > 16) {
              // liblzf's unrolled comparison of the next 16 bytes, without the maxlen test.
              for (let k = 0; k < 16; k++) {
                len++;
                if (input[ref + len] !== input[ip + len]) break matchLoop;
              }
            }
            do len++;
            while (len < maxlen && input[ref + len] === input[ip + len]);
            break;
          }

          len -= 2; // len is now #octets - 1
          ip++;

          if (len < 7) {
            out[op++] = (off >>> 8) + (len << 5);
          } else {
            out[op++] = (off >>> 8) + (7 << 5);
            out[op++] = len - 7;
          }
          out[op++] = off & 0xff;

          lit = 0;
          op++; // start run

          ip += len + 1;
          if (ip >= inEnd - 2) break;

          // VERY_FAST: hash the two positions before the end of the match.
          ip -= 2;
          hval = ((input[ip] << 8) | input[ip + 1]) >>> 0;
          hval = ((hval << 8) | input[ip + 2]) >>> 0;
          let sl = idx(hval);
          tab[sl] = ip - base;
          if (gens !== null) gens[sl] = gen;
          ip++;
          hval = ((hval << 8) | input[ip + 2]) >>> 0;
          sl = idx(hval);
          tab[sl] = ip - base;
          if (gens !== null) gens[sl] = gen;
          ip++;
        } else {
          // One more literal byte.
          if (op >= outEnd) return this.finish(0);
          lit++;
          out[op++] = input[ip++];
          if (lit === MAX_LIT) {
            out[op - lit - 1] = lit - 1; // stop run
            lit = 0;
            op++; // start run
          }
        }
      }
      if (op + 3 > outEnd) return this.finish(0); // at most 3 bytes can be missing here
      this.tail = true;
    }

    while (ip < inEnd) {
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }

    out[op - lit - 1] = lit - 1; // end run
    if (lit === 0) op--; // undo run if length is zero
    this.ip = ip;
    return this.finish(op);
  }

  private finish(result: number): boolean {
    this.result = result;
    this.done = true;
    return true;
  }
}

/** Thrown for input that is not valid LZF or does not expand to the expected size. */
export class LzfError extends Error {}

/**
 * Decompress input[start..end) into a buffer of exactly outLen bytes.
 * Throws LzfError on corrupt input (Redis: "Invalid LZF compressed string").
 */
export function lzfDecompress(input: Uint8Array, start: number, end: number, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = start;
  let op = 0;
  while (ip < end) {
    let ctrl = input[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen) throw new LzfError('output overflow');
      if (ip + ctrl > end) throw new LzfError('input overflow');
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) throw new LzfError('input overflow');
      if (len === 7) {
        len += input[ip++];
        if (ip >= end) throw new LzfError('input overflow');
      }
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen) throw new LzfError('output overflow');
      if (ref < 0) throw new LzfError('invalid back reference');
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  if (op !== outLen) throw new LzfError('length mismatch');
  return out;
}

/** Drop the tables (tests that measure memory). */
export function lzfReset(): void {
  htab = new Uint32Array(HSIZE);
  hgen = new Uint32Array(HSIZE);
  generation = 0;
}
