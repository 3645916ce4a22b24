package batch

import (
	"errors"
	"fmt"
)

// Record is one record inside a batch, decoded. Key, Value and header
// values are nil for a null field (length -1) and non-nil but empty for a
// zero-length one.
type Record struct {
	Attributes     int8 // unused by Kafka so far; kept as sent
	TimestampDelta int64
	OffsetDelta    int32
	Key, Value     []byte
	Headers        []RecordHeader
}

// RecordHeader is one record header. Kafka allows duplicate keys and keeps
// their order.
type RecordHeader struct {
	Key   string
	Value []byte // nil means null
}

// Offset is the record's offset in a batch with header h.
func (r Record) Offset(h Header) int64 { return h.BaseOffset + int64(r.OffsetDelta) }

// Timestamp is the record's timestamp in a batch with header h. In a
// LogAppendTime batch every record reports the batch's MaxTimestamp (the
// broker's append time), as Kafka's consumers and ListOffsets do.
func (r Record) Timestamp(h Header) int64 { return recordTimestamp(h, r.TimestampDelta) }

// Sequence is the record's producer sequence in a batch with header h, or
// NoSequence for a batch from a non-idempotent producer.
func (r Record) Sequence(h Header) int32 {
	if h.BaseSequence < 0 {
		return NoSequence
	}
	return IncrementSequence(h.BaseSequence, r.OffsetDelta)
}

func recordTimestamp(h Header, delta int64) int64 {
	if h.LogAppendTime() {
		return h.MaxTimestamp
	}
	return h.FirstTimestamp + delta
}

// minRecordBodySize is the smallest possible record body: attributes, and
// one byte each for the timestamp delta, offset delta, key length, value
// length and header count.
const minRecordBodySize = 6

// recordView is a record parsed in place: key, value and the raw header
// section are slices of the input. Parsing one never allocates, which is
// what lets ValidateRecords walk an uncompressed batch allocation-free.
type recordView struct {
	attributes     int8
	timestampDelta int64
	offsetDelta    int32
	key, value     []byte
	numHeaders     int
	headers        []byte // the encoded headers, already checked
}

// Record parse failures. They are wrapped into a *FormatError that names
// the record's index.
var (
	errRecordLength    = errors.New("bad record length")
	errRecordTruncated = errors.New("record runs past the end of the records")
	errRecordVarint    = errors.New("malformed varint")
	errRecordKeyLen    = errors.New("bad key length")
	errRecordValueLen  = errors.New("bad value length")
	errHeaderCount     = errors.New("bad header count")
	errHeaderKeyLen    = errors.New("bad header key length")
	errHeaderValueLen  = errors.New("bad header value length")
	errRecordSize      = errors.New("record fields do not fill the record's length exactly")
)

// parseRecord parses the record starting at b[p:] (its length varint
// first). It returns the record and the position just after it.
func parseRecord(b []byte, p int) (recordView, int, error) {
	var rv recordView
	size, p, ok := readVarint32(b, p)
	if !ok {
		return rv, p, errRecordVarint
	}
	if size < minRecordBodySize {
		return rv, p, errRecordLength
	}
	if int(size) > len(b)-p {
		return rv, p, errRecordTruncated
	}
	end := p + int(size)
	body := b[:end] // fields may not run past the record's own length
	rv.attributes = int8(body[p])
	p++
	if rv.timestampDelta, p, ok = readVarint64(body, p); !ok {
		return rv, p, errRecordVarint
	}
	if rv.offsetDelta, p, ok = readVarint32(body, p); !ok {
		return rv, p, errRecordVarint
	}
	var err error
	if rv.key, p, err = readNullableBytes(body, p, errRecordKeyLen); err != nil {
		return rv, p, err
	}
	if rv.value, p, err = readNullableBytes(body, p, errRecordValueLen); err != nil {
		return rv, p, err
	}
	count, p, ok := readVarint32(body, p)
	if !ok {
		return rv, p, errRecordVarint
	}
	// Each header takes at least two bytes (two lengths), so a count the
	// remaining bytes cannot hold is rejected before any work.
	if count < 0 || int(count) > (end-p)/2 {
		return rv, p, errHeaderCount
	}
	rv.numHeaders = int(count)
	start := p
	for i := 0; i < rv.numHeaders; i++ {
		if p, err = skipHeader(body, p); err != nil {
			return rv, p, err
		}
	}
	rv.headers = body[start:p]
	if p != end {
		return rv, p, errRecordSize
	}
	return rv, end, nil
}

// readNullableBytes reads a varint length and that many bytes. Length -1
// is null (nil); any other negative length is malformed.
func readNullableBytes(b []byte, p int, bad error) ([]byte, int, error) {
	n, p, ok := readVarint32(b, p)
	if !ok {
		return nil, p, errRecordVarint
	}
	if n == -1 {
		return nil, p, nil
	}
	if n < 0 || int(n) > len(b)-p {
		return nil, p, bad
	}
	return b[p : p+int(n) : p+int(n)], p + int(n), nil
}

func skipHeader(b []byte, p int) (int, error) {
	n, p, ok := readVarint32(b, p)
	if !ok {
		return p, errRecordVarint
	}
	if n < 0 || int(n) > len(b)-p {
		return p, errHeaderKeyLen
	}
	_, p, err := readNullableBytes(b, p+int(n), errHeaderValueLen)
	return p, err
}

// decodeHeaders materialises a header section parseRecord already checked.
func decodeHeaders(raw []byte, n int) []RecordHeader {
	if n == 0 {
		return nil
	}
	hs := make([]RecordHeader, n)
	p := 0
	for i := range hs {
		klen, q, _ := readVarint32(raw, p)
		hs[i].Key = string(raw[q : q+int(klen)])
		hs[i].Value, p, _ = readNullableBytes(raw, q+int(klen), errHeaderValueLen)
	}
	return hs
}

func (rv *recordView) record() Record {
	return Record{
		Attributes:     rv.attributes,
		TimestampDelta: rv.timestampDelta,
		OffsetDelta:    rv.offsetDelta,
		Key:            rv.key,
		Value:          rv.value,
		Headers:        decodeHeaders(rv.headers, rv.numHeaders),
	}
}

// walkRecords parses count records from data, which must end exactly after
// the last one, calling visit for each. visit's error stops the walk and
// is returned unchanged.
func walkRecords(data []byte, count int32, visit func(i int32, rv recordView) error) error {
	p := 0
	for i := int32(0); i < count; i++ {
		rv, next, err := parseRecord(data, p)
		if err != nil {
			return &FormatError{Reason: ReasonRecords, Detail: fmt.Sprintf("record %d at byte %d of %d", i, p, len(data)), Err: err}
		}
		p = next
		if err := visit(i, rv); err != nil {
			return err
		}
	}
	if p != len(data) {
		return formatErrorf(ReasonRecords, "%d bytes left after the last of %d records", len(data)-p, count)
	}
	return nil
}

// DefaultMaxDecompressedBytes bounds decompression when a caller passes no
// limit: far above what producers send in practice (max.message.bytes
// defaults to 1 MiB compressed, and real payloads compress a few times to
// a few tens of times), low enough that a decompression bomb cannot
// exhaust the broker's memory.
const DefaultMaxDecompressedBytes = 128 << 20

// DecodeOptions tune record decoding.
type DecodeOptions struct {
	// MaxDecompressedBytes caps the size of a compressed batch's records
	// once decompressed; a batch over it fails with ReasonTooLarge.
	// Zero means DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int
}

func (o DecodeOptions) limit() int { return effectiveLimit(o.MaxDecompressedBytes) }

func effectiveLimit(n int) int {
	if n <= 0 {
		return DefaultMaxDecompressedBytes
	}
	return n
}

// ForEachRecord validates b as one whole batch (Validate: length, magic,
// CRC) and calls fn for each record in order, decompressing if needed. The
// records must fill the records section exactly. It does not require
// consecutive offset deltas: a compacted batch has gaps.
//
// Key, Value and header values alias b, or for a compressed batch a
// buffer reused after ForEachRecord returns: copy what must outlive fn.
// An error from fn stops the walk and is returned unchanged; any other
// error is a *FormatError.
func ForEachRecord(b []byte, opts DecodeOptions, fn func(Record) error) error {
	h, err := Validate(b)
	if err != nil {
		return err
	}
	data, buf, err := recordsSection(b, h, opts.limit())
	if err != nil {
		return err
	}
	defer putBuffer(buf)
	return walkRecords(data, h.NumRecords, func(_ int32, rv recordView) error {
		return fn(rv.record())
	})
}

// Records validates b as one whole batch and returns its records, like
// ForEachRecord. Their byte slices alias b or, for a compressed batch, one
// freshly allocated decompression buffer, so they stay valid as long as b.
func Records(b []byte, opts DecodeOptions) ([]Record, error) {
	h, err := Validate(b)
	if err != nil {
		return nil, err
	}
	data, err := recordsData(b, h, nil, opts.limit())
	if err != nil {
		return nil, err
	}
	// A claimed count is only a hint: each record needs minRecordBodySize+1
	// bytes, so the data bounds how many can really be there.
	recs := make([]Record, 0, min(int(h.NumRecords), len(data)/(minRecordBodySize+1)))
	err = walkRecords(data, h.NumRecords, func(_ int32, rv recordView) error {
		recs = append(recs, rv.record())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// recordsData returns the uncompressed records section of batch b (header
// h), decompressing into dst's spare capacity if the batch is compressed.
// A batch with no records may have an empty section whatever its codec
// (Kafka writes such batches when compaction removes every record).
func recordsData(b []byte, h Header, dst []byte, limit int) ([]byte, error) {
	c := h.Codec()
	if !c.known() {
		return nil, formatErrorf(ReasonCodec, "unknown codec %d", int8(c))
	}
	data := b[min(HeaderSize, len(b)):]
	if c == CodecNone || (h.NumRecords == 0 && len(data) == 0) {
		return data, nil
	}
	return decompressAppend(c, dst, data, limit)
}

// recordsSection is recordsData with a pooled decompression buffer for a
// compressed batch. The caller must call putBuffer(buf) (nil is fine) once
// done with data, and not touch data after.
func recordsSection(b []byte, h Header, limit int) (data []byte, buf *[]byte, err error) {
	if h.Codec() == CodecNone {
		data, err = recordsData(b, h, nil, limit)
		return data, nil, err
	}
	buf = getBuffer()
	data, err = recordsData(b, h, (*buf)[:0], limit)
	if err != nil {
		putBuffer(buf)
		return nil, nil, err
	}
	*buf = data
	return data, buf, nil
}
