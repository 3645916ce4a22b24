package log

import (
	"errors"
	"fmt"

	"github.com/skiffhq/skiff/log/batch"
)

// Sentinel errors. Kafka error codes are chosen from them only at the API
// edge (wire/kafkaapi); the comment after each names the code Kafka uses.
var (
	// ErrOffsetOutOfRange: a read outside [log start, log end]. OFFSET_OUT_OF_RANGE.
	ErrOffsetOutOfRange = errors.New("offset out of range")
	// ErrRecordTooLarge: one batch is bigger than max.message.bytes. MESSAGE_TOO_LARGE.
	ErrRecordTooLarge = errors.New("record batch larger than max.message.bytes")
	// ErrRecordListTooLarge: one append is bigger than segment.bytes, so no
	// segment could hold it. RECORD_LIST_TOO_LARGE.
	ErrRecordListTooLarge = errors.New("append larger than segment.bytes")
	// ErrOutOfOrderSequence: an idempotent producer's sequence has a gap or
	// a new epoch does not start at 0. OUT_OF_ORDER_SEQUENCE_NUMBER.
	ErrOutOfOrderSequence = errors.New("out of order sequence number")
	// ErrInvalidProducerEpoch: a producer epoch older than the last seen. INVALID_PRODUCER_EPOCH.
	ErrInvalidProducerEpoch = errors.New("invalid producer epoch")
	// ErrInvalidTimestamp: a CreateTime timestamp outside
	// message.timestamp.before/after.max.ms. INVALID_TIMESTAMP.
	ErrInvalidTimestamp = errors.New("invalid timestamp")
	// ErrInvalidRecord: a record the topic cannot accept (no key on a
	// compacted topic, a control batch from a client, ...). INVALID_RECORD.
	ErrInvalidRecord = errors.New("invalid record")
	// ErrUnexpectedOffset: a follower append whose offsets do not continue
	// past the log end, or are not increasing. A replication bug, not a
	// client error; Kafka raises UnexpectedAppendOffsetException.
	ErrUnexpectedOffset = errors.New("unexpected append offset")
	// ErrStorage: the disk failed (ENOSPC, EIO, a failed fsync). Every disk
	// error a Log returns wraps it. KAFKA_STORAGE_ERROR.
	ErrStorage = errors.New("storage error")
	// ErrClosed: the Log or Manager was closed. NOT_LEADER_OR_FOLLOWER at
	// the edge, as for a partition this broker no longer hosts.
	ErrClosed = errors.New("log closed")
)

// CorruptionError says where stored data is damaged: which segment, the
// byte position in its file, the offset being read, and why. Recovery
// reports one for each repair; a read that meets damaged bytes returns one
// (wrapping ErrStorage, since the disk broke its promise).
type CorruptionError struct {
	Segment  string // file path of the segment or index
	Position int64  // byte position in that file
	Offset   int64  // offset expected at Position, or -1 if unknown
	Reason   string
	Err      error // underlying cause, e.g. a *batch.FormatError
}

func (e *CorruptionError) Error() string {
	msg := fmt.Sprintf("corrupt %s at byte %d", e.Segment, e.Position)
	if e.Offset >= 0 {
		msg += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause and ErrStorage, so errors.Is(err, ErrStorage)
// holds for every corruption.
func (e *CorruptionError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrStorage, e.Err}
	}
	return []error{ErrStorage}
}

// RecordError is one record a leader append rejected: its index within its
// batch and why, as Kafka's ProduceResponse record_errors carry them.
type RecordError = batch.RecordError

// storageError wraps a disk error so that errors.Is(err, ErrStorage) holds
// and the cause stays visible (errors.Is(err, syscall.ENOSPC)).
func storageError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrStorage) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, ErrStorage, err)
}
