package batch

import (
	"encoding/binary"
	"fmt"
)

// BuilderOptions set the header fields of a batch a Builder makes. Start
// from DefaultBuilderOptions: its -1s are Kafka's "none" values, which the
// zero value would get wrong.
type BuilderOptions struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32 // -1 until a leader stamps it
	ProducerID           int64 // NoProducerID for a non-idempotent producer
	ProducerEpoch        int16
	BaseSequence         int32
	Transactional        bool
	Control              bool
	Codec                Codec
	// FirstTimestamp is the base that record timestamp deltas count from.
	// Left at NoTimestamp, the first AddSimple's timestamp becomes it.
	FirstTimestamp int64
	// LogAppendTime, if not NoTimestamp, makes a LogAppendTime batch with
	// this as its MaxTimestamp (what a broker stamps); otherwise the batch
	// is CreateTime with MaxTimestamp the largest record timestamp.
	LogAppendTime int64
}

// DefaultBuilderOptions are those of a non-idempotent producer's
// uncompressed CreateTime batch at offset 0.
func DefaultBuilderOptions() BuilderOptions {
	return BuilderOptions{
		PartitionLeaderEpoch: -1,
		ProducerID:           NoProducerID,
		ProducerEpoch:        NoProducerEpoch,
		BaseSequence:         NoSequence,
		Codec:                CodecNone,
		FirstTimestamp:       NoTimestamp,
		LogAppendTime:        NoTimestamp,
	}
}

// Builder assembles one v2 batch: the broker's own writes (group and
// transaction coordinators) and tests. Records are encoded as they are
// added, so the caller may reuse its slices afterwards. A Builder is not
// safe for concurrent use.
type Builder struct {
	opts            BuilderOptions
	records         []byte
	numRecords      int32
	lastOffsetDelta int32
	maxTimestamp    int64
}

// NewBuilder returns an empty builder. opts.Codec must be one of the five
// Kafka codecs; Build panics otherwise, as for any programming error.
func NewBuilder(opts BuilderOptions) *Builder {
	return &Builder{opts: opts, maxTimestamp: NoTimestamp}
}

// Add appends r exactly as given: its OffsetDelta and TimestampDelta
// (relative to FirstTimestamp) are not checked, so tests can build
// compacted or deliberately invalid batches.
func (b *Builder) Add(r Record) {
	if b.numRecords == 0 || r.OffsetDelta > b.lastOffsetDelta {
		b.lastOffsetDelta = r.OffsetDelta
	}
	if ts := b.opts.FirstTimestamp + r.TimestampDelta; b.numRecords == 0 || ts > b.maxTimestamp {
		b.maxTimestamp = ts
	}
	b.records = appendRecord(b.records, r)
	b.numRecords++
}

// AddSimple appends a header-less record with timestamp ts at the next
// offset delta. A nil key or value is null.
func (b *Builder) AddSimple(key, value []byte, ts int64) {
	if b.numRecords == 0 && b.opts.FirstTimestamp == NoTimestamp {
		b.opts.FirstTimestamp = ts
	}
	delta := int32(0)
	if b.numRecords > 0 {
		delta = b.lastOffsetDelta + 1
	}
	b.Add(Record{TimestampDelta: ts - b.opts.FirstTimestamp, OffsetDelta: delta, Key: key, Value: value})
}

// NumRecords is how many records have been added.
func (b *Builder) NumRecords() int { return int(b.numRecords) }

// Build returns the finished batch: header fields from the options,
// LastOffsetDelta the largest offset delta added, MaxTimestamp the largest
// record timestamp (or the LogAppendTime), the records compressed with
// the codec, and a correct CRC. The Builder stays usable; Build may be
// called again after more Adds.
func (b *Builder) Build() []byte {
	section, err := Compress(b.opts.Codec, b.records)
	if err != nil {
		panic(fmt.Sprintf("batch builder: compress with %v: %v", b.opts.Codec, err))
	}
	out := make([]byte, HeaderSize, HeaderSize+len(section))
	out = append(out, section...)
	b.putHeader(out)
	binary.BigEndian.PutUint32(out[offCRC:], Checksum(out))
	return out
}

func (b *Builder) putHeader(out []byte) {
	o := &b.opts
	attrs := uint16(o.Codec) & attrCompressionMask
	maxTS := b.maxTimestamp
	if o.LogAppendTime != NoTimestamp {
		attrs |= attrLogAppendTime
		maxTS = o.LogAppendTime
	}
	if o.Transactional {
		attrs |= attrTransactional
	}
	if o.Control {
		attrs |= attrControl
	}
	be := binary.BigEndian
	be.PutUint64(out[offBaseOffset:], uint64(o.BaseOffset))
	be.PutUint32(out[offLength:], uint32(len(out)-LengthFieldEnd))
	be.PutUint32(out[offPartitionLeaderEpoch:], uint32(o.PartitionLeaderEpoch))
	out[offMagic] = Magic
	be.PutUint16(out[offAttributes:], attrs)
	be.PutUint32(out[offLastOffsetDelta:], uint32(b.lastOffsetDelta))
	be.PutUint64(out[offFirstTimestamp:], uint64(o.FirstTimestamp))
	be.PutUint64(out[offMaxTimestamp:], uint64(maxTS))
	be.PutUint64(out[offProducerID:], uint64(o.ProducerID))
	be.PutUint16(out[offProducerEpoch:], uint16(o.ProducerEpoch))
	be.PutUint32(out[offBaseSequence:], uint32(o.BaseSequence))
	be.PutUint32(out[offNumRecords:], uint32(b.numRecords))
}

// appendRecord encodes r (length varint first) onto dst.
func appendRecord(dst []byte, r Record) []byte {
	dst = appendVarint32(dst, int32(recordBodySize(r)))
	dst = append(dst, byte(r.Attributes))
	dst = appendVarint64(dst, r.TimestampDelta)
	dst = appendVarint32(dst, r.OffsetDelta)
	dst = appendNullableBytes(dst, r.Key)
	dst = appendNullableBytes(dst, r.Value)
	dst = appendVarint32(dst, int32(len(r.Headers)))
	for _, h := range r.Headers {
		dst = appendVarint32(dst, int32(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendNullableBytes(dst, h.Value)
	}
	return dst
}

func recordBodySize(r Record) int {
	n := 1 + varint64Len(r.TimestampDelta) + varint32Len(r.OffsetDelta) +
		nullableBytesSize(r.Key) + nullableBytesSize(r.Value) + varint32Len(int32(len(r.Headers)))
	for _, h := range r.Headers {
		n += varint32Len(int32(len(h.Key))) + len(h.Key) + nullableBytesSize(h.Value)
	}
	return n
}

func appendNullableBytes(dst, v []byte) []byte {
	if v == nil {
		return appendVarint32(dst, -1)
	}
	return append(appendVarint32(dst, int32(len(v))), v...)
}

func nullableBytesSize(v []byte) int {
	if v == nil {
		return varint32Len(-1)
	}
	return varint32Len(int32(len(v))) + len(v)
}
