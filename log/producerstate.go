package log

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/skiffhq/skiff/log/batch"
)

// ProducerBatchesRetained is how many of a producer's latest batches are
// remembered to answer retries as duplicates (Kafka's NUM_BATCHES_TO_RETAIN,
// matching the producer's max.in.flight.requests.per.connection limit of 5
// for idempotence).
const ProducerBatchesRetained = 5

// ProducerBatch is what is remembered of one idempotent batch.
type ProducerBatch struct {
	FirstSeq, LastSeq       int32
	FirstOffset, LastOffset int64
	Timestamp               int64 // the batch's max timestamp
}

// ProducerEntry is one producer id's state in this partition.
type ProducerEntry struct {
	ProducerID int64
	Epoch      int16
	Batches    []ProducerBatch // oldest first, at most ProducerBatchesRetained
}

// lastSeq is the sequence of the producer's last record, or NoSequence.
func (e *ProducerEntry) lastSeq() int32 {
	if len(e.Batches) == 0 {
		return batch.NoSequence
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

func (e *ProducerEntry) lastTimestamp() int64 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].Timestamp
}

func (e *ProducerEntry) lastOffset() int64 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].LastOffset
}

func (e *ProducerEntry) clone() *ProducerEntry {
	c := *e
	c.Batches = slices.Clone(e.Batches)
	return &c
}

// addBatch records a batch; a new epoch forgets the old epoch's batches.
func (e *ProducerEntry) addBatch(epoch int16, b ProducerBatch) {
	if epoch != e.Epoch {
		e.Epoch, e.Batches = epoch, e.Batches[:0]
	}
	if len(e.Batches) == ProducerBatchesRetained {
		e.Batches = append(e.Batches[:0], e.Batches[1:]...)
	}
	e.Batches = append(e.Batches, b)
}

// findDuplicate returns the retained batch with the same epoch and
// sequence range as h, if any.
func (e *ProducerEntry) findDuplicate(h batch.Header) (ProducerBatch, bool) {
	if h.ProducerEpoch != e.Epoch {
		return ProducerBatch{}, false
	}
	last := h.LastSequence()
	for _, b := range e.Batches {
		if b.FirstSeq == h.BaseSequence && b.LastSeq == last {
			return b, true
		}
	}
	return ProducerBatch{}, false
}

// producerState is the partition's idempotent-producer state, Kafka's
// ProducerStateManager: the latest batches of every producer id with a
// batch still in the log.
type producerState struct {
	mu        sync.RWMutex // guards producers: the appender writes, accessors read
	producers map[int64]*ProducerEntry
}

func (ps *producerState) get(pid int64) (*ProducerEntry, bool) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	e, ok := ps.producers[pid]
	return e, ok
}

// entries returns copies of every entry, sorted by producer id.
func (ps *producerState) entries() []ProducerEntry {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	out := make([]ProducerEntry, 0, len(ps.producers))
	for _, pid := range slices.Sorted(maps.Keys(ps.producers)) {
		out = append(out, *ps.producers[pid].clone())
	}
	return out
}

func (ps *producerState) replace(producers map[int64]*ProducerEntry) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.producers = producers
}

// apply installs entries an append or a replay produced.
func (ps *producerState) apply(updated map[int64]*ProducerEntry) {
	if len(updated) == 0 {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.producers == nil {
		ps.producers = make(map[int64]*ProducerEntry, len(updated))
	}
	maps.Copy(ps.producers, updated)
}

// removeIf forgets producers for which drop holds and reports how many.
func (ps *producerState) removeIf(drop func(*ProducerEntry) bool) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := 0
	for pid, e := range ps.producers {
		if drop(e) {
			delete(ps.producers, pid)
			n++
		}
	}
	return n
}

// producerAppend validates the producer fields of one append's batches and
// collects the resulting entries without touching the committed state, so
// a rejected or failed append changes nothing (Kafka's ProducerAppendInfo).
type producerAppend struct {
	state    *producerState
	validate bool // a leader append from a client: check epochs and sequences
	updated  map[int64]*ProducerEntry
	// committedEpoch is each producer's epoch before this append, or
	// NoProducerEpoch if it was unknown (Kafka accepts any sequence then).
	committedEpoch map[int64]int16
	err            error // the first producer error, for the caller
}

func newProducerAppend(ps *producerState, validate bool) *producerAppend {
	return &producerAppend{state: ps, validate: validate}
}

// duplicateOf returns the committed batch h repeats, for a client retry.
func (pa *producerAppend) duplicateOf(h batch.Header) (ProducerBatch, bool) {
	e, ok := pa.state.get(h.ProducerID)
	if !ok {
		return ProducerBatch{}, false
	}
	pa.state.mu.RLock()
	defer pa.state.mu.RUnlock()
	return e.findDuplicate(h)
}

// add validates h (whose offsets are final) and records it.
func (pa *producerAppend) add(h batch.Header) error {
	if !h.Idempotent() {
		return nil
	}
	e := pa.entry(h.ProducerID)
	if pa.validate {
		if err := pa.check(e, h); err != nil {
			return err
		}
	}
	e.addBatch(h.ProducerEpoch, ProducerBatch{
		FirstSeq: h.BaseSequence, LastSeq: h.LastSequence(),
		FirstOffset: h.BaseOffset, LastOffset: h.LastOffset(),
		Timestamp: h.MaxTimestamp,
	})
	return nil
}

// entry returns this append's working copy of a producer's entry.
func (pa *producerAppend) entry(pid int64) *ProducerEntry {
	if e, ok := pa.updated[pid]; ok {
		return e
	}
	if pa.updated == nil {
		pa.updated = make(map[int64]*ProducerEntry)
		pa.committedEpoch = make(map[int64]int16)
	}
	e := &ProducerEntry{ProducerID: pid, Epoch: batch.NoProducerEpoch}
	pa.state.mu.RLock()
	if cur, ok := pa.state.producers[pid]; ok {
		e = cur.clone()
	}
	pa.state.mu.RUnlock()
	pa.updated[pid], pa.committedEpoch[pid] = e, e.Epoch
	return e
}

// check applies Kafka's epoch and sequence rules to a client's batch.
func (pa *producerAppend) check(e *ProducerEntry, h batch.Header) error {
	if h.ProducerEpoch < e.Epoch {
		return fmt.Errorf("%w: producer %d epoch %d at offset %d is older than the last seen epoch %d",
			ErrInvalidProducerEpoch, h.ProducerID, h.ProducerEpoch, h.BaseOffset, e.Epoch)
	}
	if h.ProducerEpoch != e.Epoch {
		if h.BaseSequence != 0 && e.Epoch != batch.NoProducerEpoch {
			return fmt.Errorf("%w: producer %d new epoch %d must start at sequence 0, not %d (current epoch %d)",
				ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence, e.Epoch)
		}
		return nil
	}
	// An unknown producer (or one whose batches all left the log) may
	// resume at any sequence: KIP-360.
	if pa.committedEpoch[h.ProducerID] == batch.NoProducerEpoch {
		return nil
	}
	last := e.lastSeq()
	if h.BaseSequence != batch.IncrementSequence(last, 1) {
		return fmt.Errorf("%w: producer %d at offset %d: sequence %d does not follow %d",
			ErrOutOfOrderSequence, h.ProducerID, h.BaseOffset, h.BaseSequence, last)
	}
	return nil
}

// commit installs the append's entries.
func (pa *producerAppend) commit() { pa.state.apply(pa.updated) }
