package log

import (
	"context"
	"errors"
	"path/filepath"
	"time"
)

// Run does the Manager's background work until ctx is done: retention,
// flush.ms and rolled-segment flushes, checkpoints, producer-id expiry and
// delayed deletions. Every step is also a method, so tests drive them
// without waiting for tickers.
func (m *Manager) Run(ctx context.Context) {
	tickers := []struct {
		every time.Duration
		do    func()
	}{
		{m.cfg.RetentionCheckInterval, func() { m.RunRetention() }},
		{m.cfg.FlushCheckInterval, func() { m.FlushDue(); m.PurgeDeleted() }},
		{m.cfg.HighWatermarkCheckpointInterval, func() { m.logError("high watermark checkpoint", m.WriteHighWatermarks()) }},
		{m.cfg.CheckpointInterval, func() {
			m.logError("recovery point checkpoint", m.WriteRecoveryPoints())
			m.logError("log start offset checkpoint", m.WriteLogStartOffsets())
		}},
		{m.cfg.ProducerIDExpirationCheckInterval, func() { m.ExpireProducers() }},
	}
	cases := make([]*time.Ticker, len(tickers))
	for i, t := range tickers {
		cases[i] = time.NewTicker(t.every)
		defer cases[i].Stop()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-cases[0].C:
			tickers[0].do()
		case <-cases[1].C:
			tickers[1].do()
		case <-cases[2].C:
			tickers[2].do()
		case <-cases[3].C:
			tickers[3].do()
		case <-cases[4].C:
			tickers[4].do()
		}
	}
}

func (m *Manager) logError(what string, err error) {
	if err != nil && !errors.Is(err, ErrClosed) {
		m.logger.Error().Err(err).Msg(what + " failed")
	}
}

// RunRetention applies retention to every open log and reports how many
// segments were deleted.
func (m *Manager) RunRetention() int {
	now, total := m.now(), 0
	for _, l := range m.Logs() {
		n, err := l.ApplyRetention(now)
		total += n
		m.logError("retention of "+l.tp.String(), err)
	}
	return total
}

// FlushDue flushes logs whose flush.ms has passed, makes rolled segments
// durable, and releases the mappings of partitions idle for IdleRelease.
func (m *Manager) FlushDue() {
	now := m.now()
	for _, l := range m.Logs() {
		m.logError("flush of "+l.tp.String(), l.FlushIfDue(now))
		_, err := l.ReleaseIdle(now, m.cfg.IdleRelease)
		m.logError("release of idle "+l.tp.String(), err)
	}
}

// PurgeDeleted removes deleted segment files and partition directories
// whose delay has passed.
func (m *Manager) PurgeDeleted() {
	now := m.now()
	for _, l := range m.Logs() {
		m.logError("purge of "+l.tp.String(), l.PurgeDeletedFiles(now))
	}
	m.mu.Lock()
	var due []pendingDirDelete
	kept := m.mu.dirDeletes[:0]
	for _, d := range m.mu.dirDeletes {
		if d.due.After(now) {
			kept = append(kept, d)
		} else {
			due = append(due, d)
		}
	}
	m.mu.dirDeletes = kept
	m.mu.Unlock()
	for _, d := range due {
		m.logError("delete "+d.path, m.fs.RemoveAll(d.path))
	}
}

// PendingDirDeletes lists partition directories awaiting deletion.
func (m *Manager) PendingDirDeletes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.mu.dirDeletes))
	for i, d := range m.mu.dirDeletes {
		out[i] = d.path
	}
	return out
}

// ExpireProducers forgets idempotent producers idle longer than
// producer.id.expiration.ms.
func (m *Manager) ExpireProducers() int {
	now, total := m.now(), 0
	for _, l := range m.Logs() {
		total += l.RemoveExpiredProducers(now, m.cfg.ProducerIDExpiration)
	}
	return total
}

// checkpointKind selects one of the per-dir offset checkpoints.
type checkpointKind struct {
	file   string
	loaded func(d *logDir) map[TopicPartition]int64
	live   func(l *Log) int64
}

var (
	recoveryPointKind = checkpointKind{RecoveryPointCheckpointFile,
		func(d *logDir) map[TopicPartition]int64 { return d.recoveryPoints }, (*Log).RecoveryPoint}
	highWatermarkKind = checkpointKind{HighWatermarkCheckpointFile,
		func(d *logDir) map[TopicPartition]int64 { return d.highWatermarks }, (*Log).HighWatermark}
	logStartOffsetKind = checkpointKind{LogStartOffsetCheckpointFile,
		func(d *logDir) map[TopicPartition]int64 { return d.logStartOffsets }, (*Log).StartOffset}
)

// WriteRecoveryPoints writes recovery-point-offset-checkpoint in every dir.
func (m *Manager) WriteRecoveryPoints() error { return m.writeCheckpoints(recoveryPointKind) }

// WriteHighWatermarks writes replication-offset-checkpoint in every dir.
func (m *Manager) WriteHighWatermarks() error { return m.writeCheckpoints(highWatermarkKind) }

// WriteLogStartOffsets writes log-start-offset-checkpoint in every dir.
func (m *Manager) WriteLogStartOffsets() error { return m.writeCheckpoints(logStartOffsetKind) }

// writeCheckpoints writes one checkpoint file per dir: the live value of
// every open log, and the value read at start for partitions on disk that
// have not been opened yet (so lazily opened partitions keep theirs).
func (m *Manager) writeCheckpoints(kind checkpointKind) error {
	m.checkpointMu.Lock()
	defer m.checkpointMu.Unlock()
	contents := m.checkpointContents(kind)
	var errs []error
	for _, d := range m.dirs {
		data := FormatOffsetCheckpoint(contents[d])
		path := filepath.Join(d.path, kind.file)
		if string(d.lastWritten[kind.file]) == string(data) {
			continue
		}
		if err := WriteOffsetCheckpoint(m.fs, path, contents[d]); err != nil {
			errs = append(errs, storageError("write "+path, err))
			continue
		}
		d.lastWritten[kind.file] = data
	}
	return errors.Join(errs...)
}

func (m *Manager) checkpointContents(kind checkpointKind) map[*logDir]map[TopicPartition]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[*logDir]map[TopicPartition]int64, len(m.dirs))
	for _, d := range m.dirs {
		offsets := map[TopicPartition]int64{}
		for tp, off := range kind.loaded(d) {
			if ref, ok := m.mu.onDisk[tp]; ok && ref.LogDir == d.path {
				offsets[tp] = off
			}
		}
		out[d] = offsets
	}
	for tp, ml := range m.mu.logs {
		out[ml.dir][tp] = kind.live(ml.log)
	}
	return out
}

// Close flushes and closes every log, writes all checkpoints, and writes
// the clean-shutdown marker in each dir whose logs all closed cleanly.
// Cancel Run's context before calling it.
func (m *Manager) Close() error {
	logs, ok := m.stopOpening()
	if !ok {
		return nil
	}
	unclean := map[*logDir]bool{}
	var errs []error
	for l, d := range logs {
		if err := l.Close(); err != nil {
			errs = append(errs, err)
			unclean[d] = true
		} else if l.Failed() != nil {
			unclean[d] = true
		}
	}
	for _, kind := range []checkpointKind{recoveryPointKind, highWatermarkKind, logStartOffsetKind} {
		if err := m.writeCheckpoints(kind); err != nil {
			errs = append(errs, err)
			for _, d := range m.dirs {
				unclean[d] = true
			}
		}
	}
	for _, d := range m.dirs {
		if unclean[d] {
			m.logger.Warn().Str("log_dir", d.path).Msg("not marking log dir clean: a log failed to close")
			continue
		}
		if err := m.writeMarker(d); err != nil {
			errs = append(errs, storageError("write clean shutdown marker in "+d.path, err))
		}
	}
	return errors.Join(errs...)
}

// stopOpening marks the Manager closed, waits for logs being opened, and
// returns every open log with its dir. ok is false if already closed.
func (m *Manager) stopOpening() (map[*Log]*logDir, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.closed {
		return nil, false
	}
	m.mu.closed = true
	for len(m.mu.opening) > 0 {
		var ch chan struct{}
		for _, c := range m.mu.opening {
			ch = c
			break
		}
		m.mu.Unlock()
		<-ch
		m.mu.Lock()
	}
	logs := make(map[*Log]*logDir, len(m.mu.logs))
	for _, ml := range m.mu.logs {
		logs[ml.log] = ml.dir
	}
	return logs, true
}
