package kafkaapi

// CreateTopics (key 19), versions 0–7.
//
// The active controller validates and commits the topics (names, partition
// counts, replication factors, assignments, configs, ValidateOnly); this
// broker then waits, bounded by the admin timeout, until it has published
// them, so the client's next Metadata or Produce finds them here. If the
// controller cannot be reached every topic carries the error. From v5 each
// created topic lists every topic config as DescribeConfigs would report
// it (value, source, read-only, sensitive), as Kafka does, built here from
// the overrides the controller committed and this broker's static configs.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/config"
)

func (h *Handler) createTopics(ctx context.Context, r *kmsg.CreateTopicsRequest) *kmsg.CreateTopicsResponse {
	resp, err := h.deps.Controller.CreateTopics(ctx, r)
	if err != nil {
		resp = kmsg.NewPtrCreateTopicsResponse()
		for _, t := range r.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic = t.Topic
			rt.ErrorCode = errorCode(err)
			rt.ErrorMessage = errorMessage(err)
			resp.Topics = append(resp.Topics, rt)
		}
	} else if !r.ValidateOnly {
		h.afterControllerChange(ctx)
	}
	resp.Version = r.Version
	if r.Version >= 5 {
		h.describeCreated(resp)
	}
	return resp
}

// describeCreated replaces each created topic's configs with the full
// description. The controller lists at least the topic's overrides
// (source DYNAMIC_TOPIC_CONFIG); everything else follows from them.
func (h *Handler) describeCreated(resp *kmsg.CreateTopicsResponse) {
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		if rt.ErrorCode != 0 {
			continue
		}
		overrides := make(map[string]string)
		for _, c := range rt.Configs {
			if config.Source(c.Source) == config.SourceDynamicTopicConfig && c.Value != nil {
				overrides[c.Name] = *c.Value
			}
		}
		entries := config.DescribeTopic(overrides, h.cfg.BrokerStatic)
		configs := make([]kmsg.CreateTopicsResponseTopicConfig, 0, len(entries))
		for _, e := range entries {
			c := kmsg.NewCreateTopicsResponseTopicConfig()
			c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
			c.Source = int8(e.Source)
			configs = append(configs, c)
		}
		rt.Configs = configs
	}
}
