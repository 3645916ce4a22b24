package log

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/skiffhq/skiff/log/vfs"
)

// flushJob is an fsync of the segments holding [recoveryPoint, upTo),
// prepared under appendMu and run without it, so appends are not held up
// by the disk. The files are acquired, so a segment deleted meanwhile
// stays open until the job releases it.
type flushJob struct {
	upTo        int64
	truncations int64 // the log's truncation count when prepared
	segments    []*segment
	files       []vfs.File
	syncDir     bool
	syncParent  bool
	dir         string
	fs          vfs.FS
}

// Flush fsyncs every segment up to the log end and advances the recovery
// point to it.
func (l *Log) Flush() error { return l.FlushUpTo(l.EndOffset()) }

// FlushUpTo fsyncs the segments holding offsets below upTo and advances
// the recovery point to upTo.
func (l *Log) FlushUpTo(upTo int64) error {
	l.appendMu.Lock()
	job, err := l.prepareFlushLocked(upTo)
	l.appendMu.Unlock()
	if err != nil || job == nil {
		return err
	}
	runErr := job.run()
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	return l.finishFlushLocked(job, runErr)
}

// flushLocked is FlushUpTo for a caller already holding appendMu.
func (l *Log) flushLocked(upTo int64) error {
	job, err := l.prepareFlushLocked(upTo)
	if err != nil || job == nil {
		return err
	}
	return l.finishFlushLocked(job, job.run())
}

func (l *Log) prepareFlushLocked(upTo int64) (*flushJob, error) {
	if err := l.checkUsable(); err != nil {
		return nil, err
	}
	upTo = min(upTo, l.endOffset.Load())
	from := l.recoveryPoint.Load()
	syncDir := l.dirDirty.Load()
	if upTo <= from && !syncDir {
		return nil, nil
	}
	job := &flushJob{upTo: max(upTo, from), truncations: l.truncations, syncDir: syncDir, dir: l.dir, fs: l.fs}
	if upTo > from && l.parentDirty.Load() {
		job.syncDir, job.syncParent = true, true
		l.parentDirty.Store(false)
	}
	for i, s := range l.segments {
		if l.segmentEndLocked(i) <= from || s.base >= upTo {
			continue
		}
		f, err := s.file.acquire()
		if err != nil {
			job.release()
			return nil, l.fail(fmt.Errorf("flush segment %d: %w", s.base, err))
		}
		job.segments, job.files = append(job.segments, s), append(job.files, f)
	}
	l.dirDirty.Store(false)
	return job, nil
}

func (job *flushJob) run() error {
	defer job.release()
	var errs []error
	for i, s := range job.segments {
		errs = append(errs, job.files[i].Sync(), s.offsets.sync(), s.times.sync())
	}
	if job.syncDir {
		errs = append(errs, job.fs.SyncDir(job.dir))
	}
	if job.syncParent {
		errs = append(errs, job.fs.SyncDir(filepath.Dir(job.dir)))
	}
	return errors.Join(errs...)
}

func (job *flushJob) release() {
	for _, s := range job.segments[:len(job.files)] {
		s.file.release()
	}
	job.files = nil
}

func (l *Log) finishFlushLocked(job *flushJob, runErr error) error {
	if runErr != nil {
		// After a failed fsync the kernel may have dropped the dirty pages:
		// nothing written since the last good flush can be trusted.
		return l.fail(fmt.Errorf("flush: %w", runErr))
	}
	if job.truncations == l.truncations && job.upTo > l.recoveryPoint.Load() {
		l.recoveryPoint.Store(job.upTo)
	}
	if job.upTo >= l.endOffset.Load() {
		l.unflushedMessages = 0
	}
	l.lastFlushMs = l.nowMs()
	return nil
}

// maybeFlushLocked applies flush.messages after an append.
func (l *Log) maybeFlushLocked(messages int64, cfg *Config) error {
	l.unflushedMessages += messages
	if l.unflushedMessages < cfg.FlushMessages {
		return nil
	}
	return l.flushLocked(l.endOffset.Load())
}

// FlushIfDue applies flush.ms, and makes segments that rolled since the
// last flush durable (as Kafka flushes a segment once it is rolled). The
// Manager calls it periodically.
func (l *Log) FlushIfDue(now time.Time) error {
	l.appendMu.Lock()
	cfg := l.config.Load()
	end, rp := l.endOffset.Load(), l.recoveryPoint.Load()
	due := rp < end && now.UnixMilli()-l.lastFlushMs >= cfg.FlushMs
	upTo := end
	if !due {
		upTo = -1
		if seg := l.activeLocked(); seg != nil && rp < seg.base {
			upTo = seg.base
		}
	}
	l.appendMu.Unlock()
	if upTo < 0 {
		return nil
	}
	return l.FlushUpTo(upTo)
}
