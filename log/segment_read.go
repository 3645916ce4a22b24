package log

import (
	"errors"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// readSlack is read beyond maxBytes in a fetch's single pread, to cover
// the distance from the index entry to the wanted batch (at most about
// index.interval.bytes plus one batch).
const readSlack = 16 << 10

// segmentRead is what a read from one segment found.
type segmentRead struct {
	records     []byte // whole batches, as stored
	firstOffset int64  // base offset of the first batch returned
	found       bool   // a batch at or after the offset exists in this segment
}

// read returns whole batches starting with the first one whose last offset
// is >= offset: at most maxBytes of them (or the first one alone if it is
// bigger and minOneBatch), none starting at or after maxOffset.
func (s *segment) read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool, endOffset int64) (segmentRead, error) {
	var res segmentRead
	if err := s.ensureVerified(endOffset); err != nil {
		return res, err
	}
	err := s.withIndexRetry(func() error {
		res = segmentRead{}
		return s.readOnce(&res, offset, maxBytes, maxOffset, minOneBatch)
	})
	return res, err
}

func (s *segment) readOnce(res *segmentRead, offset int64, maxBytes int, maxOffset int64, minOneBatch bool) error {
	size := s.size.Load()
	interval := int(s.env.config.Load().IndexIntervalBytes)
	return s.withFile(func(f vfs.File) error {
		r := newChunkReader(f, size, max(maxBytes, 0)+interval+readSlack)
		w, err := s.walkerFrom(r, offset)
		if err != nil {
			return err
		}
		first, ok, err := s.seek(w, offset)
		if err != nil || !ok {
			return err
		}
		res.found, res.firstOffset = true, first.header.BaseOffset
		total, err := s.collect(w, first, maxBytes, maxOffset, minOneBatch)
		if err != nil || total == 0 {
			return err
		}
		res.records, err = r.window(first.pos, int(total))
		if err == nil && int64(len(res.records)) < total {
			res.records = nil
			err = &CorruptionError{Segment: s.path(), Position: first.pos, Offset: offset, Reason: "segment shrank during read"}
		}
		return err
	})
}

// walkerFrom starts a walk at the offset index entry for offset; the
// first batch must match the entry.
func (s *segment) walkerFrom(r *chunkReader, offset int64) (*batchWalker, error) {
	indexed, start, found, err := s.offsets.lookup(offset)
	if err != nil {
		return nil, err
	}
	return &batchWalker{r: r, pos: start, base: s.base, nextOffset: s.base, checkFirst: found, expectFirst: indexed}, nil
}

// withIndexRetry runs fn; if an index entry turned out not to point at its
// batch, it rebuilds the indexes from the .log and runs fn once more.
func (s *segment) withIndexRetry(fn func() error) error {
	err := fn()
	if err == nil {
		return nil // before mismatch is declared: it escapes, so costs an allocation
	}
	var mismatch *indexMismatch
	if !errors.As(err, &mismatch) {
		return err
	}
	mismatch.path = s.offsets.path
	if err := s.rebuildAfterMismatch(mismatch); err != nil {
		return err
	}
	return fn()
}

// rebuildAfterMismatch rebuilds an index found lying. A mapped index is
// the active segment's, written by this process; it is never rebuilt
// under the appender, so a lie there is reported as corruption.
func (s *segment) rebuildAfterMismatch(m *indexMismatch) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.offsets.mapped() || s.times.mapped() {
		return &CorruptionError{Segment: m.path, Position: m.position, Offset: m.offset, Reason: m.reason}
	}
	return s.rebuildIndexesLocked(m.Error())
}

// seek walks to the first batch whose last offset is >= offset.
func (s *segment) seek(w *batchWalker, offset int64) (walkedBatch, bool, error) {
	for {
		b, stop, done, err := w.next()
		switch {
		case err != nil:
			return b, false, err
		case stop != nil:
			return b, false, stop.corruption(s.path())
		case done:
			return b, false, nil
		case b.header.LastOffset() >= offset:
			return b, true, nil
		}
	}
}

// collect counts how many bytes from first's position make up the batches
// to return.
func (s *segment) collect(w *batchWalker, first walkedBatch, maxBytes int, maxOffset int64, minOneBatch bool) (int64, error) {
	if first.header.BaseOffset >= maxOffset {
		return 0, nil
	}
	total := int64(first.header.Size())
	if total > int64(maxBytes) {
		if minOneBatch {
			return total, nil
		}
		return 0, nil
	}
	for {
		b, stop, done, err := w.next()
		switch {
		case err != nil:
			return 0, err
		case stop != nil:
			// Damage after a batch we can already serve: serve what is good
			// and let the next read report the damage.
			return total, nil
		case done, b.header.BaseOffset >= maxOffset, total+int64(b.header.Size()) > int64(maxBytes):
			return total, nil
		}
		total += int64(b.header.Size())
	}
}

// batchFrom returns the batch at or after offset (the first whose last
// offset is >= offset) with its position, reading headers only.
func (s *segment) batchFrom(f vfs.File, offset int64) (pos int64, h batch.Header, found bool, err error) {
	interval := int(s.env.config.Load().IndexIntervalBytes)
	err = s.withIndexRetry(func() error {
		w, err := s.walkerFrom(newChunkReader(f, s.size.Load(), interval+readSlack), offset)
		if err != nil {
			return err
		}
		var b walkedBatch
		b, found, err = s.seek(w, offset)
		pos, h = b.pos, b.header
		return err
	})
	return pos, h, found, err
}

// scanFrom calls visit for each batch from the one at or after offset to
// the end of the segment, until visit returns false. It reads headers
// only; visit can ask for the whole batch with body, valid until visit
// returns.
func (s *segment) scanFrom(offset int64, visit func(b walkedBatch, body func() ([]byte, error)) (bool, error)) error {
	return s.withIndexRetry(func() error { return s.scanOnce(offset, visit) })
}

func (s *segment) scanOnce(offset int64, visit func(b walkedBatch, body func() ([]byte, error)) (bool, error)) error {
	return s.withFile(func(f vfs.File) error {
		r := newChunkReader(f, s.size.Load(), readChunk)
		w, err := s.walkerFrom(r, offset)
		if err != nil {
			return err
		}
		for {
			b, stop, done, err := w.next()
			switch {
			case err != nil:
				return err
			case stop != nil:
				return stop.corruption(s.path())
			case done:
				return nil
			case b.header.LastOffset() < offset:
				continue
			}
			body := func() ([]byte, error) { return r.window(b.pos, b.header.Size()) }
			more, err := visit(b, body)
			if err != nil || !more {
				return err
			}
		}
	})
}
