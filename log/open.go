package log

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// Open opens (or creates) a partition's log. A new log gets its directory
// and partition.metadata but no segment until the first append. An
// existing one is listed, and only what recovery needs is read: after a
// clean shutdown the tail of the last segment; otherwise every segment
// from the one holding the recovery point on, validated batch by batch.
func Open(opts Options) (*Log, error) {
	opts = opts.withDefaults()
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("open log %s: %w", opts.Dir, err)
	}
	l := newLog(opts)
	started := time.Now()
	if err := l.open(opts); err != nil {
		l.closeSegmentsQuietly()
		return nil, fmt.Errorf("open log %s: %w", opts.Dir, err)
	}
	if r := l.Recovery(); r.SegmentsRecovered > 0 {
		// After an unclean shutdown, say what was checked, like Kafka's
		// "Recovering unflushed segment": a truncation also logs its own line.
		l.logger.Info().Int("segments", r.SegmentsRecovered).Int("batches", r.BatchesRecovered).
			Int64("end_offset", l.EndOffset()).Bool("truncated", r.Truncation != nil).
			Dur("took", time.Since(started)).Msg("recovered partition log after unclean shutdown")
	}
	// What opening read stays closed until someone reads or appends: an
	// idle partition costs no descriptor.
	for _, s := range l.segments {
		s.file.closeIdle()
	}
	return l, nil
}

func (l *Log) open(opts Options) error {
	var listing dirListing
	if _, err := l.fs.Stat(l.dir); errors.Is(err, fs.ErrNotExist) {
		// A new partition: its directory (and partition.metadata) is made
		// by the first file written into it (ensureDir), so an idle
		// partition costs no inode, and a 10,000-partition topic starts
		// without 10,000 mkdirs.
		l.env.dirPending.Store(true)
	} else {
		if err := l.checkTopicID(); err != nil {
			return err
		}
		if listing, err = l.listDir(); err != nil {
			return storageError("list directory", err)
		}
	}
	l.report.CleanShutdown = opts.CleanShutdown
	if err := l.loadSegments(listing.segments); err != nil {
		return storageError("load segments", err)
	}
	l.snapshots.offsets = listing.snapshots
	entries, epochFileOK, epochErr := loadEpochEntries(l.fs, filepath.Join(l.dir, epochCheckpoint))
	if epochErr != nil {
		l.logger.Warn().Err(epochErr).Msg("leader-epoch-checkpoint unreadable; rebuilding it from the segments")
		entries, epochFileOK = nil, false
	}
	l.epochs = newEpochCache(l.fs, filepath.Join(l.dir, epochCheckpoint), entries)
	l.epochs.ensureDir = l.env.ensureDir
	recovered, err := l.loadTail(opts)
	if err != nil {
		return err
	}
	return l.finishOpen(opts, recovered, epochFileOK && epochErr == nil)
}

// ensureDir creates the partition directory and its partition.metadata if
// open deferred them; every writer of a file in the directory calls it
// first. The directory entry becomes durable with the first flush that has
// data to protect (parentDirty).
func (e *segmentEnv) ensureDir() error {
	if !e.dirPending.Load() {
		return nil
	}
	e.dirMu.Lock()
	defer e.dirMu.Unlock()
	if !e.dirPending.Load() {
		return nil
	}
	if err := e.fs.MkdirAll(e.dir, 0o755); err != nil {
		return storageError("create directory", err)
	}
	var zero [16]byte
	if e.topicID != zero {
		if err := writePartitionMetadata(e.fs, e.dir, e.topicID); err != nil {
			return storageError("write partition.metadata", err)
		}
	}
	e.parentDirty.Store(true)
	e.dirPending.Store(false)
	return nil
}

// checkTopicID compares the directory's partition.metadata with the topic
// id we were given, writing the file if it is missing.
func (l *Log) checkTopicID() error {
	onDisk, found, err := readPartitionMetadata(l.fs, l.dir)
	if errors.Is(err, ErrPartitionMetadataFormat) {
		l.logger.Warn().Err(err).Msg("ignoring malformed partition.metadata")
		found = false
	} else if err != nil {
		return storageError("read partition.metadata", err)
	}
	var zero [16]byte
	switch {
	case found && l.topicID != zero && onDisk != l.topicID:
		return fmt.Errorf("%w: directory has %s, topic is %s", ErrTopicIDMismatch, TopicIDString(onDisk), TopicIDString(l.topicID))
	case found:
		l.topicID = onDisk
	case l.topicID != zero:
		if err := writePartitionMetadata(l.fs, l.dir, l.topicID); err != nil {
			return storageError("write partition.metadata", err)
		}
	}
	return nil
}

type dirListing struct {
	segments  []int64
	snapshots []int64
}

// listDir reads the directory once, removing debris from interrupted
// operations: files marked .deleted, .cleaned, .swap or .tmp, and index
// files whose segment is gone.
func (l *Log) listDir() (dirListing, error) {
	var out dirListing
	ents, err := l.fs.ReadDir(l.dir)
	if err != nil {
		return out, err
	}
	logs := map[int64]bool{}
	var indexes []string
	for _, e := range ents {
		name := e.Name()
		switch {
		case e.IsDir():
		case hasAnySuffix(name, deletedSuffix, cleanedSuffix, swapSuffix, tmpSuffix):
			if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return out, err
			}
		case strings.HasSuffix(name, logSuffix):
			if base, ok := parseOffsetFileName(name, logSuffix); ok {
				out.segments = append(out.segments, base)
				logs[base] = true
			}
		case strings.HasSuffix(name, snapshotSuffix):
			if off, ok := parseOffsetFileName(name, snapshotSuffix); ok {
				out.snapshots = append(out.snapshots, off)
			}
		case strings.HasSuffix(name, indexSuffix), strings.HasSuffix(name, timeIndexSuffix):
			indexes = append(indexes, name)
		}
	}
	for _, name := range indexes {
		base, ok := parseOffsetFileName(strings.TrimSuffix(name, filepath.Ext(name))+logSuffix, logSuffix)
		if ok && !logs[base] {
			if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return out, err
			}
		}
	}
	slices.Sort(out.segments)
	slices.Sort(out.snapshots)
	return out, nil
}

func hasAnySuffix(name string, suffixes ...string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// loadSegments builds the segment list, with each file's size from stat.
func (l *Log) loadSegments(bases []int64) error {
	nowMs := l.nowMs()
	var total int64
	for _, base := range bases {
		s := newSegment(l.env, base)
		info, err := l.fs.Stat(s.path())
		if err != nil {
			return err
		}
		s.size.Store(info.Size())
		s.createdMs = nowMs
		total += info.Size()
		l.segments = append(l.segments, s)
	}
	l.size.Store(total)
	return nil
}

// loadTail finds the log end offset, recovering segments if needed. It
// reports whether any segment was recovered.
func (l *Log) loadTail(opts Options) (bool, error) {
	if len(l.segments) == 0 {
		l.endOffset.Store(max(opts.LogStartOffset, 0))
		return false, nil
	}
	if opts.CleanShutdown {
		end, stop, err := l.readCleanTail()
		if err != nil {
			return false, storageError("read tail", err)
		}
		if stop == nil {
			l.endOffset.Store(end)
			return false, nil
		}
		l.logger.Warn().Str("segment", l.activeLocked().path()).Int64("position", stop.pos).Str("reason", stop.reason).
			Msg("damaged tail after a clean shutdown; recovering the last segment")
		return true, l.recoverFrom(len(l.segments) - 1)
	}
	return true, l.recoverFrom(l.segmentForLocked(opts.RecoveryPoint))
}

// readCleanTail finds the log end by walking batch headers in the last
// segment from its last index entry.
func (l *Log) readCleanTail() (int64, *scanStop, error) {
	s := l.activeLocked()
	if err := s.ensureUsable(); err != nil {
		return 0, nil, err
	}
	_, pos, _, err := s.offsets.last()
	if err != nil {
		return 0, nil, err
	}
	end := s.base
	var stop *scanStop
	err = s.withFile(func(f vfs.File) error {
		w := &batchWalker{r: newChunkReader(f, s.size.Load(), readChunk), pos: pos, base: s.base, nextOffset: s.base}
		for {
			b, st, done, err := w.next()
			if err != nil || done {
				return err
			}
			if st != nil {
				stop = st
				return nil
			}
			end = b.header.NextOffset()
		}
	})
	return end, stop, err
}

// recoverFrom validates segments from index first on, truncating at the
// first damage and deleting every later segment.
func (l *Log) recoverFrom(first int) error {
	minOffset := int64(0)
	for i := first; i < len(l.segments); i++ {
		s := l.segments[i]
		before := s.size.Load()
		res, err := s.recover(minOffset, func(h batch.Header) {
			if l.epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset) {
				l.epochsChanged = true
			}
		})
		if err != nil {
			return storageError(fmt.Sprintf("recover segment %d", s.base), err)
		}
		l.size.Add(s.size.Load() - before)
		l.updateReport(func(r *RecoveryReport) { r.SegmentsRecovered++; r.BatchesRecovered += res.batches })
		minOffset = res.nextOffset
		l.endOffset.Store(res.nextOffset)
		if res.stop != nil {
			return l.cutAfterDamage(i, res)
		}
	}
	return nil
}

// cutAfterDamage reports a truncated segment and deletes the ones after it.
func (l *Log) cutAfterDamage(i int, res segmentRecovery) error {
	s := l.segments[i]
	corruption := res.stop.corruption(s.path())
	l.logger.Warn().Str("segment", s.path()).Int64("position", res.stop.pos).Int64("offset", res.stop.offset).
		Int64("bytes_truncated", res.cutBytes).Int("later_segments_deleted", len(l.segments)-i-1).
		Str("reason", corruption.Reason).AnErr("cause", res.stop.err).
		Msg("recovery truncated the log at the first torn or invalid batch")
	var deleted []int64
	for _, later := range l.segments[i+1:] {
		l.size.Add(-later.size.Load())
		if err := later.removeFiles(); err != nil {
			return storageError(fmt.Sprintf("delete segment %d after damage", later.base), err)
		}
		deleted = append(deleted, later.base)
	}
	l.segments = l.segments[:i+1]
	l.updateReport(func(r *RecoveryReport) {
		r.Truncation, r.TruncatedBytes, r.SegmentsDeleted = corruption, res.cutBytes, deleted
	})
	return nil
}

// finishOpen sets the start offset, high watermark and recovery point,
// repairs the epoch cache and loads producer state.
func (l *Log) finishOpen(opts Options, recovered, epochFileOK bool) error {
	end := l.endOffset.Load()
	start := max(opts.LogStartOffset, 0)
	if len(l.segments) > 0 {
		start = max(start, l.segments[0].base)
	}
	start = min(start, end)
	l.startOffset.Store(start)
	l.highWatermark.Store(min(max(opts.HighWatermark, start), end))
	if !epochFileOK && l.size.Load() > 0 {
		if err := l.rebuildEpochCache(); err != nil {
			return storageError("rebuild leader-epoch cache", err)
		}
		l.epochsChanged = true
	}
	changed := l.epochs.truncateFromEnd(end)
	changed = l.epochs.truncateFromStart(start) || changed
	if changed || l.epochsChanged {
		if err := l.epochs.write(); err != nil {
			return storageError("write leader-epoch-checkpoint", err)
		}
	}
	if err := l.loadProducerState(end); err != nil {
		return err
	}
	l.lastFlushMs = l.nowMs()
	if !recovered {
		l.recoveryPoint.Store(min(max(opts.RecoveryPoint, 0), end))
		return nil
	}
	// Make the repaired segments durable so the next crash need not
	// recover them again.
	l.recoveryPoint.Store(min(max(opts.RecoveryPoint, 0), end))
	return l.flushLocked(end)
}

// rebuildEpochCache reads every batch header to find where each leader
// epoch starts.
func (l *Log) rebuildEpochCache() error {
	l.epochs.reset(nil)
	l.updateReport(func(r *RecoveryReport) { r.EpochCacheRebuilt = true })
	for i, s := range l.segments {
		if err := s.ensureVerified(l.segmentEndLocked(i)); err != nil {
			return err
		}
		err := s.scanFrom(s.base, func(b walkedBatch, _ func() ([]byte, error)) (bool, error) {
			l.epochs.assign(b.header.PartitionLeaderEpoch, b.header.BaseOffset)
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// closeSegmentsQuietly releases what a failed Open acquired.
func (l *Log) closeSegmentsQuietly() {
	for _, s := range l.segments {
		_ = s.close(false)
	}
}
