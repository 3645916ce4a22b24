package log

import (
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// rangeLocator finds a ReadFile's byte range in one segment without
// reading record bytes: positions come from the append ring, the offset
// index, and batch headers read one 61-byte pread at a time.
type rangeLocator struct {
	s      *segment
	q      fileQuery
	active bool        // s is the last segment, still growing under appends
	segEnd int64       // exclusive bound of s's offsets (for the active one, the log end when loaded)
	ring   *appendRing // the active segment's recent batch ends, or nil
}

// locate finds the range: the batch holding the offset, and how far from
// it to send. The segment's size is loaded once; every byte below it is
// a whole batch.
func (c *rangeLocator) locate(f vfs.File, scratch *fileReadAlloc) (fileSpan, error) {
	r := &scratch.reader
	*r = chunkReader{f: f, end: c.s.size.Load(), chunk: batch.HeaderSize, buf: scratch.header[:0]}
	var w batchWalker
	first, walked, err := c.findStart(r, &w)
	if err != nil || !first.found || first.first >= c.q.maxOffset {
		return fileSpan{found: first.found, first: first.first}, err
	}
	limit, err := c.findLimit(r, &w, walked, first)
	if err != nil {
		return fileSpan{}, err
	}
	// Kafka's FileRecords.slice: min(maxBytes, pos(maxOffset) - start),
	// and the whole first batch or nothing when maxBytes cuts it.
	n := min(c.q.maxBytes, limit-first.start)
	switch {
	case n < first.size:
		n = 0
		if c.q.minOneBatch {
			n = first.size
		}
	case n < limit-first.start:
		// maxBytes cuts a later batch. Kafka sends its head anyway and the
		// client drops it and fetches it again; we stop at a batch start
		// instead, so no byte is sent twice.
		if n, err = c.trimToBatch(r, first, n); err != nil {
			return fileSpan{}, err
		}
	}
	first.size = n
	return first, nil
}

// trimToBatch shortens a range of n bytes from first's start so that it
// ends at the last batch boundary at or below the cut: from the offset
// index entry nearest below the cut it walks batch headers (at most about
// one index.interval.bytes of them), never giving less than the whole
// first batch.
func (c *rangeLocator) trimToBatch(r *chunkReader, first fileSpan, n int64) (int64, error) {
	cut := first.start + n
	boundary := first.start + first.size
	w := batchWalker{r: r, pos: boundary, base: c.s.base, nextOffset: first.first}
	indexed, pos, found, err := c.s.offsets.lookupPosition(cut)
	if err != nil {
		return 0, err
	}
	if found && pos > boundary {
		boundary = pos
		w = batchWalker{r: r, pos: pos, base: c.s.base, nextOffset: first.first, checkFirst: true, expectFirst: indexed}
	}
	for {
		b, stop, done, err := w.next()
		if err != nil {
			return 0, err
		}
		if stop != nil || done {
			break
		}
		end := b.pos + int64(b.header.Size())
		if end > cut {
			break
		}
		boundary = end
	}
	return boundary - first.start, nil
}

// findStart finds the first batch whose last offset is >= the query's
// offset: its base offset, position and size (fileSpan's start and size
// before the end is known). A fetch that continues where an earlier one
// ended usually hits the ring, which also knows the batch's size;
// otherwise headers are walked from the offset index entry (or from the
// ring's position), and walked reports that w is left right after the
// batch found.
func (c *rangeLocator) findStart(r *chunkReader, w *batchWalker) (first fileSpan, walked bool, err error) {
	offset := c.q.offset
	*w = batchWalker{r: r, base: c.s.base, nextOffset: c.s.base}
	if hit, ok := c.ringLookup(offset); ok && hit.end < r.end {
		if hit.following && hit.followingSize > 0 && hit.end+hit.followingSize <= r.end {
			return fileSpan{found: true, first: offset, start: hit.end, size: hit.followingSize}, false, nil
		}
		// A batch starts at hit.end, at or after offset; read its header.
		w.pos, w.nextOffset = hit.end, offset
	} else {
		indexed, pos, found, err := c.s.offsets.lookup(offset)
		if err != nil {
			return first, false, err
		}
		w.pos, w.checkFirst, w.expectFirst = pos, found, indexed
	}
	b, found, err := c.s.seek(w, offset)
	if err != nil || !found {
		return first, false, err
	}
	return fileSpan{found: true, first: b.header.BaseOffset, start: b.pos, size: int64(b.header.Size())}, true, nil
}

// findLimit returns pos(maxOffset), the position of the first batch whose
// base offset is >= maxOffset (the segment's end if none), or any batch
// boundary at or beyond enough that lies below it: past enough the exact
// limit does not change what is sent. The first batch lies below the
// limit, so a range ending inside it never needs a lookup.
func (c *rangeLocator) findLimit(r *chunkReader, w *batchWalker, walked bool, first fileSpan) (int64, error) {
	afterFirst, enough := first.start+first.size, first.start+c.q.maxBytes
	switch {
	case afterFirst >= enough:
		return afterFirst, nil
	case !c.active && c.q.maxOffset >= c.segEnd:
		// An inactive segment's size is final and every batch in it lies
		// below segEnd.
		return r.end, nil
	}
	if hit, ok := c.ringLookup(c.q.maxOffset); ok && hit.end >= afterFirst && hit.end <= r.end {
		return hit.end, nil
	}
	// The active segment's size may already include batches appended after
	// maxOffset was read, so never take it as the limit: walk the headers.
	indexed, pos, found, err := c.s.offsets.lookup(c.q.maxOffset)
	if err != nil {
		return 0, err
	}
	switch {
	case found && pos > afterFirst:
		*w = batchWalker{r: r, pos: pos, base: c.s.base, nextOffset: c.s.base, checkFirst: true, expectFirst: indexed}
	case !walked:
		*w = batchWalker{r: r, pos: afterFirst, base: c.s.base, nextOffset: first.first}
	}
	return c.walkToLimit(w, enough)
}

// walkToLimit reads headers from w's position until a batch at or after
// maxOffset, the end of the segment, or enough. Damage ends the range
// before the damaged batch: what precedes it is served, and the next read
// reports the damage.
func (c *rangeLocator) walkToLimit(w *batchWalker, enough int64) (int64, error) {
	for {
		b, stop, done, err := w.next()
		switch {
		case err != nil:
			return 0, err
		case stop != nil:
			return stop.pos, nil
		case done:
			return w.pos, nil
		case b.header.BaseOffset >= c.q.maxOffset:
			return b.pos, nil
		case w.pos >= enough:
			return w.pos, nil
		}
	}
}

// ringLookup asks the append ring, if this segment has one, where the
// batch ending at offset next ends.
func (c *rangeLocator) ringLookup(next int64) (ringHit, bool) {
	if c.ring == nil {
		return ringHit{}, false
	}
	return c.ring.lookup(next)
}
