package log

import (
	"errors"
	"fmt"
	"io"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// chunkReader reads a segment file through one reusable buffer, so walking
// many small batches costs one pread per chunk rather than one per batch.
type chunkReader struct {
	f      io.ReaderAt
	end    int64 // bytes of the file that may be read
	chunk  int   // how much to read at least per pread
	buf    []byte
	bufPos int64 // file position of buf[0]
}

func newChunkReader(f io.ReaderAt, end int64, chunk int) *chunkReader {
	return &chunkReader{f: f, end: end, chunk: chunk}
}

// window returns the bytes [pos, pos+n) of the file, fewer if the file
// ends first. The slice is valid until the next call.
func (r *chunkReader) window(pos int64, n int) ([]byte, error) {
	if pos >= r.end || n <= 0 {
		return nil, nil
	}
	want := min(int64(n), r.end-pos)
	if pos >= r.bufPos && pos+want <= r.bufPos+int64(len(r.buf)) {
		start := pos - r.bufPos
		return r.buf[start : start+want], nil
	}
	size := min(max(want, int64(r.chunk)), r.end-pos)
	if int64(cap(r.buf)) < size {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	got, err := r.f.ReadAt(r.buf, pos)
	if err != nil && !errors.Is(err, io.EOF) {
		r.buf = r.buf[:0]
		return nil, err
	}
	// A file shorter than expected (truncated under us) ends the window.
	r.buf, r.bufPos = r.buf[:got], pos
	return r.buf[:min(int64(got), want)], nil
}

// scanStop says why a walk over a segment stopped before its end: the bytes
// at pos are not a whole, valid batch.
type scanStop struct {
	pos    int64
	offset int64 // offset the batch at pos was expected to start at or after
	reason string
	err    error // *batch.FormatError when a batch failed validation
	torn   bool  // the file ends inside the batch (an interrupted write)
}

func (s *scanStop) corruption(path string) *CorruptionError {
	return &CorruptionError{Segment: path, Position: s.pos, Offset: s.offset, Reason: s.reason, Err: s.err}
}

// batchWalker iterates over the batches of a segment file from a position,
// checking each against the one before. With verify it reads every batch
// whole and checks its CRC (recovery); without, it reads headers only.
type batchWalker struct {
	r          *chunkReader
	pos        int64
	base       int64 // the segment's base offset
	nextOffset int64 // every batch must start at or after this
	verify     bool
	// checkFirst makes the first batch prove the index entry the walk
	// started from: it must start at expectFirst.
	checkFirst  bool
	expectFirst int64
}

// indexMismatch is an index entry that does not point at the batch it
// names: the index is corrupt although its entries looked plausible.
type indexMismatch struct {
	path             string
	offset, position int64
	reason           string
}

func (e *indexMismatch) Error() string {
	return fmt.Sprintf("index entry (%d, %d) of %s: %s", e.offset, e.position, e.path, e.reason)
}

// walkedBatch is one batch the walker returned.
type walkedBatch struct {
	pos    int64
	header batch.Header
	raw    []byte // the whole batch when verifying; valid until the next call
}

// next returns the next batch, or done at the end of the file, or a stop
// when the bytes there are not a valid batch. An I/O error is returned as
// err, and so is an *indexMismatch when checkFirst fails.
func (w *batchWalker) next() (b walkedBatch, stop *scanStop, done bool, err error) {
	pos := w.pos
	b, stop, done, err = w.step()
	if !w.checkFirst || err != nil || done {
		return b, stop, done, err
	}
	w.checkFirst = false
	switch {
	case stop != nil:
		return b, nil, false, &indexMismatch{offset: w.expectFirst, position: pos, reason: "no batch starts there: " + stop.reason}
	case b.header.BaseOffset != w.expectFirst:
		return b, nil, false, &indexMismatch{offset: w.expectFirst, position: pos, reason: fmt.Sprintf("the batch there starts at offset %d", b.header.BaseOffset)}
	}
	return b, nil, false, nil
}

func (w *batchWalker) step() (b walkedBatch, stop *scanStop, done bool, err error) {
	if w.pos >= w.r.end {
		return b, nil, true, nil
	}
	head, err := w.r.window(w.pos, batch.HeaderSize)
	if err != nil {
		return b, nil, false, err
	}
	if len(head) < batch.HeaderSize {
		return b, w.stop("incomplete batch header", nil, true), false, nil
	}
	h, perr := batch.ParseHeader(head)
	if perr != nil {
		return b, w.stop("unreadable batch header", perr, false), false, nil
	}
	if h.Length < batch.HeaderSize-batch.LengthFieldEnd {
		return b, w.stop(fmt.Sprintf("batch length %d too small", h.Length), nil, false), false, nil
	}
	size := int64(h.Size())
	if w.pos+size > w.r.end {
		return b, w.stop(fmt.Sprintf("batch of %d bytes runs past the end of the file (%d bytes left)", size, w.r.end-w.pos), nil, true), false, nil
	}
	if stop := w.checkOffsets(h); stop != nil {
		return b, stop, false, nil
	}
	b = walkedBatch{pos: w.pos, header: h}
	if w.verify {
		if b.raw, err = w.r.window(w.pos, int(size)); err != nil {
			return b, nil, false, err
		}
		if int64(len(b.raw)) < size {
			return b, w.stop("file shrank during recovery", nil, true), false, nil
		}
		if _, verr := batch.Validate(b.raw); verr != nil {
			return b, w.stop("invalid batch", verr, false), false, nil
		}
	}
	w.pos += size
	w.nextOffset = h.NextOffset()
	return b, nil, false, nil
}

// checkOffsets rejects a batch that does not belong after the previous one
// in this segment.
func (w *batchWalker) checkOffsets(h batch.Header) *scanStop {
	switch {
	case h.LastOffsetDelta < 0:
		return w.stop(fmt.Sprintf("negative last offset delta %d", h.LastOffsetDelta), nil, false)
	case h.BaseOffset < w.nextOffset:
		return w.stop(fmt.Sprintf("base offset %d below expected %d", h.BaseOffset, w.nextOffset), nil, false)
	case h.BaseOffset-w.base > maxRelativeOffset || h.LastOffset()-w.base > maxRelativeOffset:
		return w.stop(fmt.Sprintf("offset %d too far from segment base %d", h.LastOffset(), w.base), nil, false)
	}
	return nil
}

func (w *batchWalker) stop(reason string, err error, torn bool) *scanStop {
	return &scanStop{pos: w.pos, offset: w.nextOffset, reason: reason, err: err, torn: torn}
}

// maxRelativeOffset is the largest offset distance from a segment's base an
// index entry can hold (relative offsets are stored in 32 bits, and Kafka
// keeps them non-negative int32).
const maxRelativeOffset = 1<<31 - 1

// fileSize returns the size of an open file.
func fileSize(f vfs.File) (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}
