package server

import (
	"math"
	"time"

	kconfig "github.com/skiffhq/skiff/metadata/config"
)

// value returns a broker key's typed value: Props when set and valid,
// otherwise the catalogue default (the zero Value for keys without one).
// Asking for a key the catalogue does not have is a programming error.
func (c Config) value(key string) kconfig.Value {
	d, ok := kconfig.BrokerDef(key)
	if !ok {
		panic("server: config accessor for unknown broker key " + key)
	}
	if raw, ok := c.Props[key]; ok {
		if v, err := d.Parse(raw); err == nil {
			return v
		}
	}
	v, _ := d.Parse(d.Default)
	return v
}

// Int returns an int, short or long broker key. Validate reports invalid
// values; the accessors never fail and fall back to the default.
func (c Config) Int(key string) int64 { return c.value(key).Int() }

// Bool returns a boolean broker key.
func (c Config) Bool(key string) bool { return c.value(key).Bool() }

// Str returns a string broker key ("" when unset and without default).
func (c Config) Str(key string) string { return c.value(key).String() }

// List returns a list broker key.
func (c Config) List(key string) []string { return c.value(key).List() }

// Duration returns a broker key in milliseconds as a Duration; Kafka's
// Long.MAX_VALUE ("never") becomes the largest Duration.
func (c Config) Duration(key string) time.Duration { return millis(c.Int(key)) }

func millis(ms int64) time.Duration {
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

// TopicDefaults are the topic configs a topic without overrides runs with,
// from the broker's log.* keys and Kafka's defaults.
func (c Config) TopicDefaults() kconfig.TopicValues { return kconfig.EffectiveTopic(nil, c.Props) }

// Topic creation and limits.

func (c Config) NumPartitions() int32            { return int32(c.Int("num.partitions")) }
func (c Config) DefaultReplicationFactor() int16 { return int16(c.Int("default.replication.factor")) }
func (c Config) MinInsyncReplicas() int32        { return int32(c.Int("min.insync.replicas")) }
func (c Config) AutoCreateTopicsEnable() bool    { return c.Bool("auto.create.topics.enable") }
func (c Config) DeleteTopicEnable() bool         { return c.Bool("delete.topic.enable") }
func (c Config) UncleanLeaderElectionEnable() bool {
	return c.Bool("unclean.leader.election.enable")
}
func (c Config) MessageMaxBytes() int32       { return int32(c.Int("message.max.bytes")) }
func (c Config) SocketRequestMaxBytes() int32 { return int32(c.Int("socket.request.max.bytes")) }
func (c Config) FetchMaxBytes() int32         { return int32(c.Int("fetch.max.bytes")) }
func (c Config) QueuedMaxRequests() int32     { return int32(c.Int("queued.max.requests")) }
func (c Config) MaxConnections() int32        { return int32(c.Int("max.connections")) }
func (c Config) MaxConnectionsPerIP() int32   { return int32(c.Int("max.connections.per.ip")) }
func (c Config) ConnectionsMaxIdle() time.Duration {
	return c.Duration("connections.max.idle.ms")
}
func (c Config) BrokerRack() string { return c.Str("broker.rack") }

// Broker liveness and the controller quorum.

func (c Config) BrokerHeartbeatInterval() time.Duration {
	return c.Duration("broker.heartbeat.interval.ms")
}
func (c Config) BrokerSessionTimeout() time.Duration { return c.Duration("broker.session.timeout.ms") }
func (c Config) InitialBrokerRegistrationTimeout() time.Duration {
	return c.Duration("initial.broker.registration.timeout.ms")
}
func (c Config) ControllerQuorumElectionTimeout() time.Duration {
	return c.Duration("controller.quorum.election.timeout.ms")
}
func (c Config) ControllerQuorumFetchTimeout() time.Duration {
	return c.Duration("controller.quorum.fetch.timeout.ms")
}
func (c Config) ControllerQuorumRequestTimeout() time.Duration {
	return c.Duration("controller.quorum.request.timeout.ms")
}
func (c Config) ControllerQuorumAppendLinger() time.Duration {
	return c.Duration("controller.quorum.append.linger.ms")
}
func (c Config) MetadataMaxIdleInterval() time.Duration {
	return c.Duration("metadata.max.idle.interval.ms")
}
func (c Config) MetadataSnapshotMaxBytes() int64 {
	return c.Int("metadata.log.max.record.bytes.between.snapshots")
}
func (c Config) MetadataSnapshotMaxInterval() time.Duration {
	return c.Duration("metadata.log.max.snapshot.interval.ms")
}

// Logs.

func (c Config) LogRetentionCheckInterval() time.Duration {
	return c.Duration("log.retention.check.interval.ms")
}
func (c Config) LogFlushSchedulerInterval() time.Duration {
	return c.Duration("log.flush.scheduler.interval.ms")
}
func (c Config) LogFlushOffsetCheckpointInterval() time.Duration {
	return c.Duration("log.flush.offset.checkpoint.interval.ms")
}
func (c Config) LogFlushStartOffsetCheckpointInterval() time.Duration {
	return c.Duration("log.flush.start.offset.checkpoint.interval.ms")
}
func (c Config) ReplicaHighWatermarkCheckpointInterval() time.Duration {
	return c.Duration("replica.high.watermark.checkpoint.interval.ms")
}
func (c Config) NumRecoveryThreadsPerDataDir() int {
	return int(c.Int("num.recovery.threads.per.data.dir"))
}
func (c Config) LogCleanerEnable() bool            { return c.Bool("log.cleaner.enable") }
func (c Config) LogCleanerThreads() int            { return int(c.Int("log.cleaner.threads")) }
func (c Config) LogCleanerBackoff() time.Duration  { return c.Duration("log.cleaner.backoff.ms") }
func (c Config) LogCleanerDedupeBufferSize() int64 { return c.Int("log.cleaner.dedupe.buffer.size") }

// Replication.

func (c Config) ReplicaLagTimeMax() time.Duration    { return c.Duration("replica.lag.time.max.ms") }
func (c Config) ReplicaFetchMaxBytes() int32         { return int32(c.Int("replica.fetch.max.bytes")) }
func (c Config) ReplicaFetchWaitMax() time.Duration  { return c.Duration("replica.fetch.wait.max.ms") }
func (c Config) ReplicaFetchMinBytes() int32         { return int32(c.Int("replica.fetch.min.bytes")) }
func (c Config) ReplicaFetchBackoff() time.Duration  { return c.Duration("replica.fetch.backoff.ms") }
func (c Config) ReplicaSocketTimeout() time.Duration { return c.Duration("replica.socket.timeout.ms") }
func (c Config) ReplicaFetchResponseMaxBytes() int32 {
	return int32(c.Int("replica.fetch.response.max.bytes"))
}
func (c Config) NumReplicaFetchers() int         { return int(c.Int("num.replica.fetchers")) }
func (c Config) AutoLeaderRebalanceEnable() bool { return c.Bool("auto.leader.rebalance.enable") }
func (c Config) LeaderImbalanceCheckInterval() time.Duration {
	return time.Duration(c.Int("leader.imbalance.check.interval.seconds")) * time.Second
}
func (c Config) LeaderImbalancePerBrokerPercentage() int {
	return int(c.Int("leader.imbalance.per.broker.percentage"))
}

// Groups and __consumer_offsets.

func (c Config) GroupInitialRebalanceDelay() time.Duration {
	return c.Duration("group.initial.rebalance.delay.ms")
}
func (c Config) GroupMinSessionTimeout() time.Duration {
	return c.Duration("group.min.session.timeout.ms")
}
func (c Config) GroupMaxSessionTimeout() time.Duration {
	return c.Duration("group.max.session.timeout.ms")
}
func (c Config) GroupMaxSize() int32 { return int32(c.Int("group.max.size")) }
func (c Config) OffsetsTopicReplicationFactor() int16 {
	return int16(c.Int("offsets.topic.replication.factor"))
}
func (c Config) OffsetsTopicNumPartitions() int32 {
	return int32(c.Int("offsets.topic.num.partitions"))
}
func (c Config) OffsetsTopicSegmentBytes() int32 { return int32(c.Int("offsets.topic.segment.bytes")) }
func (c Config) OffsetsRetention() time.Duration {
	return time.Duration(c.Int("offsets.retention.minutes")) * time.Minute
}
func (c Config) OffsetsRetentionCheckInterval() time.Duration {
	return c.Duration("offsets.retention.check.interval.ms")
}
func (c Config) OffsetsCommitTimeout() time.Duration { return c.Duration("offsets.commit.timeout.ms") }

// Producer ids and transactions.

func (c Config) TransactionStateLogReplicationFactor() int16 {
	return int16(c.Int("transaction.state.log.replication.factor"))
}
func (c Config) TransactionStateLogNumPartitions() int32 {
	return int32(c.Int("transaction.state.log.num.partitions"))
}
func (c Config) TransactionStateLogMinISR() int32 {
	return int32(c.Int("transaction.state.log.min.isr"))
}
func (c Config) TransactionStateLogSegmentBytes() int32 {
	return int32(c.Int("transaction.state.log.segment.bytes"))
}
func (c Config) TransactionMaxTimeout() time.Duration {
	return c.Duration("transaction.max.timeout.ms")
}
func (c Config) TransactionalIDExpiration() time.Duration {
	return c.Duration("transactional.id.expiration.ms")
}
func (c Config) ProducerIDExpiration() time.Duration { return c.Duration("producer.id.expiration.ms") }
