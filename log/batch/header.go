package batch

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Byte positions of the v2 RecordBatch header fields. The header is the same
// on the wire and on disk, so these are also the positions in a segment.
const (
	offBaseOffset           = 0
	offLength               = 8
	offPartitionLeaderEpoch = 12
	offMagic                = 16
	offCRC                  = 17
	offAttributes           = 21
	offLastOffsetDelta      = 23
	offFirstTimestamp       = 27
	offMaxTimestamp         = 35
	offProducerID           = 43
	offProducerEpoch        = 51
	offBaseSequence         = 53
	offNumRecords           = 57

	// HeaderSize is the size of a v2 RecordBatch header, records excluded.
	HeaderSize = 61
	// LengthFieldEnd is where the batchLength field ends: a batch occupies
	// LengthFieldEnd + Length bytes in total.
	LengthFieldEnd = offPartitionLeaderEpoch
	// crcStart is where the CRC32C coverage begins (attributes to the end).
	crcStart = offAttributes
)

// Magic is the only record batch format version Skiff stores and serves.
const Magic = 2

// Attribute bits of a v2 batch.
const (
	attrCompressionMask = 0x07
	attrLogAppendTime   = 0x08
	attrTransactional   = 0x10
	attrControl         = 0x20
	attrDeleteHorizon   = 0x40
)

// NoSequence and NoProducerID mark a batch from a non-idempotent producer.
const (
	NoProducerID    int64 = -1
	NoProducerEpoch int16 = -1
	NoSequence      int32 = -1
)

// Codec is the compression codec named in a batch's attributes.
type Codec int8

// The codecs Kafka defines, by their attribute value.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

// Header is a decoded v2 RecordBatch header.
type Header struct {
	BaseOffset           int64
	Length               int32 // bytes after the length field
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	FirstTimestamp       int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// Size is the number of bytes the whole batch occupies.
func (h Header) Size() int { return LengthFieldEnd + int(h.Length) }

// LastOffset is the offset of the batch's last record.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset right after the batch.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Codec is the compression codec of the records section.
func (h Header) Codec() Codec { return Codec(h.Attributes & attrCompressionMask) }

// LogAppendTime reports whether MaxTimestamp is the broker's append time.
func (h Header) LogAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }

// Transactional reports whether the batch belongs to a transaction.
func (h Header) Transactional() bool { return h.Attributes&attrTransactional != 0 }

// Control reports whether the batch holds a control record (commit/abort marker).
func (h Header) Control() bool { return h.Attributes&attrControl != 0 }

// HasDeleteHorizon reports whether FirstTimestamp holds a compaction delete horizon.
func (h Header) HasDeleteHorizon() bool { return h.Attributes&attrDeleteHorizon != 0 }

// Idempotent reports whether the batch carries a producer id and sequence.
func (h Header) Idempotent() bool { return h.ProducerID >= 0 }

// LastSequence is the sequence of the batch's last record, wrapping at
// MaxInt32 the way Kafka's producers do.
func (h Header) LastSequence() int32 {
	if h.BaseSequence == NoSequence {
		return NoSequence
	}
	return IncrementSequence(h.BaseSequence, h.LastOffsetDelta)
}

// IncrementSequence adds n to seq, wrapping past MaxInt32 to 0.
func IncrementSequence(seq, n int32) int32 {
	if seq > int32(^uint32(0)>>1)-n {
		return n - (int32(^uint32(0)>>1) - seq) - 1
	}
	return seq + n
}

// ParseHeader decodes the header at the start of b. It checks only that the
// header is complete and the magic byte is 2; Validate checks the rest.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, &FormatError{Reason: ReasonShortHeader, Detail: fmt.Sprintf("%d bytes, need %d", len(b), HeaderSize)}
	}
	h := Header{
		BaseOffset:           int64(binary.BigEndian.Uint64(b[offBaseOffset:])),
		Length:               int32(binary.BigEndian.Uint32(b[offLength:])),
		PartitionLeaderEpoch: int32(binary.BigEndian.Uint32(b[offPartitionLeaderEpoch:])),
		Magic:                int8(b[offMagic]),
		CRC:                  binary.BigEndian.Uint32(b[offCRC:]),
		Attributes:           int16(binary.BigEndian.Uint16(b[offAttributes:])),
		LastOffsetDelta:      int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:])),
		FirstTimestamp:       int64(binary.BigEndian.Uint64(b[offFirstTimestamp:])),
		MaxTimestamp:         int64(binary.BigEndian.Uint64(b[offMaxTimestamp:])),
		ProducerID:           int64(binary.BigEndian.Uint64(b[offProducerID:])),
		ProducerEpoch:        int16(binary.BigEndian.Uint16(b[offProducerEpoch:])),
		BaseSequence:         int32(binary.BigEndian.Uint32(b[offBaseSequence:])),
		NumRecords:           int32(binary.BigEndian.Uint32(b[offNumRecords:])),
	}
	if h.Magic != Magic {
		return h, &FormatError{Reason: ReasonMagic, Detail: fmt.Sprintf("magic %d", h.Magic)}
	}
	return h, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum computes the CRC32C a v2 batch must carry: over attributes to the
// end of the batch. b must hold exactly one whole batch.
func Checksum(b []byte) uint32 { return crc32.Checksum(b[crcStart:], castagnoli) }

// Validate checks one whole batch b (exactly its bytes): header present,
// magic 2, length field equal to len(b), record count consistent with the
// offset delta (0 <= NumRecords <= LastOffsetDelta+1), and the CRC32C. It does not look inside the records; see
// ValidateRecords for that.
func Validate(b []byte) (Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, err
	}
	if h.Length < HeaderSize-LengthFieldEnd || h.Size() != len(b) {
		return h, &FormatError{Reason: ReasonLength, Detail: fmt.Sprintf("length field %d, batch has %d bytes", h.Length, len(b))}
	}
	// A batch can hold fewer records than its offset range (compaction
	// removes records but keeps the range) but never more.
	if h.LastOffsetDelta < 0 || h.NumRecords < 0 || int64(h.NumRecords) > int64(h.LastOffsetDelta)+1 {
		return h, &FormatError{Reason: ReasonCount, Detail: fmt.Sprintf("lastOffsetDelta %d, %d records", h.LastOffsetDelta, h.NumRecords)}
	}
	if sum := Checksum(b); sum != h.CRC {
		return h, &FormatError{Reason: ReasonCRC, Detail: fmt.Sprintf("crc %08x, computed %08x", h.CRC, sum)}
	}
	return h, nil
}

// SetBaseOffset stamps the base offset into the batch in place. The CRC does
// not cover it, so the batch stays valid.
func SetBaseOffset(b []byte, offset int64) {
	binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(offset))
}

// SetPartitionLeaderEpoch stamps the leader epoch in place (not CRC-covered).
func SetPartitionLeaderEpoch(b []byte, epoch int32) {
	binary.BigEndian.PutUint32(b[offPartitionLeaderEpoch:], uint32(epoch))
}

// SetLogAppendTime rewrites the batch for message.timestamp.type=LogAppendTime:
// the timestamp-type bit is set, MaxTimestamp becomes ts, and the CRC is
// recomputed because both fields are covered by it. b must be one whole batch.
func SetLogAppendTime(b []byte, ts int64) {
	attrs := binary.BigEndian.Uint16(b[offAttributes:]) | attrLogAppendTime
	binary.BigEndian.PutUint16(b[offAttributes:], attrs)
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	binary.BigEndian.PutUint32(b[offCRC:], Checksum(b))
}

// Next splits the first batch off b using only its length field: it returns
// that batch's bytes and the rest. ok is false when b holds no complete batch
// (fewer than LengthFieldEnd bytes, or a length running past the end, or a
// length too small to hold a header). It never reads past len(b).
func Next(b []byte) (first, rest []byte, ok bool) {
	if len(b) < LengthFieldEnd {
		return nil, b, false
	}
	n := int64(int32(binary.BigEndian.Uint32(b[offLength:])))
	if n < HeaderSize-LengthFieldEnd || n > int64(len(b)-LengthFieldEnd) {
		return nil, b, false
	}
	end := LengthFieldEnd + int(n)
	return b[:end], b[end:], true
}
