// Cuts a list of chunks into multipart-upload parts of `partSize` bytes (the last one shorter).
// A part that lies inside one chunk is a view of it (no copy); a part spanning chunks is concatenated.
export function splitIntoParts(chunks: readonly Buffer[], length: number, partSize: number): Buffer[] {
  const parts: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, partSize - pendingBytes);
      pending.push(chunk.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === partSize) {
        parts.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0 || length === 0) parts.push(Buffer.concat(pending, pendingBytes));
  return parts;
}
