package kafkaapi

// IncrementalAlterConfigs (key 44), versions 0–1.
//
// SET, DELETE, APPEND and SUBTRACT on single topic config keys (KIP-339).
// The controller validates and commits; this broker waits until its
// partitions run with the new values.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (h *Handler) incrementalAlterConfigs(ctx context.Context, r *kmsg.IncrementalAlterConfigsRequest) *kmsg.IncrementalAlterConfigsResponse {
	resp, err := h.deps.Controller.IncrementalAlterConfigs(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrIncrementalAlterConfigsResponse()
		for _, res := range r.Resources {
			rr := kmsg.NewIncrementalAlterConfigsResponseResource()
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
