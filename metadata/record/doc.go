// Package record defines the records of the `@metadata` log and their
// versioned binary encoding.
//
// The `@metadata` log is the single source of truth for cluster metadata:
// brokers, topics, partitions, configs and producer-id blocks. Every node
// applies it, in order, to an in-memory image (package image). One Raft log
// entry carries a list of records that is applied atomically (a Topic and
// its Partitions, say), so the unit of encoding here is the entry.
//
// The record types mirror KRaft's (RegisterBrokerRecord, TopicRecord,
// PartitionRecord, PartitionChangeRecord, ConfigRecord, ProducerIdsRecord,
// RemoveTopicRecord, ...), with names a Kafka operator recognises.
//
// # Entry format (format byte 0x01)
//
//	entry  := format:byte(0x01) count:uvarint record*count
//	record := type:uvarint version:uvarint length:uvarint body[length]
//
// Integers inside bodies are zig-zag varints (int8/16/32/64) or uvarints
// (uint16, lengths); a bool is one byte 0 or 1; a string is uvarint length
// then bytes; a nullable string or array stores length+1, with 0 meaning
// null; an int32 array is a count then the elements; a UUID is 16 raw bytes.
// The field order of each body is documented on its type.
//
// # Compatibility rules (append-only)
//
// A record type's meaning never changes. A new version may only append
// fields to the end of the body. A decoder that meets a newer version than
// it knows decodes the fields it knows and skips the rest (the body is
// length-prefixed); a decoder that meets an older version fills the missing
// fields with their documented defaults. A known version with bytes left
// over, an unknown type, or any malformed field is a *FormatError.
// Golden-bytes tests (testdata/*.golden) fail on any accidental change.
//
// # Decoding untrusted bytes
//
// Decode never panics and never allocates more than a small constant
// factor of its input: every count and length is checked against the bytes
// that remain before anything is allocated.
//
// # Snapshot stream format
//
// Writer and Reader frame record lists for files (FSM snapshots):
//
//	frame := length:uvarint crc32c(payload):uint32be payload(an entry)
//
// A frame longer than the reader's limit or with a bad checksum is a
// *FormatError; a stream cut inside a frame is io.ErrUnexpectedEOF.
//
// This package knows nothing about Raft, images or the network.
package record
