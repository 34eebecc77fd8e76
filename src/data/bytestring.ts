/**
 * A string value that is edited in place (APPEND, SETRANGE, SETBIT, BITFIELD).
 * Plain string values are immutable latin1 JS strings; a value that gets
 * mutated becomes a ByteString so repeated edits cost O(change), not O(length),
 * like Redis's sds with free space. OBJECT ENCODING reports such values as
 * "raw", as Redis does after APPEND/SETRANGE.
 */
import { writeLatin1 } from '../protocol/latin1';
export class ByteString {
  buf: Buffer;
  length: number;
  /**
   * Set for a value Redis would hold as an "embstr" that a plain string
   * cannot stand for: INCRBYFLOAT's integer-looking results (a plain string
   * holding a canonical integer reports "int"). Editing such a value in place
   * makes it raw, as dbUnshareStringValue does.
   */
  embstr = false;

  constructor(init: string | Buffer, capacity = 0) {
    const n = typeof init === 'string' ? init.length : init.length;
    this.buf = Buffer.alloc(Math.max(capacity, n));
    if (typeof init === 'string') writeLatin1(this.buf, init, 0);
    else init.copy(this.buf, 0);
    this.length = n;
  }

  /** Grow to at least n bytes, zero-filling, with room to spare as sds does. */
  ensureLength(n: number): void {
    if (n <= this.length) return;
    if (n > this.buf.length) {
      // sdsMakeRoomFor: double below 1MB, then add 1MB.
      const cap = n < 1024 * 1024 ? n * 2 : n + 1024 * 1024;
      const b = Buffer.alloc(cap);
      this.buf.copy(b, 0, 0, this.length);
      this.buf = b;
    } else this.buf.fill(0, this.length, n);
    this.length = n;
  }

  append(s: string): void {
    const at = this.length;
    this.ensureLength(at + s.length);
    writeLatin1(this.buf, s, at);
  }

  /** A copy with the same bytes and encoding (dupStringObject), without spare room. */
  clone(): ByteString {
    const c = new ByteString(this.buf.subarray(0, this.length));
    c.embstr = this.embstr;
    return c;
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.length);
  }

  get capacity(): number {
    return this.buf.length;
  }
}
