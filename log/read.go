package log

import (
	"errors"
	"fmt"
)

// ReadResult is what a Read returns.
type ReadResult struct {
	// Records holds whole batches exactly as stored, or nothing.
	Records []byte
	// FirstOffset is the base offset of the first batch in Records, which
	// may be below the offset asked for (the batch containing it); -1 if
	// Records is empty.
	FirstOffset int64
	// The log's offsets when the read started, for the Fetch response.
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64
}

// Read returns whole stored batches starting with the one that contains
// offset: at most maxBytes of them, except that with minOneBatch the first
// batch is returned even if it alone is bigger (KIP-74); none whose base
// offset is >= maxOffset (the high watermark for consumers, the log end
// for followers); never anything past the log end. Reading at the log end
// returns no records; outside [log start, log end] is ErrOffsetOutOfRange.
// Batches come from one segment, read with one pread in the common case.
func (l *Log) Read(offset int64, maxBytes int32, maxOffset int64, minOneBatch bool) (ReadResult, error) {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	res := ReadResult{FirstOffset: -1}
	var err error
	res.HighWatermark, res.LogStartOffset, res.LogEndOffset, err = l.readOffsetsLocked(offset)
	if err != nil {
		return res, err
	}
	maxOffset = min(maxOffset, res.LogEndOffset)
	if offset >= maxOffset || (maxBytes <= 0 && !minOneBatch) {
		return res, nil
	}
	for i := l.segmentForLocked(offset); i < len(l.segments); i++ {
		s := l.segments[i]
		if s.base >= maxOffset {
			break
		}
		sr, err := s.read(offset, int(max(maxBytes, 0)), maxOffset, minOneBatch, l.segmentEndLocked(i))
		if err != nil {
			return res, l.readError(s, err)
		}
		if sr.found {
			res.Records, res.FirstOffset = sr.records, sr.firstOffset
			if len(sr.records) == 0 {
				res.FirstOffset = -1
			}
			return res, nil
		}
	}
	return res, nil
}

// outOfRange is the error for a read outside [start, end].
func outOfRange(tp TopicPartition, offset, start, end int64) error {
	return fmt.Errorf("%w: offset %d, log %s has [%d, %d]", ErrOffsetOutOfRange, offset, tp, start, end)
}

// readError wraps a failed read so it satisfies errors.Is(err, ErrStorage).
func (l *Log) readError(s *segment, err error) error {
	var ce *CorruptionError
	if errors.As(err, &ce) {
		l.logger.Error().Err(err).Msg("read found a corrupt segment")
		return err
	}
	return storageError(fmt.Sprintf("read segment %d", s.base), err)
}
