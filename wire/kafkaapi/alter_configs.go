package kafkaapi

// AlterConfigs (key 33), versions 0–2.
//
// Replaces a topic's whole set of overrides (Kafka's legacy semantics:
// keys not listed go back to their defaults). The controller validates and
// commits; this broker waits until its partitions run with the new values.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) alterConfigs(ctx context.Context, r *kmsg.AlterConfigsRequest) *kmsg.AlterConfigsResponse {
	resp, err := h.deps.Controller.AlterConfigs(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrAlterConfigsResponse()
		for _, res := range r.Resources {
			rr := kmsg.NewAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
			rr.ErrorCode = errorCode(err)
			rr.ErrorMessage = errorMessage(err)
			resp.Resources = append(resp.Resources, rr)
		}
	} else if !r.ValidateOnly {
		h.afterControllerChange(ctx)
	}
	resp.Version = r.Version
	return resp
}
