package log

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// writeFailure is a failed write whose bytes could not be cut off again:
// the file may now hold a partial batch past the segment's size, so the
// Log must stop accepting appends until it is reopened and recovered.
type writeFailure struct {
	write, truncate error
}

func (e *writeFailure) Error() string {
	return fmt.Sprintf("%v; truncating the partial write back failed: %v", e.write, e.truncate)
}

func (e *writeFailure) Unwrap() []error { return []error{e.write, e.truncate} }

// activate prepares the segment for appends: indexes verified, mapped and
// preallocated to segment.index.bytes.
func (s *segment) activate(endOffset int64) error {
	if err := s.ensureVerified(endOffset); err != nil {
		return err
	}
	if _, _, err := s.maxTimestamp(endOffset); err != nil {
		return err
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.offsets.mapped() && s.times.mapped() {
		return nil
	}
	capacity := int(s.env.config.Load().SegmentIndexBytes)
	if err := s.offsets.mapForAppend(capacity); err != nil {
		return err
	}
	if err := s.times.mapForAppend(capacity); err != nil {
		_ = s.offsets.unmap(false)
		return err
	}
	ts, _, ok, err := s.times.last()
	if err != nil {
		return err
	}
	if !ok {
		ts = -1
	}
	s.lastTimeEntry = ts
	if _, pos, ok, err := s.offsets.last(); err == nil && ok {
		s.bytesSinceIndex = s.size.Load() - pos
	} else if err == nil {
		s.bytesSinceIndex = s.size.Load()
	}
	return nil
}

// deactivate ends the segment's time as the active one (a roll, or Close):
// the time index gets a final entry carrying the segment's largest
// timestamp, and both indexes are unmapped and trimmed to their entries.
func (s *segment) deactivate() error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if !s.offsets.mapped() && !s.times.mapped() {
		return nil
	}
	if ts, off, known := s.cachedMaxTimestamp(); known && ts > s.lastTimeEntry && ts >= 0 {
		if err := s.times.add(ts, off); err != nil {
			return err
		}
		s.lastTimeEntry = ts
	}
	if err := s.offsets.unmap(true); err != nil {
		return err
	}
	return s.times.unmap(true)
}

// roomFor reports whether the segment can take an append of size bytes in
// n batches whose last offset is lastOffset without breaking a limit.
func (s *segment) roomFor(size int64, n int, lastOffset int64, cfg *Config) bool {
	return s.size.Load()+size <= int64(cfg.SegmentBytes) &&
		lastOffset-s.base <= maxRelativeOffset &&
		s.offsets.roomFor(int64(n)) && s.times.roomFor(int64(n)+1)
}

// rollDue reports whether segment.ms has passed for a non-empty segment.
// Like Kafka it measures from the first batch's timestamp to the incoming
// batch's, falling back to wall-clock time since creation.
func (s *segment) rollDue(incomingMaxTimestamp, nowMs int64, cfg *Config) (bool, error) {
	if s.size.Load() == 0 {
		return false, nil
	}
	if !s.rollKnown {
		if err := s.loadRollTimestamp(); err != nil {
			return false, err
		}
	}
	if s.rollTimestamp >= 0 {
		return incomingMaxTimestamp-s.rollTimestamp > cfg.SegmentMs, nil
	}
	return nowMs-s.createdMs > cfg.SegmentMs, nil
}

func (s *segment) loadRollTimestamp() error {
	return s.withFile(func(f vfs.File) error {
		head := make([]byte, batch.HeaderSize)
		if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		s.rollTimestamp, s.rollKnown = -1, true
		if h, err := batch.ParseHeader(head); err == nil {
			s.rollTimestamp = h.MaxTimestamp
		}
		return nil
	})
}

// writeRecords writes whole batches at the end of the segment. On a failed
// or short write it cuts the file back; if that fails too, the error is a
// *writeFailure. Nothing is published: the caller indexes and publishes.
func (s *segment) writeRecords(records []byte) (start int64, err error) {
	start = s.size.Load()
	err = s.withFile(func(f vfs.File) error {
		n, werr := f.WriteAt(records, start)
		if werr == nil && n < len(records) {
			werr = io.ErrShortWrite
		}
		if werr == nil {
			return nil
		}
		if terr := f.Truncate(start); terr != nil {
			return &writeFailure{write: werr, truncate: terr}
		}
		return werr
	})
	return start, err
}

// indexAppended adds index entries for batches just written at start and
// publishes the new size. headers[i] starts at start+positions[i].
func (s *segment) indexAppended(start int64, headers []batch.Header, positions []int64) {
	interval := int64(s.env.config.Load().IndexIntervalBytes)
	if start == 0 && !s.rollKnown && len(headers) > 0 {
		s.rollTimestamp, s.rollKnown = headers[0].MaxTimestamp, true
	}
	end := start
	for i, h := range headers {
		s.observeTimestamp(h.MaxTimestamp, h.BaseOffset)
		pos := start + positions[i]
		if s.bytesSinceIndex > interval {
			// The mapping has room: roomFor was checked before writing.
			_ = s.offsets.add(h.BaseOffset, pos)
			if ts, off, _ := s.cachedMaxTimestamp(); ts > s.lastTimeEntry {
				_ = s.times.add(ts, off)
				s.lastTimeEntry = ts
			}
			s.bytesSinceIndex = 0
		}
		s.bytesSinceIndex += int64(h.Size())
		end = pos + int64(h.Size())
	}
	s.size.Store(end)
}

// flush makes the segment's bytes and indexes durable.
func (s *segment) flush() error {
	if err := s.withFile(func(f vfs.File) error { return f.Sync() }); err != nil {
		return err
	}
	if err := s.offsets.sync(); err != nil {
		return err
	}
	return s.times.sync()
}

// close releases the segment's mapping and descriptor; trim cuts the
// indexes to their entries (a clean close) rather than leaving them
// preallocated.
func (s *segment) close(trim bool) error {
	var err error
	if trim {
		err = s.deactivate()
	} else {
		err = errors.Join(s.offsets.unmap(false), s.times.unmap(false))
	}
	return errors.Join(err, s.file.close())
}

// renameDeleted closes the segment and renames its files with the
// .deleted suffix, returning the new paths for a delayed removal. Readers
// holding the file keep reading it until they release it.
func (s *segment) renameDeleted() ([]string, error) {
	err := s.close(false)
	var paths []string
	for _, p := range []string{s.file.path, s.offsets.path, s.times.path} {
		rerr := s.env.fs.Rename(p, p+deletedSuffix)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue
		}
		if rerr != nil {
			err = errors.Join(err, rerr)
			continue
		}
		paths = append(paths, p+deletedSuffix)
	}
	return paths, err
}

// removeFiles closes the segment and deletes its files now.
func (s *segment) removeFiles() error {
	err := s.close(false)
	for _, p := range []string{s.file.path, s.offsets.path, s.times.path} {
		if rerr := s.env.fs.Remove(p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// truncateTo drops every batch whose last offset is >= offset, so a batch
// straddling offset goes whole. It reports the base offset of the first
// batch removed, or removed=false if nothing was at or after offset.
func (s *segment) truncateTo(offset, endOffset, nowMs int64) (removedBase int64, removed bool, err error) {
	if err := s.ensureVerified(endOffset); err != nil {
		return 0, false, err
	}
	var pos int64
	err = s.withFile(func(f vfs.File) error {
		var h batch.Header
		pos, h, removed, err = s.batchFrom(f, offset)
		if err != nil || !removed {
			return err
		}
		removedBase = h.BaseOffset
		return f.Truncate(pos)
	})
	if err != nil || !removed {
		return removedBase, removed, err
	}
	s.indexMu.Lock()
	err = s.truncateIndexesLocked(removedBase)
	s.indexMu.Unlock()
	if err != nil {
		return removedBase, true, err
	}
	s.size.Store(pos)
	if pos == 0 {
		s.rollKnown, s.createdMs = false, nowMs
	}
	return removedBase, true, s.recomputeAfterTruncate()
}

// truncateIndexesLocked drops index entries for offsets >= cut.
func (s *segment) truncateIndexesLocked(cut int64) error {
	var out [timeIndexEntrySize]byte
	found := false
	rel := uint32(cut - s.base)
	i, err := s.offsets.lastWhere(func(e []byte) bool { return beUint32(e) < rel }, out[:], &found)
	if err != nil {
		return err
	}
	if err := s.offsets.truncateTo(i + 1); err != nil {
		return err
	}
	j, err := s.times.lastWhere(func(e []byte) bool { return beUint32(e[8:]) < rel }, out[:], &found)
	if err != nil {
		return err
	}
	return s.times.truncateTo(j + 1)
}

// recomputeAfterTruncate finds the segment's largest timestamp again: the
// last time index entry, or a later batch scanned from its position.
// appendMu must be held.
func (s *segment) recomputeAfterTruncate() error {
	ts, off, ok, err := s.times.last()
	if err != nil {
		return err
	}
	if !ok {
		ts = -1
	}
	s.lastTimeEntry = ts
	s.setMaxTimestamp(ts, off)
	_, lastPos, _, err := s.offsets.last()
	if err != nil {
		return err
	}
	s.bytesSinceIndex = s.size.Load() - lastPos
	return s.scanFrom(off, func(b walkedBatch, _ func() ([]byte, error)) (bool, error) {
		s.observeTimestamp(b.header.MaxTimestamp, b.header.BaseOffset)
		return true, nil
	})
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
