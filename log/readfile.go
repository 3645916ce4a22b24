package log

import (
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// FileSlice is a byte range of a segment file, pinned open (its descriptor
// stays valid and the range's bytes stay in the file) until the
// FileReadResult holding it is released. It is what sendfile(2) needs:
// File.Fd() and File.Name(), an offset and a length.
type FileSlice struct {
	// File is the segment's open file. Only read it (ReadAt, or sendfile
	// on Fd); never close it, and never use it after Release.
	File   vfs.File
	Offset int64 // byte position in File
	Size   int

	pin *segmentFile // released by FileReadResult.Release
}

// FileReadResult is what a ReadFile returns: byte ranges of segment files
// instead of bytes, so a fetch can be served without copying records
// through memory.
type FileReadResult struct {
	// Slices are the ranges to send, in order; at most one today, since a
	// read stays within one segment, as Read does.
	Slices []FileSlice
	Size   int // total bytes of Slices
	// FirstOffset is the base offset of the first batch in Slices, or -1
	// if there are none.
	FirstOffset int64
	// The log's offsets when the read started, for the Fetch response.
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64
}

// Release unpins the slices' files: from then on the log may close them
// (FileCache eviction, a deleted segment's last user). It is idempotent,
// also across copies of the result, and safe on a zero value, but not
// safe to call concurrently with itself or with a use of the slices.
func (r *FileReadResult) Release() {
	if r == nil {
		return
	}
	for i := range r.Slices {
		if pin := r.Slices[i].pin; pin != nil {
			r.Slices[i].pin = nil
			pin.release()
		}
	}
	r.Slices, r.Size = nil, 0
}

// ReadFile is Read without the bytes: it returns the range of the segment
// file holding them, pinned open until the result is released, so the
// caller can hand it to sendfile(2). Errors, the offsets reported, and the
// rules for where the range starts are Read's: it starts at the batch
// that contains offset; outside [log start, log end] is
// ErrOffsetOutOfRange; nothing starts at or after maxOffset; a first batch
// bigger than maxBytes comes whole with minOneBatch and not at all
// without it.
//
// It ends where Read ends: after the last whole batch that fits in
// maxBytes, never at or past the first batch at or after maxOffset, so no
// byte of a batch at or above the high watermark reaches a consumer.
// (Kafka's FileRecords.slice sends the head of the batch maxBytes cuts,
// which every client drops and fetches again; finding the last whole batch
// costs an index lookup and a few header reads only when maxBytes cuts.)
//
// It reads no record bytes: the start is found with the offset index and
// 61-byte header reads, and both ends of a fetch near the log end come
// from the append ring without any I/O.
//
// Pinning keeps the descriptor open and the bytes in place against
// FileCache eviction and segment deletion (retention, Remove, Delete,
// Close): a deleted file stays readable through the pin and is closed on
// Release. It cannot keep bytes in place against truncation, which cuts
// the file itself: if a follower's TruncateTo cuts below a pinned range
// before it is sent, the range's tail is gone (sendfile comes up short and
// the wire layer breaks the connection) or, once appends refill the file,
// holds batches written after the truncation. Only a broker that stopped
// leading the partition truncates, so only a response racing that change
// can see it.
func (l *Log) ReadFile(offset int64, maxBytes int32, maxOffset int64, minOneBatch bool) (FileReadResult, error) {
	l.segmentsMu.RLock()
	defer l.segmentsMu.RUnlock()
	res := FileReadResult{FirstOffset: -1}
	var err error
	res.HighWatermark, res.LogStartOffset, res.LogEndOffset, err = l.readOffsetsLocked(offset)
	if err != nil {
		return res, err
	}
	maxOffset = min(maxOffset, res.LogEndOffset)
	if offset >= maxOffset || (maxBytes <= 0 && !minOneBatch) {
		return res, nil
	}
	q := fileQuery{offset: offset, maxBytes: int64(max(maxBytes, 0)), maxOffset: maxOffset, minOneBatch: minOneBatch}
	scratch := new(fileReadAlloc)
	for i := l.segmentForLocked(offset); i < len(l.segments); i++ {
		s := l.segments[i]
		if s.base >= maxOffset {
			break
		}
		slice, span, err := l.sliceSegmentLocked(i, q, scratch)
		if err != nil {
			return res, l.readError(s, err)
		}
		if !span.found {
			continue
		}
		if slice.Size > 0 {
			scratch.slices[0] = slice
			res.Slices, res.Size, res.FirstOffset = scratch.slices[:1:1], slice.Size, span.first
		}
		return res, nil
	}
	return res, nil
}

// fileReadAlloc is a ReadFile's one allocation: the result's slice, and
// the reader and buffer its header reads go through (a buffer handed to
// File.ReadAt, an interface call, lives on the heap anyway, and so does
// the reader the walker points to).
type fileReadAlloc struct {
	slices [1]FileSlice
	reader chunkReader
	header [batch.HeaderSize]byte
}

// fileQuery is a ReadFile's parameters, normalised.
type fileQuery struct {
	offset, maxBytes, maxOffset int64
	minOneBatch                 bool
}

// fileSpan is the range a ReadFile found in one segment.
type fileSpan struct {
	found       bool  // a batch at or after the offset exists in the segment
	first       int64 // base offset of that batch
	start, size int64 // the bytes to send; size 0 sends nothing
}

// sliceSegmentLocked locates the query's range in segment i and pins the
// segment's file for it. segmentsMu must be held (shared).
func (l *Log) sliceSegmentLocked(i int, q fileQuery, scratch *fileReadAlloc) (FileSlice, fileSpan, error) {
	s := l.segments[i]
	segEnd := l.segmentEndLocked(i)
	if err := s.ensureVerified(segEnd); err != nil {
		return FileSlice{}, fileSpan{}, err
	}
	loc := rangeLocator{s: s, q: q, active: i == len(l.segments)-1, segEnd: segEnd}
	if r := l.recent.Load(); loc.active && r != nil && r.base == s.base {
		loc.ring = r
	}
	f, err := s.file.acquire()
	if err != nil {
		return FileSlice{}, fileSpan{}, err
	}
	var span fileSpan
	err = s.withIndexRetry(func() error {
		var err error
		span, err = loc.locate(f, scratch)
		return err
	})
	if err != nil || span.size == 0 {
		s.file.release()
		return FileSlice{}, span, err
	}
	return FileSlice{File: f, Offset: span.start, Size: int(span.size), pin: s.file}, span, nil
}

// readOffsetsLocked loads the offsets a read reports and checks offset
// against them.
func (l *Log) readOffsetsLocked(offset int64) (hw, start, end int64, err error) {
	if err := l.checkUsable(); err != nil {
		return 0, 0, 0, err
	}
	hw, start, end = l.highWatermark.Load(), l.startOffset.Load(), l.endOffset.Load()
	if offset < start || offset > end {
		return hw, start, end, outOfRange(l.tp, offset, start, end)
	}
	return hw, start, end, nil
}
