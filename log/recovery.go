package log

import (
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// RecoveryReport says what opening a log found and repaired.
type RecoveryReport struct {
	CleanShutdown bool
	// SegmentsRecovered counts segments validated batch by batch (those at
	// or after the recovery point after an unclean shutdown).
	SegmentsRecovered int
	// BatchesRecovered counts valid batches in those segments.
	BatchesRecovered int
	// Truncation is where a segment was cut at a torn or invalid batch;
	// nil if nothing was cut.
	Truncation *CorruptionError
	// TruncatedBytes is how many bytes were cut off that segment.
	TruncatedBytes int64
	// SegmentsDeleted lists base offsets of segments after the damage,
	// deleted because a log must not have a hole.
	SegmentsDeleted []int64
	// IndexRebuilds lists index files rebuilt from their segment, each
	// with the reason ("path: reason").
	IndexRebuilds []string
	// SnapshotsDiscarded lists producer snapshots that failed to load.
	SnapshotsDiscarded []string
	// EpochCacheRebuilt is true if leader-epoch-checkpoint was missing or
	// unreadable and the cache was rebuilt from the segments.
	EpochCacheRebuilt bool
}

// Recovery returns what opening the log found and repaired, plus index
// rebuilds since.
func (l *Log) Recovery() RecoveryReport {
	l.reportMu.Lock()
	defer l.reportMu.Unlock()
	r := l.report
	r.SegmentsDeleted = append([]int64(nil), r.SegmentsDeleted...)
	r.IndexRebuilds = append([]string(nil), r.IndexRebuilds...)
	r.SnapshotsDiscarded = append([]string(nil), r.SnapshotsDiscarded...)
	return r
}

func (l *Log) noteIndexRebuild(path, reason string) {
	l.logger.Warn().Str("index", path).Str("reason", reason).Msg("rebuilding index from its segment")
	l.reportMu.Lock()
	defer l.reportMu.Unlock()
	l.report.IndexRebuilds = append(l.report.IndexRebuilds, path+": "+reason)
}

func (l *Log) updateReport(fn func(r *RecoveryReport)) {
	l.reportMu.Lock()
	defer l.reportMu.Unlock()
	fn(&l.report)
}

// segmentRecovery is the outcome of validating one segment.
type segmentRecovery struct {
	nextOffset int64     // offset after the last valid batch
	batches    int       // valid batches
	stop       *scanStop // where the segment was cut, if it was
	cutBytes   int64     // bytes removed
}

// recover validates every batch of the segment from its start (CRC,
// lengths, offsets increasing from minOffset), rebuilds both indexes,
// and truncates the file at the first torn or invalid batch. visit sees
// each valid batch's header in order.
func (s *segment) recover(minOffset int64, visit func(h batch.Header)) (segmentRecovery, error) {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	res := segmentRecovery{nextOffset: max(s.base, minOffset)}
	b := newIndexBuilder(s.base, int64(s.env.config.Load().IndexIntervalBytes))
	var valid int64
	err := s.withFile(func(f vfs.File) error {
		size, err := fileSize(f)
		if err != nil {
			return err
		}
		w := &batchWalker{r: newChunkReader(f, size, readChunk), base: s.base, nextOffset: res.nextOffset, verify: true}
		for {
			wb, stop, done, err := w.next()
			if err != nil {
				return err
			}
			if done || stop != nil {
				valid, res.stop, res.nextOffset = w.pos, stop, w.nextOffset
				res.cutBytes = size - valid
				if stop == nil {
					return nil
				}
				return f.Truncate(valid)
			}
			b.add(wb.pos, wb.header)
			visit(wb.header)
			res.batches++
		}
	})
	if err != nil {
		return res, err
	}
	s.size.Store(valid)
	return res, s.installIndexesLocked(b)
}
