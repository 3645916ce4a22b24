package log

import (
	"fmt"
)

// TimestampOffset is a record found by timestamp: its timestamp, offset
// and the leader epoch of its batch (ListOffsets answers with all three).
type TimestampOffset struct {
	Timestamp   int64
	Offset      int64
	LeaderEpoch int32
}

// OffsetForTimestamp finds the first record (at or after the log start)
// whose timestamp is >= ts, as ListOffsets does for a timestamp query.
// ok is false if no record qualifies.
func (l *Log) OffsetForTimestamp(ts int64) (TimestampOffset, bool, error) {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	if err := l.checkUsable(); err != nil {
		return TimestampOffset{}, false, err
	}
	start := l.startOffset.Load()
	for i := l.segmentForLocked(start); i < len(l.segments); i++ {
		s := l.segments[i]
		maxTs, _, err := s.maxTimestamp(l.segmentEndLocked(i))
		if err != nil {
			return TimestampOffset{}, false, l.readError(s, err)
		}
		if maxTs < ts {
			continue
		}
		found, ok, err := s.findTimestamp(ts, start, l.segmentEndLocked(i))
		if err != nil {
			return TimestampOffset{}, false, l.readError(s, err)
		}
		if ok {
			return found, true, nil
		}
	}
	return TimestampOffset{}, false, nil
}

// MaxTimestamp finds the record with the largest timestamp (the first
// such record if several share it), as ListOffsets does for
// MAX_TIMESTAMP (KIP-734). ok is false for a log without timestamps.
func (l *Log) MaxTimestamp() (TimestampOffset, bool, error) {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	if err := l.checkUsable(); err != nil {
		return TimestampOffset{}, false, err
	}
	best, bestTs, bestOffset := -1, int64(-1), int64(-1)
	for i, s := range l.segments {
		ts, off, err := s.maxTimestamp(l.segmentEndLocked(i))
		if err != nil {
			return TimestampOffset{}, false, l.readError(s, err)
		}
		if ts > bestTs {
			best, bestTs, bestOffset = i, ts, off
		}
	}
	if best < 0 {
		return TimestampOffset{}, false, nil
	}
	s := l.segments[best]
	found, ok, err := s.recordWithTimestamp(bestTs, bestOffset, l.segmentEndLocked(best))
	if err != nil {
		return TimestampOffset{}, false, l.readError(s, err)
	}
	return found, ok, nil
}

// findTimestamp returns the first record in the segment with timestamp
// >= ts and offset >= minOffset. The time index gives a starting point
// before which every timestamp is below ts; the batch it names must carry
// the timestamp it claims, or the indexes are rebuilt.
func (s *segment) findTimestamp(ts, minOffset, endOffset int64) (TimestampOffset, bool, error) {
	if err := s.ensureVerified(endOffset); err != nil {
		return TimestampOffset{}, false, err
	}
	var found TimestampOffset
	ok := false
	err := s.withIndexRetry(func() error {
		entryTs, from, indexed, err := s.times.lookupBefore(ts)
		if err != nil {
			return err
		}
		check := indexed && from >= minOffset
		return s.scanOnce(max(from, minOffset), func(b walkedBatch, body func() ([]byte, error)) (bool, error) {
			if check {
				check = false
				if b.header.BaseOffset != from || b.header.MaxTimestamp != entryTs {
					return false, &indexMismatch{offset: from, position: b.pos, reason: fmt.Sprintf("time index entry (%d, %d) does not match the batch there", entryTs, from)}
				}
			}
			if b.header.MaxTimestamp < ts {
				return true, nil
			}
			raw, err := body()
			if err != nil {
				return false, err
			}
			found, ok, err = firstRecordAtOrAfter(raw, b.header, ts, minOffset)
			return !ok, err
		})
	})
	return found, ok, err
}

// recordWithTimestamp finds the batch at offset carrying ts and the first
// record in it with that timestamp.
func (s *segment) recordWithTimestamp(ts, offset, endOffset int64) (TimestampOffset, bool, error) {
	if err := s.ensureVerified(endOffset); err != nil {
		return TimestampOffset{}, false, err
	}
	var found TimestampOffset
	ok := false
	err := s.scanFrom(offset, func(b walkedBatch, body func() ([]byte, error)) (bool, error) {
		if b.header.MaxTimestamp != ts {
			return true, nil
		}
		raw, err := body()
		if err != nil {
			return false, err
		}
		recordOffset, hit, err := offsetOfTimestamp(raw, b.header, ts)
		if err != nil {
			return false, fmt.Errorf("batch at offset %d: %w", b.header.BaseOffset, err)
		}
		if !hit {
			recordOffset = b.header.BaseOffset
		}
		found, ok = TimestampOffset{Timestamp: ts, Offset: recordOffset, LeaderEpoch: b.header.PartitionLeaderEpoch}, true
		return false, nil
	})
	return found, ok, err
}
