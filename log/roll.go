package log

import (
	"fmt"
	"time"
)

// rollLocked makes a new active segment at base: the old active segment
// gets its final time index entry and its indexes trimmed, and a producer
// snapshot is written at the log end so a restart replays at most the new
// segment. appendMu must be held.
func (l *Log) rollLocked(base int64, nowMs int64) (*segment, error) {
	if old := l.activeLocked(); old != nil {
		if old.base >= base && old.size.Load() == 0 {
			return old, old.activate(l.endOffset.Load())
		}
		if err := old.deactivate(); err != nil {
			return nil, storageError(fmt.Sprintf("roll: close segment %d", old.base), err)
		}
	}
	seg, err := createSegment(l.env, base, nowMs)
	if err != nil {
		return nil, storageError(fmt.Sprintf("roll: create segment %d", base), err)
	}
	if err := seg.activate(base); err != nil {
		_ = seg.removeFiles()
		return nil, storageError(fmt.Sprintf("roll: map indexes of segment %d", base), err)
	}
	l.segmentsMu.Lock()
	l.segments = append(l.segments, seg)
	l.recent.Store(nil)
	l.segmentsMu.Unlock()
	l.dirDirty.Store(true)
	if err := l.snapshotIfBehindLocked(false); err != nil {
		// Only a restart's replay gets longer; the log is fine.
		l.logger.Warn().Err(err).Msg("producer snapshot at roll failed")
	}
	l.logger.Debug().Int64("base_offset", base).Int("segments", len(l.segments)).Msg("rolled new segment")
	return seg, nil
}

// ReleaseIdle unmaps the active segment's indexes (trimming them, as a
// roll would) and closes its file if nothing was appended for idle: a
// partition that stopped receiving data stops costing two mappings and a
// descriptor. The next append maps them again. It reports whether it
// released anything.
func (l *Log) ReleaseIdle(now time.Time, idle time.Duration) (bool, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.checkUsable() != nil || now.Sub(l.lastAppend) < idle {
		return false, nil
	}
	seg := l.activeLocked()
	if seg == nil || (!seg.offsets.mapped() && !seg.times.mapped() && !seg.file.isOpen()) {
		return false, nil
	}
	if err := seg.deactivate(); err != nil {
		return false, l.fail(fmt.Errorf("release idle segment %d: %w", seg.base, err))
	}
	seg.file.closeIdle()
	l.recent.Store(nil) // readers holding it still find correct entries
	return true, nil
}
