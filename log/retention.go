package log

import (
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// ApplyRetention deletes whole segments Kafka's retention would delete and
// reports how many: those wholly below the log start offset; with
// cleanup.policy=delete, those whose largest timestamp is older than
// retention.ms, and the oldest while the log exceeds retention.bytes by at
// least a segment. A segment holding offsets at or above the high
// watermark is never deleted. If every segment goes, an empty one is
// created at the log end first, so the log end survives a restart. The
// files are renamed .deleted and removed after file.delete.delay.ms.
func (l *Log) ApplyRetention(now time.Time) (int, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.checkUsable(); err != nil {
		return 0, err
	}
	cfg := l.config.Load()
	deleted, err := l.deleteStartBreachedLocked()
	if err != nil || !cfg.Delete {
		return deleted, err
	}
	n, err := l.deleteByTimeLocked(now, cfg)
	deleted += n
	if err != nil {
		return deleted, err
	}
	n, err = l.deleteBySizeLocked(cfg)
	return deleted + n, err
}

func (l *Log) deleteStartBreachedLocked() (int, error) {
	start := l.startOffset.Load()
	return l.deleteOldSegmentsLocked("log start offset", func(i int, _ *segment) (bool, error) {
		return i+1 < len(l.segments) && l.segments[i+1].base <= start, nil
	})
}

func (l *Log) deleteByTimeLocked(now time.Time, cfg *Config) (int, error) {
	if cfg.RetentionMs < 0 {
		return 0, nil
	}
	nowMs := now.UnixMilli()
	return l.deleteOldSegmentsLocked("retention.ms", func(i int, s *segment) (bool, error) {
		ts, err := l.largestTimestamp(s, l.segmentEndLocked(i))
		return nowMs-ts > cfg.RetentionMs, err
	})
}

// largestTimestamp is the segment's largest record timestamp, or its
// file's modification time if no record has one (Kafka's rule).
func (l *Log) largestTimestamp(s *segment, endOffset int64) (int64, error) {
	ts, _, err := s.maxTimestamp(endOffset)
	if err != nil || ts >= 0 {
		return ts, err
	}
	info, err := l.fs.Stat(s.path())
	if err != nil {
		return 0, err
	}
	return info.ModTime().UnixMilli(), nil
}

func (l *Log) deleteBySizeLocked(cfg *Config) (int, error) {
	size := l.size.Load()
	if cfg.RetentionBytes < 0 || size < cfg.RetentionBytes {
		return 0, nil
	}
	excess := size - cfg.RetentionBytes
	return l.deleteOldSegmentsLocked("retention.bytes", func(_ int, s *segment) (bool, error) {
		if excess-s.size.Load() < 0 {
			return false, nil
		}
		excess -= s.size.Load()
		return true, nil
	})
}

// deleteOldSegmentsLocked deletes the longest prefix of segments for which
// deletable holds, stopping at the first segment that reaches the high
// watermark or is the empty active segment.
func (l *Log) deleteOldSegmentsLocked(reason string, deletable func(i int, s *segment) (bool, error)) (int, error) {
	hw := l.highWatermark.Load()
	n := 0
	for i, s := range l.segments {
		if hw < l.segmentEndLocked(i) || (i == len(l.segments)-1 && s.size.Load() == 0) {
			break
		}
		ok, err := deletable(i, s)
		if err != nil {
			return 0, storageError(fmt.Sprintf("retention check of segment %d", s.base), err)
		}
		if !ok {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, l.removeSegmentsLocked(n, reason)
}

// removeSegmentsLocked takes the first n segments out of the log and moves
// the log start offset up to the first remaining one.
func (l *Log) removeSegmentsLocked(n int, reason string) error {
	if n == len(l.segments) {
		if err := l.addEmptySegmentLocked(l.endOffset.Load()); err != nil {
			return err
		}
	}
	l.segmentsMu.Lock()
	gone := l.segments[:n]
	l.segments = append([]*segment(nil), l.segments[n:]...)
	start := max(l.startOffset.Load(), l.segments[0].base)
	l.startOffset.Store(start)
	l.recomputeSizeLocked()
	err := l.scheduleDeletesLocked(gone)
	l.segmentsMu.Unlock()
	if err != nil {
		return l.fail(fmt.Errorf("delete segments: %w", err))
	}
	l.logger.Info().Str("reason", reason).Int("segments", n).Int64("log_start_offset", start).Msg("deleted segments")
	return l.afterStartMovedLocked(start)
}

// afterStartMovedLocked trims the epoch cache, producer state and
// snapshots to a new log start offset.
func (l *Log) afterStartMovedLocked(start int64) error {
	if l.epochs.truncateFromStart(start) {
		if err := l.epochs.write(); err != nil {
			return l.fail(fmt.Errorf("write leader-epoch-checkpoint: %w", err))
		}
	}
	l.producers.removeIf(func(e *ProducerEntry) bool { return e.lastOffset() < start })
	firstBase := start
	if len(l.segments) > 0 {
		firstBase = min(firstBase, l.segments[0].base)
	}
	if err := l.snapshots.removeIf(func(off int64) bool { return off < firstBase }); err != nil {
		l.logger.Warn().Err(err).Msg("deleting old producer snapshots failed")
	}
	return nil
}

// addEmptySegmentLocked appends an empty segment at offset without
// mapping anything, retiring the active segment's indexes first.
func (l *Log) addEmptySegmentLocked(offset int64) error {
	if old := l.activeLocked(); old != nil {
		if err := old.deactivate(); err != nil {
			return storageError(fmt.Sprintf("close segment %d", old.base), err)
		}
	}
	seg, err := createSegment(l.env, offset, l.nowMs())
	if err != nil {
		return storageError(fmt.Sprintf("create segment %d", offset), err)
	}
	l.segmentsMu.Lock()
	l.segments = append(l.segments, seg)
	l.recent.Store(nil)
	l.segmentsMu.Unlock()
	l.dirDirty.Store(true)
	return nil
}

// IncreaseStartOffset moves the log start offset up (DeleteRecords): reads
// below it fail from now on, and segments wholly below it are deleted. It
// may not pass the high watermark.
func (l *Log) IncreaseStartOffset(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.checkUsable(); err != nil {
		return err
	}
	if offset <= l.startOffset.Load() {
		return nil
	}
	if hw := l.highWatermark.Load(); offset > hw {
		return fmt.Errorf("%w: new log start offset %d is above the high watermark %d", ErrOffsetOutOfRange, offset, hw)
	}
	l.segmentsMu.Lock()
	l.startOffset.Store(offset)
	l.segmentsMu.Unlock()
	if err := l.afterStartMovedLocked(offset); err != nil {
		return err
	}
	_, err := l.deleteStartBreachedLocked()
	return err
}

// scheduleDeletesLocked renames the segments' files .deleted and queues
// them for removal after file.delete.delay.ms, so reads already holding
// them finish first.
func (l *Log) scheduleDeletesLocked(segs []*segment) error {
	if len(segs) == 0 {
		return nil
	}
	var errs []error
	var paths []string
	for _, s := range segs {
		p, err := s.renameDeleted()
		errs = append(errs, err)
		paths = append(paths, p...)
	}
	l.dirDirty.Store(true)
	delay := time.Duration(l.config.Load().FileDeleteDelayMs) * time.Millisecond
	l.deletesMu.Lock()
	l.pendingDeletes = append(l.pendingDeletes, pendingDelete{paths: paths, due: l.now().Add(delay)})
	l.deletesMu.Unlock()
	return errors.Join(errs...)
}

// PurgeDeletedFiles removes renamed segment files whose delay has passed.
// The Manager calls it periodically.
func (l *Log) PurgeDeletedFiles(now time.Time) error { return l.removeDeletedFiles(now, false) }

func (l *Log) removeDeletedFiles(now time.Time, all bool) error {
	l.deletesMu.Lock()
	var due []pendingDelete
	kept := l.pendingDeletes[:0]
	for _, p := range l.pendingDeletes {
		if all || !p.due.After(now) {
			due = append(due, p)
		} else {
			kept = append(kept, p)
		}
	}
	l.pendingDeletes = kept
	l.deletesMu.Unlock()
	var errs []error
	for _, p := range due {
		for _, path := range p.paths {
			if err := l.fs.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// PendingDeletes reports how many deleted-segment file sets await removal.
func (l *Log) PendingDeletes() int {
	l.deletesMu.Lock()
	defer l.deletesMu.Unlock()
	return len(l.pendingDeletes)
}
