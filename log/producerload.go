package log

import (
	"fmt"
)

// loadProducerState rebuilds producer state for a log ending at end: the
// newest readable snapshot at or below end, then every batch after it
// replayed (Kafka's ProducerStateManager.truncateAndReload). Snapshots above
// end are stale and deleted; unreadable ones are deleted and reported.
func (l *Log) loadProducerState(end int64) error {
	if err := l.snapshots.removeIf(func(off int64) bool { return off > end }); err != nil {
		return storageError("delete stale producer snapshots", err)
	}
	from := l.startOffset.Load()
	var loaded map[int64]*ProducerEntry
	for {
		off, ok := l.snapshots.latest()
		if !ok {
			break
		}
		entries, err := l.snapshots.read(off)
		if err == nil {
			loaded, from = make(map[int64]*ProducerEntry, len(entries)), off
			for i := range entries {
				loaded[entries[i].ProducerID] = &entries[i]
			}
			break
		}
		l.logger.Warn().Err(err).Int64("snapshot", off).Msg("discarding unreadable producer snapshot")
		l.updateReport(func(r *RecoveryReport) { r.SnapshotsDiscarded = append(r.SnapshotsDiscarded, l.snapshots.path(off)) })
		if err := l.snapshots.removeIf(func(o int64) bool { return o == off }); err != nil {
			return storageError("delete producer snapshot", err)
		}
	}
	l.producers.replace(loaded)
	if err := l.replayProducers(from, end); err != nil {
		return storageError(fmt.Sprintf("replay producer state from offset %d", from), err)
	}
	start := l.startOffset.Load()
	l.producers.removeIf(func(e *ProducerEntry) bool { return e.lastOffset() < start })
	return nil
}

// replayProducers feeds every idempotent batch in [from, end) into the
// producer state, without validation (the batches are in the log already).
func (l *Log) replayProducers(from, end int64) error {
	if from >= end {
		return nil
	}
	pa := newProducerAppend(&l.producers, false)
	for i := l.segmentForLocked(from); i < len(l.segments); i++ {
		s := l.segments[i]
		if err := s.ensureVerified(l.segmentEndLocked(i)); err != nil {
			return err
		}
		err := s.scanFrom(from, func(b walkedBatch, _ func() ([]byte, error)) (bool, error) {
			if b.header.BaseOffset >= end {
				return false, nil
			}
			if b.header.BaseOffset >= from {
				return true, pa.add(b.header)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	pa.commit()
	return nil
}

// snapshotIfBehindLocked writes a producer snapshot at the log end unless
// the newest snapshot is already there. appendMu must be held.
func (l *Log) snapshotIfBehindLocked(sync bool) error {
	end := l.endOffset.Load()
	if latest, ok := l.snapshots.latest(); ok && latest >= end {
		return nil
	}
	if len(l.segments) == 0 {
		return nil
	}
	if err := l.snapshots.write(end, l.producers.entries(), sync); err != nil {
		return storageError(fmt.Sprintf("write producer snapshot at %d", end), err)
	}
	return nil
}
