package replication

import (
	"errors"

	"github.com/skiffhq/skiff/log"
)

// Consumer is the replica id of an ordinary client fetch or list-offsets
// request; broker followers use their node id.
const Consumer int32 = -1

// Isolation levels as Kafka numbers them.
const (
	ReadUncommitted int8 = 0
	ReadCommitted   int8 = 1
)

// ReadRequest is one partition of a Fetch.
type ReadRequest struct {
	Offset             int64
	MaxBytes           int32
	MinOneBatch        bool  // KIP-74: return the first batch even if bigger than MaxBytes
	CurrentLeaderEpoch int32 // NoLeaderEpoch if the client did not say
	ReplicaID          int32 // Consumer, or the follower's node id
	Isolation          int8
}

// ReadResult is what a Fetch returns for one partition.
type ReadResult struct {
	Records          []byte // stored batches, exactly as on disk
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
}

// Read serves one partition of a Fetch. Consumers read up to the high
// watermark (no transactions yet, so the last stable offset is the high
// watermark for both isolation levels); a follower reads up to the log end,
// and its fetch offset counts as its log end offset for the high watermark.
func (p *Partition) Read(req ReadRequest) (ReadResult, error) {
	if _, err := p.checkLeader(req.CurrentLeaderEpoch); err != nil {
		return p.emptyResult(), err
	}
	if p.isStopped() {
		return p.emptyResult(), ErrNotLeader
	}
	limit := p.log.HighWatermark()
	if req.ReplicaID >= 0 {
		p.recordFollowerFetch(req.ReplicaID, req.Offset)
		limit = p.log.EndOffset()
	}
	rr, err := p.log.Read(req.Offset, req.MaxBytes, limit, req.MinOneBatch)
	res := p.emptyResult()
	if err != nil {
		return res, err
	}
	res.Records = rr.Records
	return res, nil
}

func (p *Partition) emptyResult() ReadResult {
	hw := p.log.HighWatermark()
	return ReadResult{HighWatermark: hw, LastStableOffset: hw, LogStartOffset: p.log.StartOffset()}
}

// Special ListOffsets timestamps.
const (
	LatestTimestamp        int64 = -1
	EarliestTimestamp      int64 = -2
	MaxTimestamp           int64 = -3 // KIP-734
	EarliestLocalTimestamp int64 = -4 // KIP-405; no tiered storage, so the log start
)

// OffsetResult answers one partition of ListOffsets. Found is false when no
// record has a timestamp at or after the one asked for (Kafka answers
// offset -1, timestamp -1).
type OffsetResult struct {
	Offset      int64
	Timestamp   int64
	LeaderEpoch int32
	Found       bool
}

// ListOffset answers ListOffsets for one partition. Only the leader
// answers; offsets at or past the high watermark are not visible to
// consumers, so a timestamp lookup that lands there finds nothing.
func (p *Partition) ListOffset(ts int64, currentLeaderEpoch int32) (OffsetResult, error) {
	st, err := p.checkLeader(currentLeaderEpoch)
	if err != nil {
		return OffsetResult{}, err
	}
	hw := p.log.HighWatermark()
	switch ts {
	case EarliestTimestamp, EarliestLocalTimestamp:
		start := p.log.StartOffset()
		return OffsetResult{Offset: start, Timestamp: -1, LeaderEpoch: p.epochAt(start, st.leaderEpoch), Found: true}, nil
	case LatestTimestamp:
		return OffsetResult{Offset: hw, Timestamp: -1, LeaderEpoch: st.leaderEpoch, Found: true}, nil
	case MaxTimestamp:
		to, ok, err := p.log.MaxTimestamp()
		if err != nil {
			return OffsetResult{}, err
		}
		if !ok || to.Offset >= hw {
			return OffsetResult{Offset: -1, Timestamp: -1, LeaderEpoch: -1}, nil
		}
		return OffsetResult{Offset: to.Offset, Timestamp: to.Timestamp, LeaderEpoch: to.LeaderEpoch, Found: true}, nil
	}
	to, ok, err := p.log.OffsetForTimestamp(ts)
	if err != nil {
		return OffsetResult{}, err
	}
	if !ok || to.Offset >= hw {
		return OffsetResult{Offset: -1, Timestamp: -1, LeaderEpoch: -1}, nil
	}
	return OffsetResult{Offset: to.Offset, Timestamp: to.Timestamp, LeaderEpoch: to.LeaderEpoch, Found: true}, nil
}

// epochAt is the leader epoch of the batch holding offset, per the log's
// epoch cache, or fallback when the cache does not know.
func (p *Partition) epochAt(offset int64, fallback int32) int32 {
	epoch, found := fallback, false
	for _, e := range p.log.EpochEntries() {
		if e.StartOffset > offset {
			break
		}
		epoch, found = e.Epoch, true
	}
	if !found {
		return fallback
	}
	return epoch
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the largest epoch ≤ epoch
// this log has, and the offset where it ended. ok is false when the log has
// no epoch ≤ epoch (Kafka answers UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET).
// A follower (replicaID ≥ 0) may ask; consumers too (KIP-320 truncation
// detection).
func (p *Partition) EndOffsetForEpoch(epoch, currentLeaderEpoch int32) (leaderEpoch int32, endOffset int64, ok bool, err error) {
	st, err := p.checkLeader(currentLeaderEpoch)
	if err != nil {
		return -1, -1, false, err
	}
	if e, end, ok, known := p.currentEpochEnd(epoch, st.leaderEpoch); known {
		return e, end, ok, nil
	}
	e, end, ok := p.log.EndOffsetForEpoch(epoch)
	return e, end, ok, nil
}

// currentEpochEnd answers for epochs at or after the newest one the log's
// epoch cache holds when this leader has not appended in its own epoch
// yet. A Kafka leader adds its epoch to the cache, starting at the log
// end, the moment it becomes leader; Skiff's log learns an epoch from its
// first batch. Without this, an empty partition (or one whose leader
// changed since its last append) would answer UNDEFINED for the current
// epoch, and a consumer validating its position would reset it. known is
// false when the log's own answer is already Kafka's.
func (p *Partition) currentEpochEnd(epoch, leaderEpoch int32) (int32, int64, bool, bool) {
	latest, cached := p.log.LatestEpoch()
	if epoch < 0 || (cached && (latest >= leaderEpoch || epoch < latest)) {
		return 0, 0, false, false
	}
	end := p.log.EndOffset()
	switch {
	case epoch > leaderEpoch:
		return -1, -1, false, true
	case epoch == leaderEpoch:
		return epoch, end, true, true
	case cached:
		// latest <= epoch < leaderEpoch: the largest known epoch not after
		// the one asked, ending where the leader's epoch starts.
		return latest, end, true, true
	default:
		return epoch, end, true, true
	}
}

// IsOffsetOutOfRange reports whether err says a read fell outside the log.
func IsOffsetOutOfRange(err error) bool { return errors.Is(err, log.ErrOffsetOutOfRange) }
