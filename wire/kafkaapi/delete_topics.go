package kafkaapi

// DeleteTopics (key 20), versions 0–6.
//
// Topics are named, or from v6 given by id. The controller commits the
// removal; this broker waits until it has published it (stopping and
// deleting the partitions' logs) before answering.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) deleteTopics(ctx context.Context, r *kmsg.DeleteTopicsRequest) *kmsg.DeleteTopicsResponse {
	resp, err := h.deps.Controller.DeleteTopics(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrDeleteTopicsResponse()
		for _, name := range r.TopicNames {
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic = &name
			rt.ErrorCode = errorCode(err)
			resp.Topics = append(resp.Topics, rt)
		}
		for _, t := range r.Topics {
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			rt.ErrorCode = errorCode(err)
			rt.ErrorMessage = errorMessage(err)
			resp.Topics = append(resp.Topics, rt)
		}
	} else {
		h.afterControllerChange(ctx)
	}
	resp.Version = r.Version
	return resp
}
