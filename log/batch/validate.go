package batch

import (
	"fmt"
	"time"
)

// ValidateOptions carry the topic configuration and clock Kafka's
// LogValidator checks a producer's batch against.
type ValidateOptions struct {
	// Now is the broker's clock (required: the zero time would put every
	// CreateTime record out of range); compared in milliseconds.
	Now time.Time
	// LogAppendTime is message.timestamp.type=LogAppendTime: record
	// timestamps are not range-checked (the broker stamps the batch), but a
	// producer must not set the LogAppendTime attribute itself.
	LogAppendTime bool
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms:
	// with CreateTime a record's timestamp must lie in
	// [Now - before, Now + after]. Kafka's "no limit" is math.MaxInt64;
	// a negative bound counts as 0.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// RequireKeys is set for a compacted topic: every record needs a
	// non-null key.
	RequireKeys bool
	// MaxDecompressedBytes caps a compressed batch's decompressed records;
	// zero means DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int
}

// Summary is what validating a batch learns about its records.
type Summary struct {
	// MaxTimestamp is the largest record timestamp (-1 with no records);
	// for a LogAppendTime batch, the batch's MaxTimestamp. Kafka stores
	// this, not the producer's claim, as a CreateTime batch's max.
	MaxTimestamp int64
	// MaxTimestampOffsetDelta is the offset delta of the first record
	// carrying MaxTimestamp.
	MaxTimestampOffsetDelta int32
	// UncompressedBytes is the size of the records section after
	// decompression.
	UncompressedBytes int
}

// ValidateRecords runs Kafka's LogValidator checks on b, a whole batch a
// producer sent, whose header h came from Validate(b) (which has already
// checked the length, magic and CRC). Batch-level problems are returned as
// a *FormatError, and the batch must be refused:
//
//   - a control batch (ReasonControl), a producer id without a base
//     sequence (ReasonSequence), a base offset other than 0 (ReasonOffsets);
//   - NumRecords not positive or not LastOffsetDelta+1 (ReasonCount);
//   - an unknown codec or undecodable compressed data (ReasonCodec), or
//     decompressed records over the limit (ReasonTooLarge);
//   - a record that does not parse, records not ending exactly at the end
//     of the (decompressed) records section, fewer or more records than
//     NumRecords (ReasonRecords), offset deltas other than 0..n-1 in order
//     (ReasonOffsets).
//
// Record-level problems Kafka reports as record_errors are returned as a
// list (the batch must still be refused when it is non-empty): a null key
// with RequireKeys, a CreateTime timestamp out of range, the LogAppendTime
// attribute on a LogAppendTime topic. Like Kafka, each record gets at most
// one error, the key check coming first.
//
// An uncompressed batch is validated without allocating.
func ValidateRecords(b []byte, h Header, opts ValidateOptions) ([]RecordError, error) {
	_, errs, err := ValidateRecordsSummary(b, h, opts)
	return errs, err
}

// ValidateRecordsSummary is ValidateRecords that also returns what it
// learnt about the records (meaningful only when both errors are empty).
func ValidateRecordsSummary(b []byte, h Header, opts ValidateOptions) (Summary, []RecordError, error) {
	sum := Summary{MaxTimestamp: -1}
	if len(b) < HeaderSize {
		return sum, nil, formatErrorf(ReasonShortHeader, "%d bytes, need %d", len(b), HeaderSize)
	}
	if err := checkProducerHeader(h); err != nil {
		return sum, nil, err
	}
	data, buf, err := recordsSection(b, h, effectiveLimit(opts.MaxDecompressedBytes))
	if err != nil {
		return sum, nil, err
	}
	defer putBuffer(buf)
	v := recordValidator{
		h:           h,
		requireKeys: opts.RequireKeys,
		createTime:  !opts.LogAppendTime,
		now:         opts.Now.UnixMilli(),
		before:      max(opts.TimestampBeforeMaxMs, 0),
		after:       max(opts.TimestampAfterMaxMs, 0),
		sum:         sum,
	}
	v.sum.UncompressedBytes = len(data)
	if err := v.walk(data); err != nil {
		return v.sum, nil, err
	}
	return v.sum, v.errs, nil
}

// checkProducerHeader holds the header rules Kafka applies only to batches
// from clients (a follower copies whatever its leader stored).
func checkProducerHeader(h Header) error {
	// Kafka's order: UnifiedLog's base-offset check, then LogValidator's
	// validateBatch.
	switch {
	case h.BaseOffset != 0:
		return formatErrorf(ReasonOffsets, "base offset %d, a producer's batch starts at 0", h.BaseOffset)
	case h.LastOffsetDelta < 0:
		return formatErrorf(ReasonCount, "lastOffsetDelta %d", h.LastOffsetDelta)
	case h.NumRecords <= 0:
		return formatErrorf(ReasonCount, "record count %d", h.NumRecords)
	case int64(h.NumRecords) != int64(h.LastOffsetDelta)+1:
		return formatErrorf(ReasonCount, "%d records but lastOffsetDelta %d", h.NumRecords, h.LastOffsetDelta)
	case h.Control():
		return formatErrorf(ReasonControl, "producers may not write control batches")
	case h.ProducerID >= 0 && h.BaseSequence < 0:
		return formatErrorf(ReasonSequence, "producer id %d with base sequence %d", h.ProducerID, h.BaseSequence)
	}
	return nil
}

// recordValidator walks one batch's records. It is a struct of plain
// values rather than a closure so that it stays on the stack and the
// per-record path does not allocate.
type recordValidator struct {
	h             Header
	requireKeys   bool
	createTime    bool
	now           int64
	before, after int64 // non-negative bounds
	sum           Summary
	errs          []RecordError
}

func (v *recordValidator) walk(data []byte) error {
	p := 0
	for i := int32(0); i < v.h.NumRecords; i++ {
		rv, next, err := parseRecord(data, p)
		if err != nil {
			return &FormatError{Reason: ReasonRecords, Detail: fmt.Sprintf("record %d at byte %d of %d", i, p, len(data)), Err: err}
		}
		if rv.offsetDelta != i {
			return formatErrorf(ReasonOffsets, "record %d has offset delta %d", i, rv.offsetDelta)
		}
		p = next
		v.check(i, &rv)
	}
	if p != len(data) {
		return formatErrorf(ReasonRecords, "%d bytes left after the last of %d records", len(data)-p, v.h.NumRecords)
	}
	return nil
}

// check applies LogValidator's per-record rules (validateKey, then
// validateTimestamp) and tracks the max timestamp.
func (v *recordValidator) check(i int32, rv *recordView) {
	ts := recordTimestamp(v.h, rv.timestampDelta)
	if ts > v.sum.MaxTimestamp {
		v.sum.MaxTimestamp, v.sum.MaxTimestampOffsetDelta = ts, rv.offsetDelta
	}
	if v.requireKeys && rv.key == nil {
		v.reject(i, RecordKeyMissing, "compacted topic cannot accept a record without a key")
		return
	}
	// Kafka skips the range check for NoTimestamp (-1) and, quirk kept,
	// reports a LogAppendTime attribute only when the range check did not
	// run: always on a LogAppendTime topic, and on a CreateTime topic only
	// for a record whose timestamp is -1.
	if v.createTime && ts != NoTimestamp {
		if lo, hi, ok := v.outOfRange(ts); !ok {
			v.reject(i, RecordTimestampOutOfRange, fmt.Sprintf("timestamp %d of record with offset %d is out of range [%d, %d]", ts, rv.offsetDelta, lo, hi))
		}
	} else if v.h.LogAppendTime() {
		v.reject(i, RecordLogAppendTimeFromClient, "producer must not set the timestamp type to LogAppendTime")
	}
}

// outOfRange reports whether ts lies within the configured bounds around
// now, computing without overflow (timestamps are arbitrary int64s from
// the network). lo and hi are the bounds, saturated, for the message.
func (v *recordValidator) outOfRange(ts int64) (lo, hi int64, ok bool) {
	lo, hi = saturatingSub(v.now, v.before), saturatingAdd(v.now, v.after)
	return lo, hi, ts >= lo && ts <= hi
}

func saturatingAdd(a, b int64) int64 { // b >= 0
	if a > maxInt64-b {
		return maxInt64
	}
	return a + b
}

func saturatingSub(a, b int64) int64 { // b >= 0
	if a < minInt64+b {
		return minInt64
	}
	return a - b
}

const (
	maxInt64 = int64(^uint64(0) >> 1)
	minInt64 = -maxInt64 - 1
)

func (v *recordValidator) reject(i int32, r RecordErrorReason, msg string) {
	v.errs = append(v.errs, RecordError{Index: i, Reason: r, Message: msg})
}

// NoTimestamp is Kafka's "no timestamp" value (RecordBatch.NO_TIMESTAMP).
const NoTimestamp int64 = -1
