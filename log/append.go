package log

import (
	"errors"
	"fmt"
	"time"

	"github.com/skiffhq/skiff/log/batch"
)

// AppendResult describes a completed append.
type AppendResult struct {
	// FirstOffset and LastOffset are the offsets assigned; for a duplicate,
	// those of the original batch.
	FirstOffset, LastOffset int64
	// LogAppendTime is the broker time stamped into the batches, or -1
	// unless the topic uses LogAppendTime.
	LogAppendTime  int64
	LogStartOffset int64
	// Duplicate is set when an idempotent retry was answered from producer
	// state and nothing was written.
	Duplicate bool
	// RecordErrors lists rejected records (with ErrInvalidRecord or
	// ErrInvalidTimestamp); Kafka returns them as record_errors.
	RecordErrors []RecordError
}

// incomingBatch is one batch of an append, located in the caller's buffer.
type incomingBatch struct {
	raw    []byte
	header batch.Header
	pos    int64 // position within the append
}

// splitBatches cuts records into whole, valid v2 batches (length, magic,
// CRC). Anything else is a *batch.FormatError.
func splitBatches(records []byte) ([]incomingBatch, error) {
	if len(records) == 0 {
		return nil, &batch.FormatError{Reason: batch.ReasonLength, Detail: "no record batches"}
	}
	var out []incomingBatch
	for rest := records; len(rest) > 0; {
		raw, next, ok := batch.Next(rest)
		if !ok {
			raw = rest
		}
		h, err := batch.Validate(raw)
		if err != nil {
			return nil, fmt.Errorf("batch %d at byte %d: %w", len(out), len(records)-len(rest), err)
		}
		out = append(out, incomingBatch{raw: raw, header: h, pos: int64(len(records) - len(rest))})
		rest = next
		if !ok {
			break
		}
	}
	return out, nil
}

// AppendAsLeader validates records from a producer (a concatenation of v2
// batches, as a Produce request carries them), assigns offsets from the log
// end, stamps the leader epoch (and the broker time for LogAppendTime)
// into the caller's buffer in place, and appends the bytes unchanged
// otherwise. It is all or nothing: on any error nothing is appended. A
// retry of one of an idempotent producer's last five batches is answered
// with the original offsets and Duplicate set.
func (l *Log) AppendAsLeader(records []byte, leaderEpoch int32) (AppendResult, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	res := AppendResult{FirstOffset: -1, LastOffset: -1, LogAppendTime: -1, LogStartOffset: l.startOffset.Load()}
	if err := l.checkUsable(); err != nil {
		return res, err
	}
	cfg, now := l.config.Load(), l.now()
	batches, err := splitBatches(records)
	if err != nil {
		return res, err
	}
	if res.RecordErrors, err = validateLeaderBatches(batches, len(records), cfg, now); err != nil {
		return res, err
	}
	pa := newProducerAppend(&l.producers, true)
	if dup, ok := l.assignOffsets(batches, pa, leaderEpoch, cfg, now.UnixMilli()); ok {
		res.FirstOffset, res.LastOffset, res.Duplicate = dup.FirstOffset, dup.LastOffset, true
		if cfg.LogAppendTime {
			res.LogAppendTime = dup.Timestamp
		}
		return res, nil
	} else if pa.err != nil {
		return res, pa.err
	}
	for _, b := range batches {
		batch.SetBaseOffset(b.raw, b.header.BaseOffset)
		batch.SetPartitionLeaderEpoch(b.raw, leaderEpoch)
		if cfg.LogAppendTime {
			batch.SetLogAppendTime(b.raw, now.UnixMilli())
		}
	}
	if err := l.appendLocked(records, batches, pa, cfg, now.UnixMilli()); err != nil {
		return res, err
	}
	res.FirstOffset, res.LastOffset = batches[0].header.BaseOffset, batches[len(batches)-1].header.LastOffset()
	if cfg.LogAppendTime {
		res.LogAppendTime = now.UnixMilli()
	}
	return res, nil
}

// validateLeaderBatches applies the size and record rules to a producer's
// batches.
func validateLeaderBatches(batches []incomingBatch, total int, cfg *Config, now time.Time) ([]RecordError, error) {
	if total > int(cfg.SegmentBytes) {
		return nil, fmt.Errorf("%w: %d bytes, segment.bytes is %d", ErrRecordListTooLarge, total, cfg.SegmentBytes)
	}
	for i, b := range batches {
		if len(b.raw) > int(cfg.MaxMessageBytes) {
			return nil, fmt.Errorf("%w: batch %d is %d bytes, max.message.bytes is %d", ErrRecordTooLarge, i, len(b.raw), cfg.MaxMessageBytes)
		}
		if recordErrs, err := validateClientRecords(b.raw, b.header, cfg, now); err != nil {
			return recordErrs, fmt.Errorf("batch %d: %w", i, err)
		}
	}
	return nil, nil
}

// assignOffsets gives each batch its offsets (in the parsed headers, not
// yet the bytes) and runs the producer checks. It returns the original
// batch if the first idempotent batch is a retry; a producer error is left
// in pa.err.
func (l *Log) assignOffsets(batches []incomingBatch, pa *producerAppend, epoch int32, cfg *Config, nowMs int64) (ProducerBatch, bool) {
	next := l.endOffset.Load()
	for i := range batches {
		h := &batches[i].header
		if h.Idempotent() {
			if dup, ok := pa.duplicateOf(*h); ok {
				return dup, true
			}
		}
		h.BaseOffset, h.PartitionLeaderEpoch = next, epoch
		if cfg.LogAppendTime {
			h.MaxTimestamp = nowMs
		}
		if err := pa.add(*h); err != nil {
			pa.err = err
			return ProducerBatch{}, false
		}
		next = h.NextOffset()
	}
	return ProducerBatch{}, false
}

// AppendAsFollower appends batches copied from the leader: offsets, epochs
// and timestamps are kept as the leader stamped them. The batches must be
// valid (CRC) and their offsets must increase from the log end.
func (l *Log) AppendAsFollower(records []byte) (AppendResult, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	res := AppendResult{FirstOffset: -1, LastOffset: -1, LogAppendTime: -1, LogStartOffset: l.startOffset.Load()}
	if err := l.checkUsable(); err != nil {
		return res, err
	}
	batches, err := splitBatches(records)
	if err != nil {
		return res, err
	}
	next := l.endOffset.Load()
	for i, b := range batches {
		if b.header.BaseOffset < next {
			return res, fmt.Errorf("%w: batch %d starts at offset %d, below %d", ErrUnexpectedOffset, i, b.header.BaseOffset, next)
		}
		if b.header.LastOffset() < b.header.BaseOffset { // the offsets overflow int64
			return res, fmt.Errorf("%w: batch %d at offset %d overflows", ErrUnexpectedOffset, i, b.header.BaseOffset)
		}
		next = b.header.NextOffset()
	}
	pa := newProducerAppend(&l.producers, false)
	for _, b := range batches {
		_ = pa.add(b.header) // without validation add never fails
	}
	if err := l.appendLocked(records, batches, pa, l.config.Load(), l.nowMs()); err != nil {
		return res, err
	}
	res.FirstOffset, res.LastOffset = batches[0].header.BaseOffset, batches[len(batches)-1].header.LastOffset()
	return res, nil
}

// appendLocked writes validated, stamped batches to the active segment
// (rolling first if needed) and publishes them: producer state, epoch
// cache, indexes, then the log end offset last, so a reader never sees a
// batch before it is whole.
func (l *Log) appendLocked(records []byte, batches []incomingBatch, pa *producerAppend, cfg *Config, nowMs int64) error {
	first, last := batches[0].header, batches[len(batches)-1].header
	seg, err := l.segmentForAppendLocked(len(records), len(batches), first, last, cfg, nowMs)
	if err != nil {
		return err
	}
	start, err := seg.writeRecords(records)
	if err != nil {
		var wf *writeFailure
		if errors.As(err, &wf) {
			return l.fail(fmt.Errorf("append to segment %d: %w", seg.base, err))
		}
		return storageError(fmt.Sprintf("append to segment %d", seg.base), err)
	}
	headers := make([]batch.Header, len(batches))
	positions := make([]int64, len(batches))
	epochChanged := false
	var messages int64
	for i, b := range batches {
		headers[i], positions[i] = b.header, b.pos
		epochChanged = l.epochs.assign(b.header.PartitionLeaderEpoch, b.header.BaseOffset) || epochChanged
		messages += int64(b.header.LastOffsetDelta) + 1
	}
	pa.commit()
	seg.indexAppended(start, headers, positions)
	l.rememberAppendedLocked(seg, start, headers, positions)
	l.lastAppend = l.now()
	l.size.Add(int64(len(records)))
	l.endOffset.Store(last.NextOffset())
	if epochChanged {
		if err := l.epochs.write(); err != nil {
			return l.fail(fmt.Errorf("write leader-epoch-checkpoint: %w", err))
		}
	}
	return l.maybeFlushLocked(messages, cfg)
}

// rememberAppendedLocked records where each appended batch ends in the
// append ring, before the caller publishes the new log end offset.
func (l *Log) rememberAppendedLocked(seg *segment, start int64, headers []batch.Header, positions []int64) {
	ring := l.recent.Load()
	if ring == nil || ring.base != seg.base {
		ring = newAppendRing(seg.base, start == 0)
		l.recent.Store(ring)
	}
	prevNext := l.endOffset.Load()
	if start == 0 {
		prevNext = seg.base // the first batch is contiguous if it starts at base
	}
	for i, h := range headers {
		ring.push(h.NextOffset(), start+positions[i]+int64(h.Size()), h.BaseOffset == prevNext)
		prevNext = h.NextOffset()
	}
}

// segmentForAppendLocked returns the segment an append goes to, creating
// the first segment or rolling to a new one when the active one cannot
// take it.
func (l *Log) segmentForAppendLocked(size, n int, first, last batch.Header, cfg *Config, nowMs int64) (*segment, error) {
	end := l.endOffset.Load()
	seg := l.activeLocked()
	if seg != nil {
		due, err := seg.rollDue(last.MaxTimestamp, nowMs, cfg)
		if err != nil {
			return nil, storageError(fmt.Sprintf("read segment %d", seg.base), err)
		}
		if !due {
			if err := seg.activate(end); err != nil {
				return nil, storageError(fmt.Sprintf("activate segment %d", seg.base), err)
			}
			empty := seg.size.Load() == 0 && last.LastOffset()-seg.base <= maxRelativeOffset
			if empty || seg.roomFor(int64(size), n, last.LastOffset(), cfg) {
				return seg, nil
			}
		}
	}
	base := end
	if last.LastOffset()-base > maxRelativeOffset {
		base = first.BaseOffset
	}
	return l.rollLocked(base, nowMs)
}
