package config

import "strconv"

// Values several tables share.
const (
	longMax = "9223372036854775807" // Kafka's Long.MAX_VALUE: "never"
	intMax  = "2147483647"

	// DefaultMaxMessageBytes is Kafka's message.max.bytes: 1 MiB plus the
	// 12-byte log overhead of a batch.
	DefaultMaxMessageBytes = 1048588
	// MinSegmentBytes is Kafka 4's lower bound for segment.bytes.
	MinSegmentBytes = 1 << 20

	week = "604800000"
	day  = "86400000"
)

// Why Skiff accepts some keys without acting on them.
const (
	unusedThrottle = "Skiff does not throttle replication yet; the value is stored and described only"
	unusedTiered   = "Skiff has no tiered storage; the value is stored and described only"
	unusedDownconv = "Kafka 4 removed down-conversion; the key is a no-op there too"
)

// The compression codecs a topic may force, by Kafka name.
var compressionTypes = []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}

// def builds a Def with a default value.
func def(name string, t Type, dflt, doc string, c check, syn ...BrokerSynonym) Def {
	return Def{Name: name, Type: t, Default: dflt, HasDefault: true, Doc: doc, check: c, synonyms: syn}
}

// noDefault builds a Def whose default is Kafka's null.
func noDefault(name string, t Type, doc string, c check) Def {
	return Def{Name: name, Type: t, Doc: doc, check: c}
}

func (d Def) unused(why string) Def {
	d.Unused = why
	return d
}

func (d Def) sensitive() Def {
	d.Sensitive = true
	return d
}

func same(name string) BrokerSynonym    { return BrokerSynonym{Name: name} }
func minutes(name string) BrokerSynonym { return BrokerSynonym{Name: name, Unit: UnitMinutesToMs} }
func hours(name string) BrokerSynonym   { return BrokerSynonym{Name: name, Unit: UnitHoursToMs} }

// topicDefList is every topic config Kafka 4 accepts, with its broker
// synonyms in Kafka's order of precedence.
func topicDefList() []Def {
	return []Def{
		def("cleanup.policy", TypeList, "delete",
			"What happens to segments past the retention limits: \"delete\" removes them, \"compact\" keeps the latest record per key; both may be listed.",
			listOf("compact", "delete"), same("log.cleanup.policy")),
		def("compression.gzip.level", TypeInt, "-1",
			"Level used when compression.type is gzip (-1 is the codec default).",
			gzipLevel, same("compression.gzip.level")),
		def("compression.lz4.level", TypeInt, "9",
			"Level used when compression.type is lz4.",
			between(1, 17), same("compression.lz4.level")),
		def("compression.type", TypeString, "producer",
			"Codec the broker stores batches with; \"producer\" keeps what the producer sent, \"uncompressed\" stores them uncompressed.",
			oneOf(compressionTypes...), same("compression.type")),
		def("compression.zstd.level", TypeInt, "3",
			"Level used when compression.type is zstd.",
			between(-131072, 22), same("compression.zstd.level")),
		def("delete.retention.ms", TypeLong, day,
			"How long delete markers (tombstones) are kept in a compacted topic, so consumers that are behind still see the delete.",
			atLeast(0), same("log.cleaner.delete.retention.ms")),
		def("file.delete.delay.ms", TypeLong, "60000",
			"Delay between removing a segment from the log and deleting its files.",
			atLeast(0), same("log.segment.delete.delay.ms")),
		def("flush.messages", TypeLong, longMax,
			"fsync the log after this many messages; the default leaves durability to replication and the OS.",
			atLeast(1), same("log.flush.interval.messages")),
		def("flush.ms", TypeLong, longMax,
			"fsync the log when its oldest unflushed message is this old; the default leaves durability to replication and the OS.",
			atLeast(0), same("log.flush.interval.ms"), same("log.flush.scheduler.interval.ms")),
		def("follower.replication.throttled.replicas", TypeList, "",
			"Replicas whose follower fetches are throttled: \"*\" or partitionId:brokerId,...",
			throttledReplicas).unused(unusedThrottle),
		def("index.interval.bytes", TypeInt, "4096",
			"Bytes of log between two entries of the sparse offset index.",
			atLeast(0), same("log.index.interval.bytes")),
		def("leader.replication.throttled.replicas", TypeList, "",
			"Replicas whose leader-side replication is throttled: \"*\" or partitionId:brokerId,...",
			throttledReplicas).unused(unusedThrottle),
		def("local.retention.bytes", TypeLong, "-2",
			"Local size limit when tiered storage is on (-2: use retention.bytes).",
			atLeast(-2), same("log.local.retention.bytes")).unused(unusedTiered),
		def("local.retention.ms", TypeLong, "-2",
			"Local time limit when tiered storage is on (-2: use retention.ms).",
			atLeast(-2), same("log.local.retention.ms")).unused(unusedTiered),
		def("max.compaction.lag.ms", TypeLong, longMax,
			"Longest time a record stays ineligible for compaction.",
			atLeast(1), same("log.cleaner.max.compaction.lag.ms")),
		def("max.message.bytes", TypeInt, strconv.Itoa(DefaultMaxMessageBytes),
			"Largest record batch the topic accepts, after compression.",
			atLeast(0), same("message.max.bytes")),
		def("message.downconversion.enable", TypeBoolean, "true",
			"Accepted for compatibility; down-conversion to old message formats does not exist.",
			nil).unused(unusedDownconv),
		def("message.timestamp.after.max.ms", TypeLong, longMax,
			"With CreateTime, reject a batch whose timestamp is more than this ahead of the broker's clock.",
			atLeast(0), same("log.message.timestamp.after.max.ms")),
		def("message.timestamp.before.max.ms", TypeLong, longMax,
			"With CreateTime, reject a batch whose timestamp is more than this behind the broker's clock.",
			atLeast(0), same("log.message.timestamp.before.max.ms")),
		def("message.timestamp.type", TypeString, "CreateTime",
			"Whether record timestamps are the producer's (CreateTime) or the broker's append time (LogAppendTime).",
			oneOf("CreateTime", "LogAppendTime"), same("log.message.timestamp.type")),
		def("min.cleanable.dirty.ratio", TypeDouble, "0.5",
			"Share of a compacted log that must be uncompacted before the cleaner runs on it.",
			betweenFloat(0, 1), same("log.cleaner.min.cleanable.ratio")),
		def("min.compaction.lag.ms", TypeLong, "0",
			"Shortest time a record stays uncompacted.",
			atLeast(0), same("log.cleaner.min.compaction.lag.ms")),
		def("min.insync.replicas", TypeInt, "1",
			"With acks=all, the fewest in-sync replicas that must have a write before it is acknowledged; fewer fails the produce with NOT_ENOUGH_REPLICAS.",
			atLeast(1), same("min.insync.replicas")),
		def("preallocate", TypeBoolean, "false",
			"Preallocate segment files to segment.bytes when they are created.",
			nil, same("log.preallocate")),
		def("remote.log.copy.disable", TypeBoolean, "false",
			"Stop copying segments to tiered storage.",
			nil).unused(unusedTiered),
		def("remote.log.delete.on.disable", TypeBoolean, "false",
			"Delete tiered data when tiered storage is turned off for the topic.",
			nil).unused(unusedTiered),
		def("remote.storage.enable", TypeBoolean, "false",
			"Tiered storage for the topic; Skiff has none, so only false is accepted.",
			onlyFalse("tiered storage is not available in this broker; topics cannot be configured with remote log storage")),
		def("retention.bytes", TypeLong, "-1",
			"Size limit per partition before old segments are deleted (cleanup.policy=delete); -1 is no limit.",
			nil, same("log.retention.bytes")),
		def("retention.ms", TypeLong, week,
			"Age after which segments are deleted (cleanup.policy=delete); -1 keeps them forever.",
			atLeast(-1), same("log.retention.ms"), minutes("log.retention.minutes"), hours("log.retention.hours")),
		def("segment.bytes", TypeInt, "1073741824",
			"Size at which the active segment is rolled.",
			atLeast(MinSegmentBytes), same("log.segment.bytes")),
		def("segment.index.bytes", TypeInt, "10485760",
			"Size of a segment's offset index (and so how many entries it holds).",
			atLeast(4), same("log.index.size.max.bytes")),
		def("segment.jitter.ms", TypeLong, "0",
			"Largest random amount subtracted from segment.ms, so partitions do not roll at once.",
			atLeast(0), same("log.roll.jitter.ms"), hours("log.roll.jitter.hours")),
		def("segment.ms", TypeLong, week,
			"Age at which the active segment is rolled even if not full, so retention and compaction can act on it.",
			atLeast(1), same("log.roll.ms"), hours("log.roll.hours")),
		def("unclean.leader.election.enable", TypeBoolean, "false",
			"Allow a replica outside the ISR to become leader when no in-sync replica is left, at the cost of losing acknowledged writes.",
			nil, same("unclean.leader.election.enable")),
	}
}
