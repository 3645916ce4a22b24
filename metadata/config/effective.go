package config

// CleanupPolicy is a Value cleanup.policy. Both false (an empty list) means
// segments are neither deleted nor compacted.
type CleanupPolicy struct {
	Delete  bool
	Compact bool
}

// TopicValues are the typed values a topic's partitions run with. Kafka's
// "never" is math.MaxInt64 where the default is Long.MAX_VALUE (FlushMs,
// FlushMessages, MaxCompactionLagMs, the timestamp bounds).
type TopicValues struct {
	CleanupPolicy CleanupPolicy
	// CompressionType is one of producer, uncompressed, gzip, snappy, lz4,
	// zstd.
	CompressionType      string
	CompressionGzipLevel int32
	CompressionLz4Level  int32
	CompressionZstdLevel int32
	DeleteRetentionMs    int64
	FileDeleteDelayMs    int64
	FlushMessages        int64
	FlushMs              int64
	IndexIntervalBytes   int32
	MaxCompactionLagMs   int64
	MaxMessageBytes      int32
	// LogAppendTime is message.timestamp.type=LogAppendTime.
	LogAppendTime               bool
	MessageTimestampAfterMaxMs  int64
	MessageTimestampBeforeMaxMs int64
	MinCleanableDirtyRatio      float64
	MinCompactionLagMs          int64
	MinInsyncReplicas           int32
	Preallocate                 bool
	// RetentionBytes < 0 is no size limit.
	RetentionBytes int64
	// RetentionMs is -1 for no time limit.
	RetentionMs                 int64
	SegmentBytes                int32
	SegmentIndexBytes           int32
	SegmentJitterMs             int64
	SegmentMs                   int64
	UncleanLeaderElectionEnable bool
}

// EffectiveTopic resolves every topic config from the topic's overrides,
// the broker's static configuration and the defaults (see DescribeTopic for
// the order) and returns the typed result. It never fails: values that do
// not parse are skipped as if unset.
func EffectiveTopic(overrides, brokerStatic map[string]string) TopicValues {
	get := func(name string) Value {
		d, ok := topicDefs[name]
		if !ok {
			panic("config: EffectiveTopic reads unknown key " + name)
		}
		v, err := d.Parse(resolveTopic(d, overrides, brokerStatic).value)
		if err != nil {
			panic("config: resolved value does not parse: " + err.Error())
		}
		return v
	}
	policy := get("cleanup.policy").list
	var t TopicValues
	for _, p := range policy {
		t.CleanupPolicy.Delete = t.CleanupPolicy.Delete || p == "delete"
		t.CleanupPolicy.Compact = t.CleanupPolicy.Compact || p == "compact"
	}
	t.CompressionType = get("compression.type").s
	t.CompressionGzipLevel = int32(get("compression.gzip.level").n)
	t.CompressionLz4Level = int32(get("compression.lz4.level").n)
	t.CompressionZstdLevel = int32(get("compression.zstd.level").n)
	t.DeleteRetentionMs = get("delete.retention.ms").n
	t.FileDeleteDelayMs = get("file.delete.delay.ms").n
	t.FlushMessages = get("flush.messages").n
	t.FlushMs = get("flush.ms").n
	t.IndexIntervalBytes = int32(get("index.interval.bytes").n)
	t.MaxCompactionLagMs = get("max.compaction.lag.ms").n
	t.MaxMessageBytes = int32(get("max.message.bytes").n)
	t.LogAppendTime = get("message.timestamp.type").s == "LogAppendTime"
	t.MessageTimestampAfterMaxMs = get("message.timestamp.after.max.ms").n
	t.MessageTimestampBeforeMaxMs = get("message.timestamp.before.max.ms").n
	t.MinCleanableDirtyRatio = get("min.cleanable.dirty.ratio").f
	t.MinCompactionLagMs = get("min.compaction.lag.ms").n
	t.MinInsyncReplicas = int32(get("min.insync.replicas").n)
	t.Preallocate = get("preallocate").b
	t.RetentionBytes = get("retention.bytes").n
	t.RetentionMs = get("retention.ms").n
	t.SegmentBytes = int32(get("segment.bytes").n)
	t.SegmentIndexBytes = int32(get("segment.index.bytes").n)
	t.SegmentJitterMs = get("segment.jitter.ms").n
	t.SegmentMs = get("segment.ms").n
	t.UncleanLeaderElectionEnable = get("unclean.leader.election.enable").b
	return t
}
