/**
 * Buffer.prototype.latin1Write exists in every Node.js we support (it backs
 * buf.write(s, 'latin1')) but is missing from the typings. Calling it directly
 * skips the encoding dispatch on the reply hot path; V8 inlines this wrapper.
 */
type Latin1Writer = { latin1Write(s: string, offset: number): number };

export function writeLatin1(buf: Buffer, s: string, offset: number): number {
  return (buf as unknown as Latin1Writer).latin1Write(s, offset);
}

type Latin1Slice = (this: Buffer, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;

/** buf.toString('latin1', start, end) without the argument checks and encoding dispatch. */
export function readLatin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}
