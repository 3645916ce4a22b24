package log

import (
	"fmt"
)

// TruncateTo removes every record at or after offset (a follower
// discarding a suffix that diverged from its leader). A batch straddling
// offset is removed whole. Truncating below the first segment empties the
// log and restarts it at offset.
func (l *Log) TruncateTo(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.checkUsable(); err != nil {
		return err
	}
	if offset < 0 {
		return fmt.Errorf("truncate %s to negative offset %d", l.tp, offset)
	}
	if offset >= l.endOffset.Load() {
		return nil
	}
	if len(l.segments) == 0 || offset < l.segments[0].base {
		return l.truncateFullyLocked(offset)
	}
	if err := l.truncateSegmentsLocked(offset); err != nil {
		return err
	}
	return l.afterTruncationLocked()
}

// truncateSegmentsLocked cuts the segment holding offset and schedules the
// later ones for deletion.
func (l *Log) truncateSegmentsLocked(offset int64) error {
	l.segmentsMu.Lock()
	defer l.segmentsMu.Unlock()
	l.truncations++
	// Offsets from the cut on will sit at new positions: forget the ring.
	l.recent.Store(nil)
	i := l.segmentForLocked(offset)
	later := l.segments[i+1:]
	s := l.segments[i]
	removedBase, removed, err := s.truncateTo(offset, l.segmentEndLocked(i), l.nowMs())
	if err != nil {
		return l.fail(fmt.Errorf("truncate segment %d to offset %d: %w", s.base, offset, err))
	}
	end := offset
	if removed {
		end = min(offset, removedBase)
	}
	// Like Kafka, a truncation below the log start moves the start down
	// with it (only possible after DeleteRecords moved it mid-segment).
	l.startOffset.Store(min(l.startOffset.Load(), end))
	l.segments = l.segments[: i+1 : i+1]
	if err := l.scheduleDeletesLocked(later); err != nil {
		return l.fail(fmt.Errorf("delete segments after offset %d: %w", offset, err))
	}
	l.recomputeSizeLocked()
	l.endOffset.Store(end)
	l.highWatermark.Store(min(l.highWatermark.Load(), end))
	l.recoveryPoint.Store(min(l.recoveryPoint.Load(), end))
	l.logger.Info().Int64("offset", offset).Int64("log_end_offset", end).Int("segments_deleted", len(later)).Msg("truncated log")
	return nil
}

// afterTruncationLocked brings the epoch cache and producer state back in
// line with the shortened log.
func (l *Log) afterTruncationLocked() error {
	end := l.endOffset.Load()
	if l.epochs.truncateFromEnd(end) {
		if err := l.epochs.write(); err != nil {
			return l.fail(fmt.Errorf("write leader-epoch-checkpoint: %w", err))
		}
	}
	if err := l.loadProducerState(end); err != nil {
		return l.fail(err)
	}
	return nil
}

// TruncateFullyAndStartAt empties the log and restarts it at offset: a
// follower whose log end fell below its leader's log start.
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.checkUsable(); err != nil {
		return err
	}
	if offset < 0 {
		return fmt.Errorf("restart %s at negative offset %d", l.tp, offset)
	}
	return l.truncateFullyLocked(offset)
}

func (l *Log) truncateFullyLocked(offset int64) error {
	seg, err := createSegment(l.env, offset, l.nowMs())
	if err != nil {
		return storageError(fmt.Sprintf("create segment %d", offset), err)
	}
	l.segmentsMu.Lock()
	l.truncations++
	l.recent.Store(nil)
	old := l.segments
	l.segments = []*segment{seg}
	l.endOffset.Store(offset)
	l.startOffset.Store(offset)
	l.highWatermark.Store(offset)
	l.recoveryPoint.Store(offset)
	l.size.Store(0)
	err = l.scheduleDeletesLocked(old)
	l.segmentsMu.Unlock()
	l.dirDirty.Store(true)
	if err != nil {
		return l.fail(fmt.Errorf("delete segments: %w", err))
	}
	l.epochs.reset(nil)
	if err := l.epochs.write(); err != nil {
		return l.fail(fmt.Errorf("write leader-epoch-checkpoint: %w", err))
	}
	l.producers.replace(nil)
	if err := l.snapshots.removeIf(func(int64) bool { return true }); err != nil {
		return l.fail(fmt.Errorf("delete producer snapshots: %w", err))
	}
	l.logger.Info().Int64("offset", offset).Msg("truncated log fully")
	return nil
}

func (l *Log) recomputeSizeLocked() {
	var total int64
	for _, s := range l.segments {
		total += s.size.Load()
	}
	l.size.Store(total)
}
