package kafkaapi

// DescribeConfigs (key 32), versions 0–4.
//
// TOPIC resources: every topic config with its value and where it came
// from (DYNAMIC_TOPIC_CONFIG for an override, STATIC_BROKER_CONFIG for a
// broker default set in server.properties/flags, DEFAULT_CONFIG
// otherwise), with synonyms (v1+) and documentation (v3+) when asked.
// BROKER resources: this broker's static configs; another broker's id is
// refused because its configs are its own to describe (admin clients send
// the request to that broker). BROKER_LOGGER is not supported yet.
// Sensitive values are sent as null, like Kafka.

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/config"
)

func (h *Handler) describeConfigs(r *kmsg.DescribeConfigsRequest) *kmsg.DescribeConfigsResponse {
	resp := kmsg.NewPtrDescribeConfigsResponse()
	resp.Version = r.Version
	for _, res := range r.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		entries, err := h.configEntries(res)
		out.ErrorCode = errorCode(err)
		out.ErrorMessage = errorMessage(err)
		for _, e := range entries {
			if res.ConfigNames != nil && !slices.Contains(res.ConfigNames, e.Name) {
				continue
			}
			out.Configs = append(out.Configs, describedConfig(e, r))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp
}

func (h *Handler) configEntries(res kmsg.DescribeConfigsRequestResource) ([]config.Entry, error) {
	switch res.ResourceType {
	case kmsg.ConfigResourceTypeTopic:
		img := h.deps.Partitions.Image()
		if _, ok := img.Topic(res.ResourceName); !ok {
			return nil, fmt.Errorf("topic %q: %w", res.ResourceName, kerr.UnknownTopicOrPartition)
		}
		return config.DescribeTopic(img.TopicConfigs(res.ResourceName), h.cfg.BrokerStatic), nil
	case kmsg.ConfigResourceTypeBroker:
		if res.ResourceName == "" {
			return nil, nil // no dynamic cluster-wide broker defaults exist yet
		}
		if id, err := strconv.ParseInt(res.ResourceName, 10, 32); err != nil || int32(id) != h.cfg.NodeID {
			return nil, fmt.Errorf("broker %q: describe it on that broker (this is broker %d): %w", res.ResourceName, h.cfg.NodeID, kerr.InvalidRequest)
		}
		return config.DescribeBroker(h.cfg.BrokerStatic), nil
	}
	return nil, fmt.Errorf("resource type %d: %w", res.ResourceType, kerr.InvalidRequest)
}

func describedConfig(e config.Entry, r *kmsg.DescribeConfigsRequest) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name = e.Name
	c.Value = e.Value
	c.ReadOnly = e.ReadOnly
	c.IsSensitive = e.Sensitive
	c.Source = kmsg.ConfigSource(e.Source)
	c.IsDefault = e.Source == config.SourceDefaultConfig
	c.ConfigType = kmsg.ConfigType(e.Type)
	if r.IncludeDocumentation {
		doc := e.Doc
		c.Documentation = &doc
	}
	if r.IncludeSynonyms {
		for _, s := range e.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name, cs.Value, cs.Source = s.Name, s.Value, kmsg.ConfigSource(s.Source)
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	return c
}
