package replication

import "github.com/skiffhq/skiff/log"

// FileReadResult is ReadResult with the records as pinned file ranges (to
// be sent with sendfile) instead of bytes in memory. Release it once the
// response is written.
type FileReadResult struct {
	Records          log.FileReadResult
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
}

// ReadFile is Read without copying the records: the same checks and
// limits (consumers up to the high watermark, followers up to the log end
// and counting towards it), but the result names file ranges, of whole
// batches only.
func (p *Partition) ReadFile(req ReadRequest) (FileReadResult, error) {
	empty := func() FileReadResult {
		r := p.emptyResult()
		return FileReadResult{HighWatermark: r.HighWatermark, LastStableOffset: r.LastStableOffset, LogStartOffset: r.LogStartOffset}
	}
	if _, err := p.checkLeader(req.CurrentLeaderEpoch); err != nil {
		return empty(), err
	}
	if p.isStopped() {
		return empty(), ErrNotLeader
	}
	limit := p.log.HighWatermark()
	if req.ReplicaID >= 0 {
		p.recordFollowerFetch(req.ReplicaID, req.Offset)
		limit = p.log.EndOffset()
	}
	rr, err := p.log.ReadFile(req.Offset, req.MaxBytes, limit, req.MinOneBatch)
	res := empty()
	if err != nil {
		return res, err
	}
	res.Records = rr
	return res, nil
}
