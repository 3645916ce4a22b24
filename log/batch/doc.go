// Package batch owns Kafka's v2 RecordBatch format (magic 2): parsing and
// validating batch headers, stamping the fields a broker assigns (base
// offset, partition leader epoch, log-append time), decoding the records
// inside a batch (with gzip, snappy, lz4 or zstd decompression) and building
// batches for the broker's own writes and for tests.
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
// Every function here must be safe on arbitrary bytes from the network or a
// damaged disk: it returns a *FormatError and never panics or reads past the
// slice. The package knows nothing about files, partitions or the network.
package batch
