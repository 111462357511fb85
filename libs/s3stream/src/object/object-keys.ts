// Where an object's bytes live in the object store: derived from its id alone, so metadata never stores keys.
// A short hash prefix spreads keys over S3 partitions.
export function objectKey(objectId: number): string {
  const spread = ((objectId * 2654435761) >>> 0) % 4096;
  return `s3stream/${spread.toString(16).padStart(3, "0")}/${objectId}`;
}
