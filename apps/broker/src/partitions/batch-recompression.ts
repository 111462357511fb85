// A topic's compression.type applied on produce, as Kafka's LogValidator does for magic-2 batches: `producer`
// (the default) stores each batch as the producer compressed it; a named codec (`uncompressed`, `gzip`,
// `snappy`, `lz4`, `zstd`) stores every batch in that codec, re-encoding only the batches the producer
// compressed otherwise. A re-encoded batch keeps everything but its compression: each record's offset delta,
// timestamp, key, value and headers, and the batch's base timestamp, timestamp type, producer id, epoch, base
// sequence, transactional flag and partition leader epoch (so idempotence and transactions see the same batch).
import {
  CONTROL_FLAG,
  Compression,
  computeRecordBatchCrc,
  encodeRecordBatch,
  iterateRecords,
  RecordBatchField,
  readRecordBatchHeader,
} from "@cirrus/kafka-protocol";

const CODECS: Readonly<Record<string, Compression>> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};
/** The attributes' bits 0-2: the batch's codec. */
const COMPRESSION_BITS = 0x07;

/** The codec a topic's compression.type names; undefined for `producer` (keep the producer's) or unset. */
export function compressionOf(value: string | undefined): Compression | undefined {
  return value === undefined ? undefined : CODECS[value.trim().toLowerCase()];
}

/**
 * The batch in `codec`: the same bytes when it already is (no copy), else a new batch. Throws the codec's
 * ProtocolError when the batch's records cannot be read (corrupt or unknown compression).
 */
export function recompressBatch(batch: Buffer, codec: Compression): Buffer {
  // The attributes alone say whether to re-encode (the common case is no): no header object, no BigInts.
  const attributes = batch.readInt16BE(RecordBatchField.attributes);
  if ((attributes & COMPRESSION_BITS) === codec || (attributes & CONTROL_FLAG) !== 0) return batch;
  const header = readRecordBatchHeader(batch);
  const rebuilt = encodeRecordBatch({
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    records: [...iterateRecords(batch)].map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      offsetDelta: Number(r.offset - header.baseOffset),
    })),
    compression: codec,
    timestampType: header.timestampType,
    isTransactional: header.isTransactional,
    baseTimestamp: header.baseTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
  });
  // The producer's header, not what the encoder derives from the records: the offsets the batch spans and its
  // max timestamp (with LogAppendTime they are the batch's, not the records').
  rebuilt.writeInt32BE(header.lastOffsetDelta, RecordBatchField.lastOffsetDelta);
  rebuilt.writeBigInt64BE(header.maxTimestamp, RecordBatchField.maxTimestamp);
  rebuilt.writeUInt32BE(computeRecordBatchCrc(rebuilt), RecordBatchField.crc);
  return rebuilt;
}
