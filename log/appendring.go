package log

import "sync/atomic"

// appendRingSize is how many of the active segment's most recent batches
// the ring remembers. A consumer's high watermark trails the log end by
// the batches appended since the followers' last fetch, a handful in
// practice; 64 entries cost 512 bytes per partition that has data.
const appendRingSize = 64

// appendRing remembers where the active segment's most recent batches
// end: for each batch, its next offset (base of the batch after it, in
// the common contiguous case) and the byte position where it ends. It
// lets ReadFile find the position of the high watermark or the log end
// (always a batch boundary) without touching the file, and the start of
// a fetch that continues where the previous one ended.
//
// One appender pushes (under Log.appendMu) while readers look up without
// a lock: each slot is one atomic word holding a whole entry, and count
// is published after the slot, so a reader that validates count after
// reading knows the slot was not recycled meanwhile. The ring belongs to
// one segment (base); Log drops it under segmentsMu's write lock whenever
// the active segment changes or shrinks (roll, truncation, retention of
// every segment), so readers, who hold segmentsMu shared, never see an
// entry made stale by a truncation. (ReleaseIdle drops it without the
// lock: entries stay true until a truncation, which takes the lock.)
type appendRing struct {
	base int64 // base offset of the segment the entries belong to
	// fromStart says entry 0 is the segment's first batch, so the ring
	// also knows the boundary at base (position 0).
	fromStart bool
	count     atomic.Uint64 // entries pushed so far; entry i lives in slot i % appendRingSize
	slots     [appendRingSize]atomic.Uint64
}

// Entry layout (one uint64):
//
//	bit 63      contiguous: the batch starts exactly at the previous entry's next offset
//	            (for entry 0 of a fromStart ring: at base)
//	bits 32-62  next offset minus base (1 .. 2^31-1; 0 marks an entry that could not be encoded)
//	bits 0-31   end position in the segment file
const (
	ringContiguous = uint64(1) << 63
	ringRelMask    = uint64(1)<<31 - 1
	ringPosMask    = uint64(1)<<32 - 1
)

func newAppendRing(base int64, fromStart bool) *appendRing {
	return &appendRing{base: base, fromStart: fromStart}
}

// push records a batch of the ring's segment that ends at endPos, whose
// next offset is next; contiguous says it starts at the previous batch's
// next offset. Only the appender calls it, before publishing the new log
// end offset, so a reader that saw an end offset finds its entry. A batch
// that cannot be encoded still takes a slot (an empty one), so
// neighbouring slots always hold neighbouring batches.
func (r *appendRing) push(next, endPos int64, contiguous bool) {
	var e uint64
	rel := next - r.base
	if rel > 0 && uint64(rel) <= ringRelMask && endPos >= 0 && uint64(endPos) <= ringPosMask {
		e = uint64(rel)<<32 | uint64(endPos)
		if contiguous {
			e |= ringContiguous
		}
	}
	i := r.count.Load()
	r.slots[i%appendRingSize].Store(e)
	r.count.Store(i + 1)
}

// ringHit is what the ring knows about a batch boundary.
type ringHit struct {
	end int64 // position where the batch ending at the boundary ends
	// following is set when the ring also holds the next batch and it
	// starts exactly at the boundary; followingSize is then its size.
	following     bool
	followingSize int64
}

func decodeRingEntry(e uint64) (rel, pos int64, contiguous bool) {
	return int64(e >> 32 & ringRelMask), int64(e & ringPosMask), e&ringContiguous != 0
}

// lookup finds the entry whose next offset is next. Entries increase from
// oldest to newest, so the newest-first scan stops at the first smaller
// one; the common lookups (the log end, a recent high watermark) end
// within the first few slots.
func (r *appendRing) lookup(next int64) (ringHit, bool) {
	rel := next - r.base
	count := r.count.Load()
	if rel == 0 && r.fromStart {
		return r.hitBefore(0, count, 0)
	}
	if rel <= 0 || uint64(rel) > ringRelMask {
		return ringHit{}, false
	}
	// The oldest slot may be being rewritten already (count reached
	// i+appendRingSize): the ring holds appendRingSize-1 usable entries.
	oldest := uint64(0)
	if count >= appendRingSize {
		oldest = count - appendRingSize + 1
	}
	for i := count; i > oldest; i-- {
		e := r.slots[(i-1)%appendRingSize].Load()
		if e == 0 {
			continue
		}
		erel, pos, _ := decodeRingEntry(e)
		if erel < rel {
			return ringHit{}, false
		}
		if erel == rel {
			return r.hitBefore(i, count, pos)
		}
	}
	return ringHit{}, false
}

// hitBefore completes a hit on the boundary at pos, just before entry i,
// with entry i's batch if the ring has it, and checks that neither slot
// read was recycled meanwhile: slot j is rewritten only once count
// reached j+appendRingSize, so entries i-1 and i are intact while count
// stays below i-1+appendRingSize.
func (r *appendRing) hitBefore(i, count uint64, pos int64) (ringHit, bool) {
	hit := ringHit{end: pos}
	if i < count {
		if e := r.slots[i%appendRingSize].Load(); e != 0 {
			if _, nextPos, contiguous := decodeRingEntry(e); contiguous {
				hit.following, hit.followingSize = true, nextPos-pos
			}
		}
	}
	if r.count.Load()+1 >= i+appendRingSize {
		return ringHit{}, false
	}
	return hit, true
}
