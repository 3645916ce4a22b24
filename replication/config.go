package replication

import (
	"errors"
	"fmt"
	"maps"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/metadata/config"
)

// Config configures a Manager.
type Config struct {
	// NodeID is this broker's node.id: the replica id the image names.
	NodeID int32
	// BrokerStatic is the broker's static Kafka configuration
	// (log.retention.ms, min.insync.replicas, message.max.bytes, ...): the
	// defaults a topic's configs fall back to when it has no override.
	BrokerStatic map[string]string
}

// DefaultConfig is node 1 with Kafka's defaults for everything else.
func DefaultConfig() Config { return Config{NodeID: 1} }

// Validate reports a config the Manager cannot run with.
func (c Config) Validate() error {
	if c.NodeID < 0 {
		return fmt.Errorf("node.id %d: must be >= 0", c.NodeID)
	}
	for k, v := range c.BrokerStatic {
		if err := config.ValidateBrokerConfig(k, v); err != nil && !errors.As(err, new(*config.UnknownKeyError)) {
			return fmt.Errorf("broker config: %w", err)
		}
	}
	return nil
}

// topicValues resolves a topic's configs: its overrides over the broker's
// static defaults over Kafka's.
func (c Config) topicValues(overrides map[string]string) config.TopicValues {
	return config.EffectiveTopic(overrides, c.BrokerStatic)
}

// logConfig turns resolved topic configs into what a partition's log needs.
func logConfig(tv config.TopicValues) log.Config {
	return log.Config{
		SegmentBytes:         tv.SegmentBytes,
		SegmentMs:            tv.SegmentMs,
		SegmentIndexBytes:    tv.SegmentIndexBytes,
		IndexIntervalBytes:   tv.IndexIntervalBytes,
		RetentionMs:          tv.RetentionMs,
		RetentionBytes:       tv.RetentionBytes,
		FileDeleteDelayMs:    tv.FileDeleteDelayMs,
		FlushMessages:        tv.FlushMessages,
		FlushMs:              tv.FlushMs,
		MaxMessageBytes:      tv.MaxMessageBytes,
		LogAppendTime:        tv.LogAppendTime,
		TimestampBeforeMaxMs: tv.MessageTimestampBeforeMaxMs,
		TimestampAfterMaxMs:  tv.MessageTimestampAfterMaxMs,
		Compact:              tv.CleanupPolicy.Compact,
		Delete:               tv.CleanupPolicy.Delete,
	}
}

func cloneProps(m map[string]string) map[string]string { return maps.Clone(m) }
