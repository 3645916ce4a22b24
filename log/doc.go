// Package log owns one partition's on-disk log and the log directories
// that hold them: segments, sparse offset and time indexes, crash
// recovery, retention, the leader-epoch cache, idempotent-producer state,
// and the per-dir checkpoint files. The layout is Kafka's, so an operator
// finds what they know.
//
// # Layout
//
// Per log dir (Manager):
//
//	<log-dir>/recovery-point-offset-checkpoint  offsets below which each partition is fsynced
//	<log-dir>/replication-offset-checkpoint     high watermarks
//	<log-dir>/log-start-offset-checkpoint       log start offsets
//	<log-dir>/.skiff_cleanshutdown              present only after a clean Close; removed at start
//	<log-dir>/<topic>-<partition>/              one per partition (split at the LAST '-')
//	<log-dir>/<topic>-<partition>.<id>-delete/  a removed partition awaiting deletion
//	<log-dir>/metadata/                         the Raft metadata log (not ours; skipped)
//	<log-dir>/meta.properties                   owned by log/metaprops
//
// The three checkpoints use Kafka's text format: a version line "0", a
// count line, then "topic partition offset" lines. They are replaced
// atomically (temporary file, fsync, rename, fsync of the directory).
//
// Per partition directory (Log):
//
//	00000000000000000000.log        RecordBatch v2 bytes exactly as produced, offsets and leader epoch stamped
//	00000000000000000000.index      sparse offset index: (relativeOffset uint32, position uint32) big-endian
//	00000000000000000000.timeindex  time index: (timestamp int64, relativeOffset uint32) big-endian
//	00000000000000012345.snapshot   producer state after every batch below offset 12345
//	leader-epoch-checkpoint         "0", count, then "epoch startOffset" lines
//	partition.metadata              "version: 0" / "topic_id: <base64url uuid>"
//
// Segment files are named by their base offset in 20 digits. A segment's
// offset index gets an entry (base offset of a batch, its byte position)
// once more than index.interval.bytes were written since the previous
// one; its time index gets (largest timestamp so far, base offset of the
// batch carrying it) at the same moments when the largest timestamp grew,
// plus a final entry when the segment stops being active, so the last
// time index entry of an inactive segment is its largest timestamp.
//
// A producer snapshot is version int16 (1) | crc uint32 (CRC32C of the
// rest) | count int32 | per producer: id int64, epoch int16, batch count
// int8, then per retained batch firstSeq int32, lastSeq int32,
// firstOffset int64, lastOffset int64, maxTimestamp int64. Unlike
// Kafka's, it keeps all five retained batches per producer, so duplicate
// detection survives a restart intact.
//
// # Invariants
//
//   - The .log of a segment holds only whole batches up to its published
//     size, with strictly increasing offsets; the log end offset moves only
//     after a write fully succeeded, so readers never see a partial batch.
//     A failed or short write is cut off again; if that fails too the Log
//     is marked failed and every later call returns ErrStorage.
//   - A leader append is all or nothing: batches are validated (CRC,
//     magic, size, record rules of package batch, idempotent-producer
//     sequence and epoch) before anything is written.
//   - Offsets below the recovery point are fsynced. Without a clean
//     shutdown, every segment from the one holding the recovery point on is
//     validated batch by batch, truncated at the first torn or invalid
//     batch (later segments deleted), and its indexes rebuilt; the repair
//     is logged and kept in Recovery().
//   - Index entries are checked against their segment before a lookup
//     trusts them (whole-entry size, increasing, inside the segment); a bad
//     index is rebuilt from the .log.
//   - Nothing is mapped or open for an idle partition: a new log has a
//     directory and partition.metadata only; its first segment appears with
//     the first append. Only the active segment's indexes are mmap'd (from
//     its first append until it rolls or the log closes); segment files are
//     opened on first use and, through a FileCache shared by the Manager,
//     closed least recently used first.
//   - A segment holding offsets at or above the high watermark is never
//     deleted by retention; a log always keeps a segment file whose name
//     records the log end offset, even when retention deleted all data.
//
// # Zero-copy reads
//
// ReadFile serves a fetch as a byte range of a segment file instead of
// bytes, for sendfile(2). It covers exactly the batches Read would return:
// from the batch holding the fetch offset, whole batches within maxBytes,
// never a batch at or after maxOffset (the high watermark for consumers).
// Where maxBytes cuts a batch, the range ends at the batch boundary before
// it (found from the offset index and a few header reads) rather than
// sending the cut batch's head as Kafka's FileRecords.slice does. No record bytes are read to find it: the start comes from
// the offset index and 61-byte header reads, and both ends of a fetch in
// the active segment that starts on a batch boundary come from the append
// ring, a per-log ring of (next offset, end position) pairs of the active
// segment's latest batches, pushed by the appender before it publishes
// the log end offset, read without a lock, and dropped under segmentsMu
// whenever the active segment rolls or is truncated. The active segment's
// size is never taken as an end: appends publish it before the log end
// offset, so it may already include batches a reader must not see.
//
// The range's file is pinned (the segmentFile reference count) until the
// caller releases the result: FileCache eviction and segment deletion
// (retention, truncation's later segments, Remove, Delete, Close) leave a
// pinned descriptor open and its bytes readable (a deleted file stays
// readable through it) and close it on the last release. Truncation that
// cuts the pinned segment itself (a follower's TruncateTo) does change the
// bytes: the range's tail may be gone, and sendfile comes up short (the
// wire layer then breaks the connection), or be replaced by batches
// appended after the truncation. Only a broker that stopped leading the
// partition truncates, so only a response racing that change can see it.
//
// # Concurrency
//
// A Log's appends and other changes (AppendAsLeader, AppendAsFollower,
// TruncateTo, retention, IncreaseStartOffset, Close) are serialised by
// appendMu, and the replication layer must not issue two appends to one
// partition at once in any case. Read, OffsetForTimestamp, MaxTimestamp,
// the offset and epoch accessors, Flush and the Manager's background work
// run concurrently with them. Readers hold segmentsMu shared for the whole
// read, so truncation, deletion and unmapping wait for them; appends
// publish through atomics and take segmentsMu only to add a segment.
// ReadFile holds segmentsMu shared only while it locates its range; the
// pin it returns keeps the file afterwards.
//
// # Errors
//
// Disk failures wrap ErrStorage; damaged data is a *CorruptionError (which
// also satisfies errors.Is(err, ErrStorage)); malformed batches are
// *batch.FormatError. Kafka error codes are chosen from these only at the
// API edge (wire/kafkaapi).
//
// # What it must not do
//
// Know about the network, Raft, or who leads a partition: the replication
// package tells a Log what to append, where the high watermark is and
// when to truncate. It never decodes and re-encodes stored batches: reads
// return bytes exactly as stored (ReadFile a range of them, possibly
// ending inside a batch).
package log
