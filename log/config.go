package log

import (
	"errors"
	"fmt"
	"math"
)

// Config is one partition's storage configuration: Kafka's topic configs,
// already resolved (topic override, else broker default) by the caller.
type Config struct {
	SegmentBytes       int32 // segment.bytes
	SegmentMs          int64 // segment.ms
	SegmentIndexBytes  int32 // segment.index.bytes
	IndexIntervalBytes int32 // index.interval.bytes
	RetentionMs        int64 // retention.ms; -1 keeps data forever
	RetentionBytes     int64 // retention.bytes; -1 means no size limit
	FileDeleteDelayMs  int64 // file.delete.delay.ms
	FlushMessages      int64 // flush.messages; MaxInt64 never forces an fsync
	FlushMs            int64 // flush.ms; MaxInt64 never forces an fsync
	MaxMessageBytes    int32 // max.message.bytes: the largest batch accepted
	// LogAppendTime is message.timestamp.type=LogAppendTime: the broker
	// stamps its clock into each batch instead of checking the producer's.
	LogAppendTime bool
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms:
	// how far a CreateTime timestamp may lie in the past or future.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// Compact and Delete are cleanup.policy. Compact currently means only
	// that every record needs a key; Delete enables time and size retention.
	Compact bool
	Delete  bool
}

// Kafka's defaults for the topic configs above.
const (
	DefaultSegmentBytes       = 1 << 30
	DefaultSegmentMs          = 7 * 24 * 60 * 60 * 1000
	DefaultSegmentIndexBytes  = 10 << 20
	DefaultIndexIntervalBytes = 4096
	DefaultRetentionMs        = 7 * 24 * 60 * 60 * 1000
	DefaultFileDeleteDelayMs  = 60000
	DefaultMaxMessageBytes    = 1048588
)

// DefaultConfig returns Kafka's topic defaults (cleanup.policy=delete).
func DefaultConfig() Config {
	return Config{
		SegmentBytes:         DefaultSegmentBytes,
		SegmentMs:            DefaultSegmentMs,
		SegmentIndexBytes:    DefaultSegmentIndexBytes,
		IndexIntervalBytes:   DefaultIndexIntervalBytes,
		RetentionMs:          DefaultRetentionMs,
		RetentionBytes:       -1,
		FileDeleteDelayMs:    DefaultFileDeleteDelayMs,
		FlushMessages:        math.MaxInt64,
		FlushMs:              math.MaxInt64,
		MaxMessageBytes:      DefaultMaxMessageBytes,
		TimestampBeforeMaxMs: math.MaxInt64,
		TimestampAfterMaxMs:  math.MaxInt64,
		Delete:               true,
	}
}

// Smallest values Kafka's topic config validation accepts. An index
// smaller than one entry still holds one: mapping rounds up.
const (
	minSegmentBytes      = 14
	minSegmentIndexBytes = 4
)

// Validate reports the first config value Kafka would reject.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, key string, value any, rule string) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s=%v: %s", key, value, rule))
		}
	}
	check(c.SegmentBytes >= minSegmentBytes, "segment.bytes", c.SegmentBytes, fmt.Sprintf("must be at least %d", minSegmentBytes))
	check(c.SegmentMs >= 1, "segment.ms", c.SegmentMs, "must be at least 1")
	check(c.SegmentIndexBytes >= minSegmentIndexBytes, "segment.index.bytes", c.SegmentIndexBytes, fmt.Sprintf("must be at least %d", minSegmentIndexBytes))
	check(c.IndexIntervalBytes >= 0, "index.interval.bytes", c.IndexIntervalBytes, "must not be negative")
	check(c.RetentionMs >= -1, "retention.ms", c.RetentionMs, "must be -1 or more")
	check(c.RetentionBytes >= -1, "retention.bytes", c.RetentionBytes, "must be -1 or more")
	check(c.FileDeleteDelayMs >= 0, "file.delete.delay.ms", c.FileDeleteDelayMs, "must not be negative")
	check(c.FlushMessages >= 1, "flush.messages", c.FlushMessages, "must be at least 1")
	check(c.FlushMs >= 0, "flush.ms", c.FlushMs, "must not be negative")
	check(c.MaxMessageBytes >= 0, "max.message.bytes", c.MaxMessageBytes, "must not be negative")
	check(c.TimestampBeforeMaxMs >= 0, "message.timestamp.before.max.ms", c.TimestampBeforeMaxMs, "must not be negative")
	check(c.TimestampAfterMaxMs >= 0, "message.timestamp.after.max.ms", c.TimestampAfterMaxMs, "must not be negative")
	return errors.Join(errs...)
}
