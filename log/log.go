package log

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log/vfs"
)

// Options open one partition's log.
type Options struct {
	// Dir is the partition directory, <log-dir>/<topic>-<partition>. It is
	// created if missing.
	Dir       string
	Topic     string
	Partition int32
	// TopicID is recorded in partition.metadata; a directory holding
	// another non-zero id fails with ErrTopicIDMismatch. Zero skips the check.
	TopicID [16]byte
	Config  Config
	// FS defaults to the operating system's filesystem.
	FS     vfs.FS
	Logger zerolog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Files bounds open segment files across logs; nil keeps each segment's
	// file open from first use until the log closes.
	Files *FileCache
	// RecoveryPoint, LogStartOffset and HighWatermark come from the log
	// dir's checkpoint files (0 if absent).
	RecoveryPoint  int64
	LogStartOffset int64
	HighWatermark  int64
	// CleanShutdown says the log dir was closed cleanly: the files are
	// trusted and only the tail of the last segment is read. Otherwise
	// every segment from the recovery point on is validated and repaired.
	CleanShutdown bool
}

// Log is one partition's log: a sequence of segments on disk.
//
// Appends (and everything else that changes the log) must be serialised by
// the caller; reads, lookups and the Manager's background work may run
// concurrently with them.
type Log struct {
	dir     string
	tp      TopicPartition
	topicID [16]byte
	fs      vfs.FS
	logger  zerolog.Logger
	now     func() time.Time
	env     *segmentEnv
	config  atomic.Pointer[Config]

	// appendMu serialises every change: appends, rolls, truncation,
	// retention, start-offset moves, snapshots and Close. Lock order:
	// appendMu, then segmentsMu.
	appendMu sync.Mutex
	// segmentsMu guards the segment list. Reads hold it shared for their
	// whole duration, so no segment is truncated, deleted or unmapped under
	// them; appends write without it and publish through atomics.
	segmentsMu sync.RWMutex
	segments   []*segment // by base offset; the last is the active one

	endOffset     atomic.Int64 // log end offset, published after a write completes
	startOffset   atomic.Int64
	highWatermark atomic.Int64
	recoveryPoint atomic.Int64 // every offset below it is fsynced
	size          atomic.Int64 // bytes in all segments
	closed        atomic.Bool
	failure       atomic.Pointer[error] // set when the log can no longer be trusted
	dirDirty      atomic.Bool           // segment files were created or renamed since the last directory fsync
	parentDirty   atomic.Bool           // the partition directory is new and its log dir not yet fsynced

	// recent remembers where the active segment's latest batches end, so
	// ReadFile finds the high watermark's and log end's positions without
	// I/O. Pushed by the appender before it publishes endOffset; replaced
	// (nil) under segmentsMu's write lock whenever the active segment
	// changes or is truncated; nil while the partition is idle.
	recent atomic.Pointer[appendRing]

	epochs    *epochCache
	producers producerState

	// Guarded by appendMu.
	snapshots         snapshotFiles
	unflushedMessages int64
	lastFlushMs       int64
	truncations       int64 // bumped by every truncation, so Flush knows its snapshot went stale
	epochsChanged     bool  // Open changed the epoch cache and must write it
	lastAppend        time.Time

	deletesMu      sync.Mutex // guards pendingDeletes
	pendingDeletes []pendingDelete

	reportMu sync.Mutex // guards report
	report   RecoveryReport
}

// pendingDelete is a set of renamed (.deleted) files to remove once
// in-flight reads are surely done.
type pendingDelete struct {
	paths []string
	due   time.Time
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = vfs.OS()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func newLog(o Options) *Log {
	l := &Log{
		dir:     o.Dir,
		tp:      TopicPartition{Topic: o.Topic, Partition: o.Partition},
		topicID: o.TopicID,
		fs:      o.FS,
		now:     o.Now,
		logger:  o.Logger.With().Str("component", "log").Str("partition", PartitionDirName(o.Topic, o.Partition)).Logger(),
	}
	cfg := o.Config
	l.config.Store(&cfg)
	l.env = &segmentEnv{fs: o.FS, dir: o.Dir, cache: o.Files, config: &l.config, noteRebuild: l.noteIndexRebuild, topicID: o.TopicID, parentDirty: &l.parentDirty}
	l.snapshots = snapshotFiles{fs: o.FS, dir: o.Dir}
	return l
}

// Dir is the partition directory.
func (l *Log) Dir() string { return l.dir }

// TopicPartition names the log's partition.
func (l *Log) TopicPartition() TopicPartition { return l.tp }

// TopicID is the topic id recorded in partition.metadata (zero if none).
func (l *Log) TopicID() [16]byte { return l.topicID }

// Config returns the current configuration.
func (l *Log) Config() Config { return *l.config.Load() }

// SetConfig changes the configuration; it applies from the next append,
// roll or retention pass. An invalid config is rejected.
func (l *Log) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l.config.Store(&cfg)
	return nil
}

// StartOffset is the log start offset: the first offset a read may ask for.
func (l *Log) StartOffset() int64 { return l.startOffset.Load() }

// EndOffset is the log end offset: the offset the next record will get.
func (l *Log) EndOffset() int64 { return l.endOffset.Load() }

// HighWatermark is the last high watermark the replication layer set.
func (l *Log) HighWatermark() int64 { return l.highWatermark.Load() }

// SetHighWatermark records the high watermark, clamped to [start, end].
// The Manager checkpoints it to replication-offset-checkpoint.
func (l *Log) SetHighWatermark(hw int64) {
	l.highWatermark.Store(min(max(hw, l.startOffset.Load()), l.endOffset.Load()))
}

// RecoveryPoint is the offset below which everything has been fsynced.
func (l *Log) RecoveryPoint() int64 { return l.recoveryPoint.Load() }

// Size is the number of bytes in the log's segments.
func (l *Log) Size() int64 { return l.size.Load() }

// NumSegments is the number of segments (0 until the first append).
func (l *Log) NumSegments() int {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	return len(l.segments)
}

// SegmentBaseOffsets lists the segments' base offsets, oldest first.
func (l *Log) SegmentBaseOffsets() []int64 {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	out := make([]int64, len(l.segments))
	for i, s := range l.segments {
		out[i] = s.base
	}
	return out
}

// LatestEpoch is the leader epoch of the newest epoch-cache entry.
func (l *Log) LatestEpoch() (int32, bool) {
	e, ok := l.epochs.latest()
	return e.Epoch, ok
}

// EpochEntries returns the leader-epoch cache, oldest first.
func (l *Log) EpochEntries() []EpochEntry { return l.epochs.snapshot() }

// EndOffsetForEpoch answers OffsetForLeaderEpoch for epoch: the largest
// epoch <= epoch that this log knows and the offset where the epoch after
// it starts (the log end for the latest epoch). ok false means Kafka's
// undefined answer (-1, -1).
func (l *Log) EndOffsetForEpoch(epoch int32) (leaderEpoch int32, endOffset int64, ok bool) {
	return l.epochs.endOffsetFor(epoch, l.endOffset.Load())
}

// Producer returns the state of one producer id.
func (l *Log) Producer(producerID int64) (ProducerEntry, bool) {
	l.producers.mu.RLock()
	defer l.producers.mu.RUnlock()
	e, ok := l.producers.producers[producerID]
	if !ok {
		return ProducerEntry{}, false
	}
	return *e.clone(), true
}

// Producers returns the state of every producer id, sorted by id.
func (l *Log) Producers() []ProducerEntry { return l.producers.entries() }

// RemoveExpiredProducers forgets producers whose last batch is older than
// expiration (Kafka's producer.id.expiration.ms) and reports how many.
func (l *Log) RemoveExpiredProducers(now time.Time, expiration time.Duration) int {
	cutoff := now.Add(-expiration).UnixMilli()
	return l.producers.removeIf(func(e *ProducerEntry) bool { return e.lastTimestamp() < cutoff })
}

// checkUsable returns the error every operation on a closed or failed log gets.
func (l *Log) checkUsable() error {
	if l.closed.Load() {
		return ErrClosed
	}
	if f := l.failure.Load(); f != nil {
		return fmt.Errorf("log %s failed earlier: %w", l.tp, *f)
	}
	return nil
}

// fail marks the log unusable after a disk failure it could not undo.
func (l *Log) fail(err error) error {
	err = storageError("log "+l.tp.String(), err)
	l.failure.CompareAndSwap(nil, &err)
	l.logger.Error().Err(err).Msg("log marked failed; reopen it to recover")
	return err
}

// Failed returns the error that made the log unusable, if any.
func (l *Log) Failed() error {
	if f := l.failure.Load(); f != nil {
		return *f
	}
	return nil
}

// segmentForLocked returns the index of the segment that holds offset: the last
// one whose base is <= offset (0 if offset is below every base).
// segmentsMu must be held.
func (l *Log) segmentForLocked(offset int64) int {
	i := sort.Search(len(l.segments), func(i int) bool { return l.segments[i].base > offset })
	return max(i-1, 0)
}

// segmentEndLocked is the exclusive upper bound of offsets segment i can
// hold: the next segment's base, or the log end for the active one.
func (l *Log) segmentEndLocked(i int) int64 {
	if i+1 < len(l.segments) {
		return l.segments[i+1].base
	}
	return l.endOffset.Load()
}

func (l *Log) activeLocked() *segment {
	if len(l.segments) == 0 {
		return nil
	}
	return l.segments[len(l.segments)-1]
}

// Close flushes the log, writes a producer snapshot at the log end, trims
// the active segment's indexes and releases every file and mapping.
func (l *Log) Close() error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed.Load() {
		return nil
	}
	var errs []error
	if l.Failed() == nil {
		errs = append(errs, l.flushLocked(l.endOffset.Load()))
		errs = append(errs, l.snapshotIfBehindLocked(true))
	}
	l.segmentsMu.Lock()
	l.closed.Store(true)
	for _, s := range l.segments {
		errs = append(errs, s.close(l.Failed() == nil))
	}
	l.segmentsMu.Unlock()
	errs = append(errs, l.removeDeletedFiles(time.Time{}, true))
	if err := errors.Join(errs...); err != nil {
		return storageError("close "+l.tp.String(), err)
	}
	return nil
}

// Delete closes the log and removes its directory.
func (l *Log) Delete() error {
	l.appendMu.Lock()
	l.segmentsMu.Lock()
	l.closed.Store(true)
	var errs []error
	for _, s := range l.segments {
		errs = append(errs, s.close(false))
	}
	l.segments = nil
	l.segmentsMu.Unlock()
	l.appendMu.Unlock()
	errs = append(errs, l.fs.RemoveAll(l.dir))
	if err := errors.Join(errs...); err != nil {
		return storageError("delete "+l.tp.String(), err)
	}
	return nil
}

func (l *Log) nowMs() int64 { return l.now().UnixMilli() }
