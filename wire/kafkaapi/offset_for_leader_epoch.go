package kafkaapi

// OffsetForLeaderEpoch (key 23), versions 0–4.
//
// For each partition: the largest leader epoch ≤ the one asked that this
// log has, and the offset where it ended (the start of the next epoch, or
// the log end for the latest). Followers use it to truncate a divergent
// suffix; consumers to detect log truncation (KIP-320). Unknown epochs
// answer UNDEFINED_EPOCH (-1) and UNDEFINED_EPOCH_OFFSET (-1), as Kafka does.
// CurrentLeaderEpoch (v2+) is checked; only the leader answers.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) offsetForLeaderEpoch(r *kmsg.OffsetForLeaderEpochRequest) *kmsg.OffsetForLeaderEpochResponse {
	resp := kmsg.NewPtrOffsetForLeaderEpochResponse()
	resp.Version = r.Version
	for _, rt := range r.Topics {
		t := kmsg.NewOffsetForLeaderEpochResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			p.Partition = rp.Partition
			p.LeaderEpoch, p.EndOffset = -1, -1
			part, err := h.deps.Partitions.Partition(rt.Topic, rp.Partition)
			if err == nil {
				var ok bool
				var epoch int32
				var end int64
				epoch, end, ok, err = part.EndOffsetForEpoch(rp.LeaderEpoch, rp.CurrentLeaderEpoch)
				if err == nil && ok {
					p.LeaderEpoch, p.EndOffset = epoch, end
				}
			}
			p.ErrorCode = errorCode(err)
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}
