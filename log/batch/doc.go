// Package batch owns Kafka's v2 RecordBatch format (magic 2): parsing and
// validating batch headers, stamping the fields a broker assigns (base
// offset, partition leader epoch, log-append time), decoding the records
// inside a batch (with gzip, snappy, lz4 or zstd decompression), running
// Kafka's LogValidator checks on a producer's batch, and building batches
// for the broker's own writes and for tests.
//
// The byte layout is Kafka's, so a batch is stored on disk exactly as a
// producer sent it and served to consumers exactly as stored:
//
//	baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 |
//	magic int8 (=2) | crc uint32 (CRC32C of attributes..end) |
//	attributes int16 | lastOffsetDelta int32 | firstTimestamp int64 |
//	maxTimestamp int64 | producerId int64 | producerEpoch int16 |
//	baseSequence int32 | recordCount int32 | records...
//
// attributes: bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
// bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional, bit 5
// control, bit 6 delete horizon set (firstTimestamp is then the horizon).
//
// The records section (compressed as a whole when the codec is not none)
// is recordCount records, back to back, each
//
//	length varint (of what follows) | attributes int8 |
//	timestampDelta varlong | offsetDelta varint |
//	keyLength varint | key | valueLength varint | value |
//	headerCount varint | headers: (keyLength varint | key (UTF-8) |
//	                               valueLength varint | value)...
//
// where varints are zig-zag encoded, a length of -1 is null (the key,
// value or header value is absent; header keys are never null) and every
// record must end exactly where its length says. A record's offset is
// baseOffset + offsetDelta and its timestamp firstTimestamp +
// timestampDelta, except in a LogAppendTime batch, where every record's
// timestamp is maxTimestamp.
//
// Invariants:
//   - Every function here is safe on arbitrary bytes from the network or a
//     damaged disk: it returns a *FormatError (or, from ValidateRecords, a
//     list of RecordErrors) and never panics or reads past the slice.
//     Functions documented to take a whole valid batch (SetLogAppendTime,
//     Checksum) are the exception and are for bytes already validated.
//   - Decompression is bounded: a caller-given limit caps the output, so a
//     small batch cannot expand into an unbounded allocation.
//   - ValidateRecords on an uncompressed batch does not allocate.
//
// The package knows nothing about files, partitions, topics or the
// network, and does not choose Kafka error codes: Reason and
// RecordErrorReason document which code Kafka would send, and
// wire/kafkaapi does the mapping.
package batch
