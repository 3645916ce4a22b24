package config

import (
	"math"
	"testing"
)

func entryNamed(t *testing.T, entries []Entry, name string) Entry {
	t.Helper()
	for _, e := range entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entry %s", name)
	return Entry{}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestRetentionSynonymPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		static map[string]string
		topic  map[string]string
		want   int64
		source Source
	}{
		{"default", nil, nil, 604800000, SourceDefaultConfig},
		{"hours", map[string]string{"log.retention.hours": "1"}, nil, 3600000, SourceStaticBrokerConfig},
		{"minutes beat hours", map[string]string{"log.retention.hours": "1", "log.retention.minutes": "2"}, nil, 120000, SourceStaticBrokerConfig},
		{"ms beats minutes", map[string]string{"log.retention.hours": "1", "log.retention.minutes": "2", "log.retention.ms": "5"}, nil, 5, SourceStaticBrokerConfig},
		{"negative ms is forever", map[string]string{"log.retention.ms": "-7"}, nil, -1, SourceStaticBrokerConfig},
		{"negative hours is forever", map[string]string{"log.retention.hours": "-1"}, nil, -1, SourceStaticBrokerConfig},
		{"topic beats broker", map[string]string{"log.retention.ms": "5"}, map[string]string{"retention.ms": "9"}, 9, SourceDynamicTopicConfig},
		{"bad override skipped", map[string]string{"log.retention.ms": "5"}, map[string]string{"retention.ms": "soon"}, 5, SourceStaticBrokerConfig},
		{"bad static skipped", map[string]string{"log.retention.ms": "x", "log.retention.minutes": "1"}, nil, 60000, SourceStaticBrokerConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EffectiveTopic(tt.topic, tt.static).RetentionMs; got != tt.want {
				t.Errorf("RetentionMs = %d, want %d", got, tt.want)
			}
			e := entryNamed(t, DescribeTopic(tt.topic, tt.static), "retention.ms")
			if e.Source != tt.source {
				t.Errorf("source %v, want %v", e.Source, tt.source)
			}
		})
	}
}

func TestOtherSynonymConversions(t *testing.T) {
	v := EffectiveTopic(nil, map[string]string{
		"log.roll.hours": "2", "log.roll.jitter.hours": "1", "message.max.bytes": "2000",
		"log.flush.scheduler.interval.ms": "777", "log.cleanup.policy": "compact",
		"log.cleaner.min.cleanable.ratio": "0.1", "log.message.timestamp.type": "LogAppendTime",
	})
	if v.SegmentMs != 7200000 || v.SegmentJitterMs != 3600000 {
		t.Errorf("segment ms %d jitter %d", v.SegmentMs, v.SegmentJitterMs)
	}
	if v.MaxMessageBytes != 2000 || v.FlushMs != 777 || v.MinCleanableDirtyRatio != 0.1 || !v.LogAppendTime {
		t.Errorf("values %+v", v)
	}
	if v.CleanupPolicy != (CleanupPolicy{Compact: true}) {
		t.Errorf("cleanup %+v", v.CleanupPolicy)
	}
	// log.roll.ms beats log.roll.hours; log.flush.interval.ms beats the scheduler.
	v = EffectiveTopic(nil, map[string]string{"log.roll.ms": "10", "log.roll.hours": "2",
		"log.flush.interval.ms": "5", "log.flush.scheduler.interval.ms": "777"})
	if v.SegmentMs != 10 || v.FlushMs != 5 {
		t.Errorf("segment.ms %d flush.ms %d", v.SegmentMs, v.FlushMs)
	}
	// A broker value that is valid for the broker key but not for the topic
	// key (segment.ms must be >= 1) is skipped.
	v = EffectiveTopic(nil, map[string]string{"log.flush.interval.ms": "0", "log.segment.bytes": "100"})
	if v.FlushMs != 0 || v.SegmentBytes != 1073741824 {
		t.Errorf("flush.ms %d segment.bytes %d", v.FlushMs, v.SegmentBytes)
	}
}

func TestEffectiveTopicDefaults(t *testing.T) {
	v := EffectiveTopic(nil, nil)
	want := TopicValues{
		CleanupPolicy:               CleanupPolicy{Delete: true},
		CompressionType:             "producer",
		CompressionGzipLevel:        -1,
		CompressionLz4Level:         9,
		CompressionZstdLevel:        3,
		DeleteRetentionMs:           86400000,
		FileDeleteDelayMs:           60000,
		FlushMessages:               math.MaxInt64,
		FlushMs:                     math.MaxInt64,
		IndexIntervalBytes:          4096,
		MaxCompactionLagMs:          math.MaxInt64,
		MaxMessageBytes:             1048588,
		MessageTimestampAfterMaxMs:  math.MaxInt64,
		MessageTimestampBeforeMaxMs: math.MaxInt64,
		MinCleanableDirtyRatio:      0.5,
		MinInsyncReplicas:           1,
		RetentionBytes:              -1,
		RetentionMs:                 604800000,
		SegmentBytes:                1073741824,
		SegmentIndexBytes:           10485760,
		SegmentMs:                   604800000,
	}
	if v != want {
		t.Errorf("defaults\n got %+v\nwant %+v", v, want)
	}
	v = EffectiveTopic(map[string]string{
		"cleanup.policy": "compact,delete", "min.insync.replicas": "2", "preallocate": "true",
		"unclean.leader.election.enable": "true", "segment.bytes": "1048576", "retention.bytes": "100",
	}, map[string]string{"min.insync.replicas": "3"})
	if v.CleanupPolicy != (CleanupPolicy{Delete: true, Compact: true}) || v.MinInsyncReplicas != 2 ||
		!v.Preallocate || !v.UncleanLeaderElectionEnable || v.SegmentBytes != 1048576 || v.RetentionBytes != 100 {
		t.Errorf("overrides %+v", v)
	}
	if v := EffectiveTopic(map[string]string{"cleanup.policy": ""}, nil); v.CleanupPolicy != (CleanupPolicy{}) {
		t.Errorf("empty policy %+v", v.CleanupPolicy)
	}
}

func TestDescribeTopic(t *testing.T) {
	overrides := map[string]string{"retention.ms": "1000", "cleanup.policy": "compact, delete"}
	static := map[string]string{"log.retention.hours": "24", "log.segment.bytes": "2097152"}
	entries := DescribeTopic(overrides, static)
	if len(entries) != len(TopicDefs()) {
		t.Fatalf("%d entries, want one per topic key", len(entries))
	}
	for i := 1; i < len(entries); i++ {
		if entries[i-1].Name >= entries[i].Name {
			t.Fatalf("entries not sorted at %s", entries[i].Name)
		}
	}

	type syn struct {
		name, value string
		source      Source
	}
	tests := []struct {
		key    string
		value  string
		source Source
		syns   []syn
	}{
		{"retention.ms", "1000", SourceDynamicTopicConfig, []syn{
			{"retention.ms", "1000", SourceDynamicTopicConfig},
			{"log.retention.hours", "24", SourceStaticBrokerConfig},
			{"log.retention.hours", "168", SourceDefaultConfig},
		}},
		{"cleanup.policy", "compact,delete", SourceDynamicTopicConfig, []syn{
			{"cleanup.policy", "compact,delete", SourceDynamicTopicConfig},
			{"log.cleanup.policy", "delete", SourceDefaultConfig},
		}},
		{"segment.bytes", "2097152", SourceStaticBrokerConfig, []syn{
			{"log.segment.bytes", "2097152", SourceStaticBrokerConfig},
			{"log.segment.bytes", "1073741824", SourceDefaultConfig},
		}},
		{"segment.ms", "604800000", SourceDefaultConfig, []syn{
			{"log.roll.hours", "168", SourceDefaultConfig},
		}},
		{"max.message.bytes", "1048588", SourceDefaultConfig, []syn{
			{"message.max.bytes", "1048588", SourceDefaultConfig},
		}},
		{"remote.storage.enable", "false", SourceDefaultConfig, nil},
	}
	for _, tt := range tests {
		e := entryNamed(t, entries, tt.key)
		if deref(e.Value) != tt.value || e.Source != tt.source {
			t.Errorf("%s = %s (%v), want %s (%v)", tt.key, deref(e.Value), e.Source, tt.value, tt.source)
		}
		if e.ReadOnly || e.Sensitive || e.Doc == "" || e.Type == TypeUnknown {
			t.Errorf("%s: flags %+v", tt.key, e)
		}
		if len(e.Synonyms) != len(tt.syns) {
			t.Errorf("%s: synonyms %+v, want %+v", tt.key, e.Synonyms, tt.syns)
			continue
		}
		for i, s := range tt.syns {
			got := e.Synonyms[i]
			if got.Name != s.name || deref(got.Value) != s.value || got.Source != s.source {
				t.Errorf("%s synonym %d = %s=%s (%v), want %s=%s (%v)", tt.key, i,
					got.Name, deref(got.Value), got.Source, s.name, s.value, s.source)
			}
		}
	}
}

func TestDescribeBroker(t *testing.T) {
	entries := DescribeBroker(map[string]string{
		"num.partitions": " 3 ", "ssl.keystore.password": "secret", "log.dirs": "/a, /b",
	})
	if len(entries) != len(BrokerDefs()) {
		t.Fatalf("%d entries", len(entries))
	}
	e := entryNamed(t, entries, "num.partitions")
	if deref(e.Value) != "3" || e.Source != SourceStaticBrokerConfig || !e.ReadOnly || len(e.Synonyms) != 2 ||
		deref(e.Synonyms[0].Value) != " 3 " || e.Synonyms[1].Source != SourceDefaultConfig {
		t.Errorf("num.partitions: %+v", e)
	}
	e = entryNamed(t, entries, "log.dirs")
	if deref(e.Value) != "/a,/b" || e.Source != SourceStaticBrokerConfig || len(e.Synonyms) != 1 {
		t.Errorf("log.dirs: %+v", e)
	}
	e = entryNamed(t, entries, "ssl.keystore.password")
	if e.Value != nil || !e.Sensitive || e.Source != SourceStaticBrokerConfig || e.Synonyms[0].Value != nil {
		t.Errorf("password leaked: %+v", e)
	}
	e = entryNamed(t, entries, "log.retention.ms")
	if e.Value != nil || e.Source != SourceDefaultConfig || len(e.Synonyms) != 0 {
		t.Errorf("log.retention.ms: %+v", e)
	}
	e = entryNamed(t, entries, "log.retention.hours")
	if deref(e.Value) != "168" || e.Source != SourceDefaultConfig {
		t.Errorf("log.retention.hours: %+v", e)
	}
}

func TestTopicsAdapter(t *testing.T) {
	topics := Topics{BrokerStatic: map[string]string{"log.cleanup.policy": "compact"}}
	if v, isList := topics.TopicConfigList("cleanup.policy"); !isList || v != "compact" {
		t.Errorf("cleanup.policy: %q %v", v, isList)
	}
	if v, isList := topics.TopicConfigList("follower.replication.throttled.replicas"); !isList || v != "" {
		t.Errorf("throttled replicas: %q %v", v, isList)
	}
	if _, isList := topics.TopicConfigList("retention.ms"); isList {
		t.Error("retention.ms is not a list")
	}
	if _, isList := topics.TopicConfigList("nope"); isList {
		t.Error("unknown key is not a list")
	}
	bad := "x"
	if err := topics.ValidateTopicConfig("retention.ms", &bad); err == nil {
		t.Error("validation not applied")
	}
	e := entryNamed(t, topics.Describe(nil), "cleanup.policy")
	if deref(e.Value) != "compact" || e.Source != SourceStaticBrokerConfig {
		t.Errorf("describe: %+v", e)
	}
}
