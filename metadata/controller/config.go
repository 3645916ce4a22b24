package controller

import (
	"errors"
	"fmt"
	"time"
)

// ConfigValidator checks one topic config override. value is nil when the
// override is being deleted. The error message reaches the client (with
// INVALID_CONFIG), so it should say what is wrong. The lead wires the
// metadata/config catalogue in.
type ConfigValidator interface {
	ValidateTopicConfig(name string, value *string) error
}

// ListConfigSchema is optionally implemented by the ConfigValidator to
// allow IncrementalAlterConfigs APPEND and SUBTRACT: it reports whether a
// topic config is a comma-separated list and its default value (what
// APPEND extends when no override exists). Without it APPEND and SUBTRACT
// are refused with INVALID_CONFIG.
type ListConfigSchema interface {
	TopicConfigList(name string) (defaultValue string, isList bool)
}

// TopicConfigDescriber optionally fills CreateTopics v5+ response configs
// (every topic config with its effective value and source, as
// DescribeConfigs reports it) from a new topic's overrides. Without one the
// response lists just the overrides, with source DYNAMIC_TOPIC_CONFIG.
type TopicConfigDescriber interface {
	DescribeNewTopicConfigs(overrides map[string]string) []TopicConfigEntry
}

// TopicConfigEntry is one config in a CreateTopics response.
type TopicConfigEntry struct {
	Name        string
	Value       *string
	ReadOnly    bool
	Source      int8 // Kafka's ConfigSource id
	IsSensitive bool
}

// Clock is the controller's source of time: real in production, simulated
// in tests.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

// Config configures the controller.
type Config struct {
	// NodeID is this node's node.id.
	NodeID int32
	// NumPartitions is num.partitions: partitions for a CreateTopics
	// topic that asks for -1.
	NumPartitions int32
	// DefaultReplicationFactor is default.replication.factor.
	DefaultReplicationFactor int16
	// ProducerIDBlockSize is how many producer ids one
	// AllocateProducerIDs hands a broker.
	ProducerIDBlockSize int32
	// SessionTimeout is broker.session.timeout.ms: a broker that has not
	// heartbeated for this long is fenced.
	SessionTimeout time.Duration
	// LivenessCheckInterval is how often the controller looks for expired
	// sessions.
	LivenessCheckInterval time.Duration
	// MaxPartitionsPerRequest caps the partitions one CreateTopics or
	// CreatePartitions request may add (Kafka: 10,000).
	MaxPartitionsPerRequest int
	// MaxInflightProposals bounds how many of one request's entries
	// (topics) are in flight at once; they share Raft batches and fsyncs.
	MaxInflightProposals int
	// Clock supplies now; SystemClock if nil.
	Clock Clock
	// Seed, if non-zero, seeds replica placement and topic ids so a test
	// run is reproducible. Zero means a random seed.
	Seed uint64

	// ConfigValidator validates topic config overrides. Required.
	ConfigValidator ConfigValidator
	// ConfigDescriber fills CreateTopics response configs. Optional.
	ConfigDescriber TopicConfigDescriber
}

// Default returns Kafka's defaults: num.partitions=1,
// default.replication.factor=1, producer-id blocks of 1000,
// broker.session.timeout.ms=9000. ConfigValidator must still be set.
func Default() Config {
	return Config{
		NodeID:                   1,
		NumPartitions:            1,
		DefaultReplicationFactor: 1,
		ProducerIDBlockSize:      1000,
		SessionTimeout:           9 * time.Second,
		LivenessCheckInterval:    time.Second,
		MaxPartitionsPerRequest:  10000,
		MaxInflightProposals:     64,
		Clock:                    SystemClock,
	}
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch {
	case c.NodeID < 0:
		return fmt.Errorf("controller: node id %d is negative", c.NodeID)
	case c.NumPartitions < 1:
		return fmt.Errorf("controller: num.partitions %d must be at least 1", c.NumPartitions)
	case c.DefaultReplicationFactor < 1:
		return fmt.Errorf("controller: default.replication.factor %d must be at least 1", c.DefaultReplicationFactor)
	case c.ProducerIDBlockSize < 1:
		return fmt.Errorf("controller: producer id block size %d must be at least 1", c.ProducerIDBlockSize)
	case c.SessionTimeout <= 0:
		return errors.New("controller: broker.session.timeout.ms must be positive")
	case c.LivenessCheckInterval <= 0:
		return errors.New("controller: liveness check interval must be positive")
	case c.MaxPartitionsPerRequest < 1:
		return errors.New("controller: max partitions per request must be positive")
	case c.MaxInflightProposals < 1:
		return errors.New("controller: max inflight proposals must be positive")
	case c.ConfigValidator == nil:
		return errors.New("controller: a topic ConfigValidator is required")
	}
	return nil
}
