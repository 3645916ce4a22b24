package batch

import "fmt"

// Reason names what is wrong with a batch, so callers can map it to the
// Kafka error code a Kafka broker would send and tests can name the
// corruption they injected. The mapping, for wire/kafkaapi:
//
//	ReasonShortHeader, ReasonLength, ReasonCRC → CORRUPT_MESSAGE (Kafka's CorruptRecordException)
//	ReasonCodec                                → CORRUPT_MESSAGE (Kafka fails the decompression
//	                                             with an unknown server error; this is more useful)
//	ReasonTooLarge                             → MESSAGE_TOO_LARGE
//	ReasonMagic, ReasonCount, ReasonOffsets,
//	ReasonRecords, ReasonControl, ReasonSequence → INVALID_RECORD (Kafka's InvalidRecordException)
type Reason string

// The reasons a batch can fail to parse or validate.
const (
	ReasonShortHeader Reason = "short header"
	ReasonMagic       Reason = "unsupported magic"
	ReasonLength      Reason = "bad length"
	ReasonCount       Reason = "bad record count"
	ReasonCRC         Reason = "crc mismatch"
	ReasonRecords     Reason = "bad records"
	ReasonCodec       Reason = "bad compression"

	// ReasonTooLarge: the records would decompress to more bytes than the
	// caller's limit (a decompression bomb, or a limit set too low).
	ReasonTooLarge Reason = "decompressed size over limit"
	// ReasonOffsets: a producer's batch does not start at base offset 0 or
	// its records' offset deltas are not 0, 1, ..., n-1.
	ReasonOffsets Reason = "bad offsets"
	// ReasonControl: a producer sent a control batch; only the broker
	// writes transaction markers.
	ReasonControl Reason = "control batch from client"
	// ReasonSequence: a batch with a producer id carries no base sequence.
	ReasonSequence Reason = "bad sequence"
)

// FormatError reports a batch that is not a well-formed v2 RecordBatch.
type FormatError struct {
	Reason Reason
	Detail string
	Err    error // the codec's own error, if a decompressor failed
}

func (e *FormatError) Error() string {
	msg := "record batch: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying codec error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErrorf(r Reason, format string, args ...any) *FormatError {
	return &FormatError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// RecordErrorReason says why ValidateRecords rejected one record of an
// otherwise well-formed batch.
type RecordErrorReason int8

// The per-record problems Kafka's LogValidator reports as record_errors.
const (
	// RecordKeyMissing: a compacted topic needs a non-null key. Kafka: INVALID_RECORD.
	RecordKeyMissing RecordErrorReason = iota + 1
	// RecordTimestampOutOfRange: a CreateTime timestamp outside
	// [now - before.max.ms, now + after.max.ms]. Kafka: INVALID_TIMESTAMP.
	RecordTimestampOutOfRange
	// RecordLogAppendTimeFromClient: the producer set the LogAppendTime
	// attribute on a LogAppendTime topic. Kafka: INVALID_TIMESTAMP.
	RecordLogAppendTimeFromClient
)

// InvalidTimestamp reports whether Kafka answers this problem with
// INVALID_TIMESTAMP rather than INVALID_RECORD. When any record error of a
// batch is a timestamp error, Kafka answers the partition with
// INVALID_TIMESTAMP; otherwise with INVALID_RECORD.
func (r RecordErrorReason) InvalidTimestamp() bool {
	return r == RecordTimestampOutOfRange || r == RecordLogAppendTimeFromClient
}

func (r RecordErrorReason) String() string {
	switch r {
	case RecordKeyMissing:
		return "missing key"
	case RecordTimestampOutOfRange:
		return "timestamp out of range"
	case RecordLogAppendTimeFromClient:
		return "LogAppendTime set by producer"
	}
	return fmt.Sprintf("RecordErrorReason(%d)", int8(r))
}

// RecordError is one rejected record: its index within the batch (Kafka's
// batch_index) and a message for batch_index_error_message.
type RecordError struct {
	Index   int32
	Reason  RecordErrorReason
	Message string
}

func (e RecordError) Error() string {
	return fmt.Sprintf("record %d: %s", e.Index, e.Message)
}
