package log

import (
	"errors"
	"fmt"
	"time"

	"github.com/skiffhq/skiff/log/batch"
)

// This file is the log's only use of record-level decoding (package
// batch's ValidateRecords and ForEachRecord): validating a producer's
// records, and finding records by timestamp.

// errStopWalk ends a ForEachRecord walk early once the answer is known.
var errStopWalk = errors.New("stop")

// validateClientRecords runs Kafka's LogValidator record checks on one
// batch from a producer: the batch-level rules come back as a
// *batch.FormatError; per-record problems as record errors wrapped in
// ErrInvalidTimestamp or ErrInvalidRecord, as Kafka answers them.
func validateClientRecords(raw []byte, h batch.Header, cfg *Config, now time.Time) ([]RecordError, error) {
	recordErrs, err := batch.ValidateRecords(raw, h, batch.ValidateOptions{
		Now:                  now,
		LogAppendTime:        cfg.LogAppendTime,
		TimestampBeforeMaxMs: cfg.TimestampBeforeMaxMs,
		TimestampAfterMaxMs:  cfg.TimestampAfterMaxMs,
		RequireKeys:          cfg.Compact,
	})
	if err != nil || len(recordErrs) == 0 {
		return nil, err
	}
	sentinel := ErrInvalidRecord
	for _, re := range recordErrs {
		if re.Reason.InvalidTimestamp() {
			sentinel = ErrInvalidTimestamp
			break
		}
	}
	return recordErrs, fmt.Errorf("%w: %d of %d records rejected, first: %s", sentinel, len(recordErrs), h.NumRecords, recordErrs[0].Message)
}

// firstRecordAtOrAfter returns the first record in batch raw whose
// timestamp is >= ts and offset >= minOffset.
func firstRecordAtOrAfter(raw []byte, h batch.Header, ts, minOffset int64) (TimestampOffset, bool, error) {
	var found TimestampOffset
	ok := false
	err := batch.ForEachRecord(raw, batch.DecodeOptions{}, func(r batch.Record) error {
		if r.Timestamp(h) >= ts && r.Offset(h) >= minOffset {
			found, ok = TimestampOffset{Timestamp: r.Timestamp(h), Offset: r.Offset(h), LeaderEpoch: h.PartitionLeaderEpoch}, true
			return errStopWalk
		}
		return nil
	})
	if errors.Is(err, errStopWalk) {
		err = nil
	}
	return found, ok, err
}

// offsetOfTimestamp returns the offset of the first record in batch raw
// carrying timestamp ts (Kafka's RecordBatch.offsetOfMaxTimestamp).
func offsetOfTimestamp(raw []byte, h batch.Header, ts int64) (int64, bool, error) {
	offset, ok := int64(-1), false
	err := batch.ForEachRecord(raw, batch.DecodeOptions{}, func(r batch.Record) error {
		if r.Timestamp(h) == ts {
			offset, ok = r.Offset(h), true
			return errStopWalk
		}
		return nil
	})
	if errors.Is(err, errStopWalk) {
		err = nil
	}
	return offset, ok, err
}
