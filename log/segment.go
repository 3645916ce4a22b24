package log

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// How far a segment's indexes have been checked against its .log.
const (
	indexUnchecked int32 = iota // nothing read yet
	indexUsable                 // sizes whole and last entries inside the segment
	indexVerified               // every entry checked, or written by this process
)

// readChunk is how much a sequential scan of a segment reads per pread.
const readChunk = 1 << 20

// segment is one .log file and its two indexes. Its base offset is the
// offset of its first batch (or where its first batch will go).
//
// The .log holds whole batches only up to size; bytes past size are being
// written or are debris from a failed write, and nobody reads them.
type segment struct {
	env     *segmentEnv
	base    int64
	file    *segmentFile
	offsets offsetIndex
	times   timeIndex

	size       atomic.Int64 // bytes of whole batches, published after each append
	indexState atomic.Int32 // indexUnchecked / indexUsable / indexVerified
	// indexMu serialises loading, checking, rebuilding and mapping the
	// indexes. Lookups take it only until the indexes are verified.
	indexMu sync.Mutex

	// tsMu guards the largest timestamp in the segment and the base offset
	// of the batch that carries it; known is false until loaded from the
	// time index (inactive segments load it lazily).
	tsMu struct {
		sync.Mutex
		known        bool
		maxTimestamp int64
		offset       int64
	}

	// Owned by the appender (Log.appendMu held).
	bytesSinceIndex int64
	lastTimeEntry   int64 // timestamp of the time index's last entry
	createdMs       int64 // when this process created or loaded the segment
	rollTimestamp   int64 // the first batch's max timestamp, for segment.ms
	rollKnown       bool
}

// segmentEnv is what every segment of one Log shares.
type segmentEnv struct {
	fs     vfs.FS
	dir    string
	cache  *FileCache
	config *atomic.Pointer[Config]
	// noteRebuild records an index rebuild for the Log's report.
	noteRebuild func(path, reason string)

	// A new partition's directory is created lazily (ensureDir).
	topicID     [16]byte
	dirPending  atomic.Bool
	dirMu       sync.Mutex
	parentDirty *atomic.Bool // the Log's: the log dir needs an fsync for the new entry
}

func newSegment(env *segmentEnv, base int64) *segment {
	s := &segment{env: env, base: base}
	s.file = newSegmentFile(env.fs, segmentPath(env.dir, base, logSuffix), env.cache)
	s.offsets = newOffsetIndex(newIndexFile(env.fs, segmentPath(env.dir, base, indexSuffix), offsetIndexEntrySize), base)
	s.times = newTimeIndex(newIndexFile(env.fs, segmentPath(env.dir, base, timeIndexSuffix), timeIndexEntrySize), base)
	return s
}

// createSegment makes a new, empty segment on disk: an empty .log and no
// index files yet (they appear when the first batch is appended).
func createSegment(env *segmentEnv, base int64, nowMs int64) (*segment, error) {
	if err := env.ensureDir(); err != nil {
		return nil, err
	}
	s := newSegment(env, base)
	fsys := env.fs
	// Leftover index files under this base are debris; never trust them.
	for _, p := range []string{s.offsets.path, s.times.path} {
		if err := fsys.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	f, err := fsys.OpenFile(s.file.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	s.offsets.setCount(0)
	s.times.setCount(0)
	s.indexState.Store(indexVerified)
	s.setMaxTimestamp(-1, base)
	s.createdMs, s.lastTimeEntry = nowMs, -1
	return s, nil
}

func (s *segment) path() string { return s.file.path }

// setMaxTimestamp records the segment's largest timestamp.
func (s *segment) setMaxTimestamp(ts, offset int64) {
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	s.tsMu.known, s.tsMu.maxTimestamp, s.tsMu.offset = true, ts, offset
}

// observeTimestamp raises the segment's largest timestamp if ts is larger;
// the first batch with the largest timestamp keeps it (Kafka's rule).
func (s *segment) observeTimestamp(ts, offset int64) {
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	if !s.tsMu.known || ts > s.tsMu.maxTimestamp {
		s.tsMu.known, s.tsMu.maxTimestamp, s.tsMu.offset = true, ts, offset
	}
}

// cachedMaxTimestamp returns the largest timestamp if it is known without I/O.
func (s *segment) cachedMaxTimestamp() (ts, offset int64, known bool) {
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	return s.tsMu.maxTimestamp, s.tsMu.offset, s.tsMu.known
}

// maxTimestamp returns the segment's largest timestamp (-1 if it has
// none) and the base offset of the batch holding it. For a segment loaded
// from disk it is computed once, as Kafka does: the time index's last
// entry, raised by any batch after that entry's position (so a time index
// without its final entry, or an empty one, still gives the right answer).
// endOffset bounds the segment's offsets.
func (s *segment) maxTimestamp(endOffset int64) (ts, offset int64, err error) {
	if ts, offset, known := s.cachedMaxTimestamp(); known {
		return ts, offset, nil
	}
	if err := s.ensureVerified(endOffset); err != nil {
		return -1, s.base, err
	}
	err = s.withIndexRetry(func() error {
		var err error
		ts, offset, err = s.scanMaxTimestamp()
		return err
	})
	if err != nil {
		return -1, s.base, err
	}
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	if !s.tsMu.known {
		s.tsMu.known, s.tsMu.maxTimestamp, s.tsMu.offset = true, ts, offset
	}
	return s.tsMu.maxTimestamp, s.tsMu.offset, nil
}

// scanMaxTimestamp reads the time index's last entry, checks that the
// batch it names carries that timestamp, and scans the batches after it.
func (s *segment) scanMaxTimestamp() (ts, offset int64, err error) {
	entryTs, entryOffset, indexed, err := s.times.last()
	if err != nil {
		return -1, s.base, err
	}
	ts, offset = -1, s.base
	err = s.scanOnce(entryOffset, func(b walkedBatch, _ func() ([]byte, error)) (bool, error) {
		if indexed {
			indexed = false
			if b.header.BaseOffset != entryOffset || b.header.MaxTimestamp != entryTs {
				return false, &indexMismatch{offset: entryOffset, position: b.pos,
					reason: fmt.Sprintf("time index entry (%d, %d) does not match the batch there", entryTs, entryOffset)}
			}
		}
		if b.header.MaxTimestamp > ts {
			ts, offset = b.header.MaxTimestamp, b.header.BaseOffset
		}
		return true, nil
	})
	return ts, offset, err
}

// withFile runs fn with the segment's open .log file.
func (s *segment) withFile(fn func(f vfs.File) error) error {
	f, err := s.file.acquire()
	if err != nil {
		return err
	}
	defer s.file.release()
	return fn(f)
}

// ensureUsable loads the index sizes and checks their last entries, or
// rebuilds both indexes from the .log if that check fails. It is what
// opening a segment needs; lookups need ensureVerified.
func (s *segment) ensureUsable() error {
	if s.indexState.Load() >= indexUsable {
		return nil
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexState.Load() >= indexUsable {
		return nil
	}
	problem, err := s.checkIndexTails()
	if err != nil {
		return err
	}
	if problem != "" {
		return s.rebuildIndexesLocked(problem)
	}
	s.indexState.Store(indexUsable)
	return nil
}

// checkIndexTails returns why the indexes cannot be used, or "".
func (s *segment) checkIndexTails() (string, error) {
	size := s.size.Load()
	for _, x := range []*indexFile{s.offsets.indexFile, s.times.indexFile} {
		exists, ok, err := x.loadSize()
		if err != nil {
			return "", err
		}
		if !ok {
			return fmt.Sprintf("size is not a multiple of %d", x.entrySize), nil
		}
		if !exists && size > 0 {
			return "index file missing for a non-empty segment", nil
		}
	}
	off, pos, ok, err := s.offsets.last()
	if err != nil {
		return "", err
	}
	if ok && (pos >= max(size, 1) || off < s.base) {
		return fmt.Sprintf("offset index last entry (%d, %d) is outside the segment (%d bytes)", off, pos, size), nil
	}
	_, toff, ok, err := s.times.last()
	if err != nil {
		return "", err
	}
	if ok && toff < s.base {
		return fmt.Sprintf("time index last entry offset %d below base %d", toff, s.base), nil
	}
	return "", nil
}

// ensureVerified makes sure every index entry is consistent with the .log
// (rebuilding the indexes if not), so lookups can trust them. endOffset
// bounds the offsets the segment can hold.
func (s *segment) ensureVerified(endOffset int64) error {
	if s.indexState.Load() == indexVerified {
		return nil
	}
	if err := s.ensureUsable(); err != nil {
		return err
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexState.Load() == indexVerified {
		return nil
	}
	offsets, err := s.offsets.readAll()
	if err != nil {
		return err
	}
	times, err := s.times.readAll()
	if err != nil {
		return err
	}
	problem := checkOffsetIndex(offsets, s.base, endOffset, s.size.Load())
	if problem == "" {
		problem = checkTimeIndex(times, s.base, endOffset)
	}
	if problem != "" {
		return s.rebuildIndexesLocked(problem)
	}
	s.indexState.Store(indexVerified)
	return nil
}

// rebuildIndexesLocked rewrites both indexes from a header walk of the
// .log. Batches were validated when written or recovered, so the walk
// trusts their headers; it stops at the first header that does not fit.
func (s *segment) rebuildIndexesLocked(reason string) error {
	if s.env.noteRebuild != nil {
		s.env.noteRebuild(s.offsets.path, reason)
	}
	b := newIndexBuilder(s.base, int64(s.env.config.Load().IndexIntervalBytes))
	err := s.withFile(func(f vfs.File) error {
		w := &batchWalker{r: newChunkReader(f, s.size.Load(), readChunk), base: s.base, nextOffset: s.base}
		for {
			wb, stop, done, err := w.next()
			if err != nil {
				return err
			}
			if done || stop != nil {
				return nil
			}
			b.add(wb.pos, wb.header)
		}
	})
	if err != nil {
		return err
	}
	return s.installIndexesLocked(b)
}

// installIndexesLocked writes freshly built indexes (unmapped, trimmed)
// and takes the largest timestamp from them.
func (s *segment) installIndexesLocked(b *indexBuilder) error {
	if err := s.offsets.unmap(false); err != nil {
		return err
	}
	if err := s.times.unmap(false); err != nil {
		return err
	}
	b.finish()
	if err := s.offsets.rewrite(b.offsets); err != nil {
		return err
	}
	if err := s.times.rewrite(b.times); err != nil {
		return err
	}
	s.setMaxTimestamp(b.maxTimestamp, b.maxTimestampOffset)
	s.bytesSinceIndex, s.lastTimeEntry = b.bytesSinceIndex, b.lastTimeEntry
	s.indexState.Store(indexVerified)
	return nil
}

// indexBuilder accumulates index entries for a walk over a segment's
// batches, with the same rule the appender uses.
type indexBuilder struct {
	base, interval                   int64
	offsets, times                   []byte
	bytesSinceIndex                  int64
	maxTimestamp, maxTimestampOffset int64
	lastTimeEntry                    int64
}

func newIndexBuilder(base, interval int64) *indexBuilder {
	return &indexBuilder{base: base, interval: interval, maxTimestamp: -1, maxTimestampOffset: base, lastTimeEntry: -1}
}

func (b *indexBuilder) add(pos int64, h batch.Header) {
	if h.MaxTimestamp > b.maxTimestamp {
		b.maxTimestamp, b.maxTimestampOffset = h.MaxTimestamp, h.BaseOffset
	}
	if b.bytesSinceIndex > b.interval {
		b.offsets = append(b.offsets, offsetIndex{base: b.base}.encode(h.BaseOffset, pos)...)
		b.addTime()
		b.bytesSinceIndex = 0
	}
	b.bytesSinceIndex += int64(h.Size())
}

func (b *indexBuilder) addTime() {
	if b.maxTimestamp > b.lastTimeEntry {
		b.times = append(b.times, timeIndex{base: b.base}.encode(b.maxTimestamp, b.maxTimestampOffset)...)
		b.lastTimeEntry = b.maxTimestamp
	}
}

// finish appends the final time entry an inactive segment carries.
func (b *indexBuilder) finish() { b.addTime() }
