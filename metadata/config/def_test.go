package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// kafkaTopicDefaults are Apache Kafka 4.x's topic config defaults
// (LogConfig / TopicConfig), written out independently of the tables.
var kafkaTopicDefaults = map[string]string{
	"cleanup.policy":                          "delete",
	"compression.gzip.level":                  "-1",
	"compression.lz4.level":                   "9",
	"compression.type":                        "producer",
	"compression.zstd.level":                  "3",
	"delete.retention.ms":                     "86400000",
	"file.delete.delay.ms":                    "60000",
	"flush.messages":                          "9223372036854775807",
	"flush.ms":                                "9223372036854775807",
	"follower.replication.throttled.replicas": "",
	"index.interval.bytes":                    "4096",
	"leader.replication.throttled.replicas":   "",
	"local.retention.bytes":                   "-2",
	"local.retention.ms":                      "-2",
	"max.compaction.lag.ms":                   "9223372036854775807",
	"max.message.bytes":                       "1048588",
	"message.downconversion.enable":           "true",
	"message.timestamp.after.max.ms":          "9223372036854775807",
	"message.timestamp.before.max.ms":         "9223372036854775807",
	"message.timestamp.type":                  "CreateTime",
	"min.cleanable.dirty.ratio":               "0.5",
	"min.compaction.lag.ms":                   "0",
	"min.insync.replicas":                     "1",
	"preallocate":                             "false",
	"remote.log.copy.disable":                 "false",
	"remote.log.delete.on.disable":            "false",
	"remote.storage.enable":                   "false",
	"retention.bytes":                         "-1",
	"retention.ms":                            "604800000",
	"segment.bytes":                           "1073741824",
	"segment.index.bytes":                     "10485760",
	"segment.jitter.ms":                       "0",
	"segment.ms":                              "604800000",
	"unclean.leader.election.enable":          "false",
}

func TestTopicDefaultsMatchKafka(t *testing.T) {
	defs := TopicDefs()
	if len(defs) != len(kafkaTopicDefaults) {
		t.Errorf("catalogue has %d topic keys, table has %d", len(defs), len(kafkaTopicDefaults))
	}
	for _, d := range defs {
		want, ok := kafkaTopicDefaults[d.Name]
		if !ok {
			t.Errorf("%s: not in Kafka's table", d.Name)
			continue
		}
		if !d.HasDefault || d.Default != want {
			t.Errorf("%s: default %q (has=%v), Kafka's is %q", d.Name, d.Default, d.HasDefault, want)
		}
	}
}

func TestBrokerDefaults(t *testing.T) {
	// Kafka's defaults, except where CONVENTIONS.md gives Skiff's own
	// single-node defaults (marked).
	want := map[string]string{
		"process.roles":                         "broker,controller",                                      // Skiff
		"node.id":                               "1",                                                      // Skiff
		"controller.quorum.voters":              "1@127.0.0.1:9093",                                       // Skiff
		"listeners":                             "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093", // Skiff
		"controller.listener.names":             "CONTROLLER",                                             // Skiff
		"inter.broker.listener.name":            "PLAINTEXT",
		"log.dir":                               "./skiff-data", // Skiff
		"listener.security.protocol.map":        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
		"num.partitions":                        "1",
		"default.replication.factor":            "1",
		"min.insync.replicas":                   "1",
		"offsets.topic.replication.factor":      "3",
		"offsets.topic.num.partitions":          "50",
		"auto.create.topics.enable":             "true",
		"unclean.leader.election.enable":        "false",
		"message.max.bytes":                     "1048588",
		"log.segment.bytes":                     "1073741824",
		"log.retention.hours":                   "168",
		"log.retention.bytes":                   "-1",
		"log.cleanup.policy":                    "delete",
		"replica.lag.time.max.ms":               "30000",
		"group.initial.rebalance.delay.ms":      "3000",
		"group.min.session.timeout.ms":          "6000",
		"group.max.session.timeout.ms":          "1800000",
		"broker.heartbeat.interval.ms":          "2000",
		"broker.session.timeout.ms":             "9000",
		"num.network.threads":                   "3",
		"num.io.threads":                        "8",
		"socket.request.max.bytes":              "104857600",
		"log.retention.check.interval.ms":       "300000",
		"offsets.retention.minutes":             "10080",
		"transaction.state.log.min.isr":         "2",
		"log.flush.scheduler.interval.ms":       "9223372036854775807",
		"log.cleaner.io.max.bytes.per.second":   "1.7976931348623157E308",
		"http.listener":                         "127.0.0.1:9644", // Skiff
		"replica.fetch.max.bytes":               "1048576",
		"fetch.max.bytes":                       "57671680",
		"group.coordinator.rebalance.protocols": "classic,consumer",
	}
	for name, value := range want {
		d, ok := BrokerDef(name)
		if !ok {
			t.Errorf("%s: missing from the broker catalogue", name)
			continue
		}
		if !d.HasDefault || d.Default != value {
			t.Errorf("%s: default %q, want %q", name, d.Default, value)
		}
	}
	for _, name := range []string{"log.dirs", "log.retention.ms", "log.retention.minutes", "log.roll.ms",
		"advertised.listeners", "broker.rack", "cluster.id", "metadata.log.dir", "log.flush.interval.ms"} {
		if d, ok := BrokerDef(name); !ok || d.HasDefault {
			t.Errorf("%s: want a known key with Kafka's null default (ok=%v, has=%v)", name, ok, d.HasDefault)
		}
	}
}

// Every default must pass its own validation, canonicalise to itself, and
// every topic synonym must be a broker key.
func TestCatalogueConsistent(t *testing.T) {
	for _, d := range append(TopicDefs(), BrokerDefs()...) {
		if d.Doc == "" {
			t.Errorf("%s: no doc", d.Name)
		}
		if d.Type == TypeUnknown {
			t.Errorf("%s: no type", d.Name)
		}
		if !d.HasDefault {
			continue
		}
		c, err := d.Canonical(d.Default)
		if err != nil {
			t.Errorf("%s: default %q invalid: %v", d.Name, d.Default, err)
		} else if c != d.Default {
			t.Errorf("%s: default %q is not canonical (%q)", d.Name, d.Default, c)
		}
	}
	for _, d := range TopicDefs() {
		if d.ReadOnly {
			t.Errorf("%s: topic keys are not read-only", d.Name)
		}
		for _, s := range d.BrokerSynonyms() {
			if _, ok := BrokerDef(s.Name); !ok {
				t.Errorf("%s: synonym %s is not a broker key", d.Name, s.Name)
			}
		}
	}
	for _, d := range BrokerDefs() {
		if !d.ReadOnly {
			t.Errorf("%s: broker keys are read-only", d.Name)
		}
	}
}

func TestBrokerSynonymsOrder(t *testing.T) {
	d, _ := TopicDef("retention.ms")
	got := d.BrokerSynonyms()
	want := []BrokerSynonym{{"log.retention.ms", UnitSame}, {"log.retention.minutes", UnitMinutesToMs}, {"log.retention.hours", UnitHoursToMs}}
	if len(got) != len(want) {
		t.Fatalf("synonyms %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("synonym %d = %v, want %v", i, got[i], want[i])
		}
	}
	got[0].Name = "changed" // the catalogue must not change through the copy
	if again := d.BrokerSynonyms(); again[0].Name != "log.retention.ms" {
		t.Error("BrokerSynonyms returned the catalogue's own slice")
	}
	for topicKey, broker := range map[string]string{
		"max.message.bytes": "message.max.bytes", "segment.ms": "log.roll.ms",
		"segment.index.bytes": "log.index.size.max.bytes", "file.delete.delay.ms": "log.segment.delete.delay.ms",
		"min.cleanable.dirty.ratio": "log.cleaner.min.cleanable.ratio", "flush.ms": "log.flush.interval.ms",
		"min.insync.replicas": "min.insync.replicas", "delete.retention.ms": "log.cleaner.delete.retention.ms",
	} {
		d, _ := TopicDef(topicKey)
		if s := d.BrokerSynonyms(); len(s) == 0 || s[0].Name != broker {
			t.Errorf("%s: first synonym %v, want %s", topicKey, s, broker)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"cleanup.policy", "delete", true},
		{"cleanup.policy", "compact,delete", true},
		{"cleanup.policy", " compact , delete ", true},
		{"cleanup.policy", "", true},
		{"cleanup.policy", "compact,compact", false},
		{"cleanup.policy", "Compact", false},
		{"cleanup.policy", "retain", false},
		{"compression.type", "zstd", true},
		{"compression.type", "uncompressed", true},
		{"compression.type", "none", false},
		{"compression.type", "GZIP", false},
		{"compression.gzip.level", "-1", true},
		{"compression.gzip.level", "9", true},
		{"compression.gzip.level", "0", false},
		{"compression.gzip.level", "10", false},
		{"compression.lz4.level", "17", true},
		{"compression.lz4.level", "18", false},
		{"compression.zstd.level", "-131072", true},
		{"compression.zstd.level", "23", false},
		{"delete.retention.ms", "0", true},
		{"delete.retention.ms", "-1", false},
		{"file.delete.delay.ms", "-1", false},
		{"flush.messages", "1", true},
		{"flush.messages", "0", false},
		{"flush.ms", "0", true},
		{"flush.ms", "-1", false},
		{"index.interval.bytes", "0", true},
		{"index.interval.bytes", "-1", false},
		{"leader.replication.throttled.replicas", "*", true},
		{"leader.replication.throttled.replicas", "0:1,1:2", true},
		{"leader.replication.throttled.replicas", "", true},
		{"follower.replication.throttled.replicas", "0-1", false},
		{"follower.replication.throttled.replicas", "*,0:1", false},
		{"local.retention.ms", "-2", true},
		{"local.retention.bytes", "-3", false},
		{"max.compaction.lag.ms", "1", true},
		{"max.compaction.lag.ms", "0", false},
		{"max.message.bytes", "0", true},
		{"max.message.bytes", "-1", false},
		{"max.message.bytes", "2147483648", false},
		{"max.message.bytes", "1mb", false},
		{"message.downconversion.enable", "false", true},
		{"message.timestamp.type", "LogAppendTime", true},
		{"message.timestamp.type", "logappendtime", false},
		{"message.timestamp.before.max.ms", "0", true},
		{"message.timestamp.after.max.ms", "-1", false},
		{"min.cleanable.dirty.ratio", "0", true},
		{"min.cleanable.dirty.ratio", "1", true},
		{"min.cleanable.dirty.ratio", "1.01", false},
		{"min.cleanable.dirty.ratio", "NaN", false},
		{"min.cleanable.dirty.ratio", "half", false},
		{"min.compaction.lag.ms", "-1", false},
		{"min.insync.replicas", "2", true},
		{"min.insync.replicas", "0", false},
		{"preallocate", "TRUE", true},
		{"preallocate", " false ", true},
		{"preallocate", "yes", false},
		{"preallocate", "1", false},
		{"remote.storage.enable", "false", true},
		{"remote.storage.enable", "true", false},
		{"retention.bytes", "-5", true},
		{"retention.bytes", "1073741824", true},
		{"retention.ms", "-1", true},
		{"retention.ms", "-2", false},
		{"retention.ms", "9223372036854775807", true},
		{"retention.ms", "9223372036854775808", false},
		{"segment.bytes", "1048576", true},
		{"segment.bytes", "1048575", false},
		{"segment.bytes", "14", false},
		{"segment.index.bytes", "4", true},
		{"segment.index.bytes", "3", false},
		{"segment.jitter.ms", "-1", false},
		{"segment.ms", "1", true},
		{"segment.ms", "0", false},
		{"unclean.leader.election.enable", "true", true},
		{"unclean.leader.election.enable", "", false},
	}
	for _, tt := range tests {
		err := ValidateTopicConfig(tt.key, &tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("%s=%q: err %v, want ok=%v", tt.key, tt.value, err, tt.ok)
			continue
		}
		if err == nil {
			continue
		}
		var ive *InvalidValueError
		if !errors.As(err, &ive) || ive.Key != tt.key || ive.Value != tt.value || ive.Reason == "" {
			t.Errorf("%s=%q: error %#v does not name key, value and reason", tt.key, tt.value, err)
		}
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%s=%q: error %q", tt.key, tt.value, err)
		}
	}
}

func TestValidateBroker(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"process.roles", "broker", true},
		{"process.roles", "controller,broker", true},
		{"process.roles", "", false},
		{"process.roles", "broker,broker", false},
		{"process.roles", "observer", false},
		{"node.id", "0", true},
		{"node.id", "-1", false},
		{"listeners", "PLAINTEXT://:9092,CONTROLLER://[::1]:9093", true},
		{"listeners", "PLAINTEXT://0.0.0.0:9092", true},
		{"listeners", "PLAINTEXT://host", false},
		{"listeners", "localhost:9092", false},
		{"listeners", "PLAINTEXT://a:1,PLAINTEXT://b:2", false},
		{"listeners", "PLAINTEXT://a:70000", false},
		{"listener.security.protocol.map", "EXTERNAL:SSL,INTERNAL:PLAINTEXT", true},
		{"listener.security.protocol.map", "EXTERNAL:TLS", false},
		{"listener.security.protocol.map", "EXTERNAL", false},
		{"listener.security.protocol.map", "A:SSL,A:PLAINTEXT", false},
		{"controller.quorum.voters", "1@a:9093,2@b:9093,3@[::1]:9093", true},
		{"controller.quorum.voters", "1@a:9093,1@b:9093", false},
		{"controller.quorum.voters", "a:9093", false},
		{"controller.quorum.voters", "x@a:9093", false},
		{"controller.quorum.voters", "1@:9093", false},
		{"controller.quorum.bootstrap.servers", "a:9093,b:9093", true},
		{"controller.quorum.bootstrap.servers", "a", false},
		{"http.listener", "", true},
		{"http.listener", ":9644", true},
		{"http.listener", "9644", false},
		{"log.dirs", "/a,/b", true},
		{"log.dirs", "", false},
		{"log.retention.hours", "-1", true},
		{"log.roll.hours", "0", false},
		{"ssl.client.auth", "required", true},
		{"ssl.client.auth", "always", false},
		{"offsets.topic.replication.factor", "32768", false},
		{"offsets.topic.replication.factor", "3", true},
		{"remote.log.storage.system.enable", "true", false},
	}
	for _, tt := range tests {
		err := ValidateBrokerConfig(tt.key, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("%s=%q: err %v, want ok=%v", tt.key, tt.value, err, tt.ok)
		}
	}
}

func TestUnknownKeys(t *testing.T) {
	v := "1"
	err := ValidateTopicConfig("retention.minutes", &v)
	var uke *UnknownKeyError
	if !errors.As(err, &uke) || uke.Key != "retention.minutes" || uke.Scope != ScopeTopic {
		t.Fatalf("err %v, want an UnknownKeyError", err)
	}
	if !errors.Is(err, ErrInvalidConfig) || err.Error() != "unknown topic config name: retention.minutes" {
		t.Errorf("err %q", err)
	}
	if err := ValidateTopicConfig("retention.ms", nil); err != nil {
		t.Errorf("deleting a known key: %v", err)
	}
	if err := ValidateTopicConfig("nope", nil); err == nil {
		t.Error("deleting an unknown key must fail")
	}
	if err := ValidateBrokerConfig("zookeeper.connect", "x:2181"); !errors.As(err, &uke) || uke.Scope != ScopeBroker {
		t.Errorf("broker err %v", err)
	}
}

func TestSensitiveValueNotEchoed(t *testing.T) {
	d, ok := BrokerDef("ssl.keystore.password")
	if !ok || !d.Sensitive || d.Type != TypePassword {
		t.Fatalf("ssl.keystore.password: %+v", d)
	}
	if err := d.Validate(" secret "); err != nil {
		t.Fatalf("password: %v", err)
	}
	if c, _ := d.Canonical(" secret "); c != " secret " {
		t.Errorf("passwords are not trimmed; got %q", c)
	}
}

func TestValidateTopicConfigsConflict(t *testing.T) {
	err := ValidateTopicConfigs(map[string]string{"min.compaction.lag.ms": "100", "max.compaction.lag.ms": "10"}, nil)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err %v, want ConflictError", err)
	}
	// The broker's default takes part: a topic min above the broker max.
	err = ValidateTopicConfigs(map[string]string{"min.compaction.lag.ms": "100"},
		map[string]string{"log.cleaner.max.compaction.lag.ms": "50"})
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want ConflictError from the broker default", err)
	}
	if err := ValidateTopicConfigs(map[string]string{"min.compaction.lag.ms": "10", "retention.ms": "-1"}, nil); err != nil {
		t.Fatalf("valid set: %v", err)
	}
	err = ValidateTopicConfigs(map[string]string{"b.bad": "1", "a.bad": "1"}, nil)
	var uke *UnknownKeyError
	if !errors.As(err, &uke) || uke.Key != "a.bad" {
		t.Fatalf("err %v, want the first unknown key in sorted order", err)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ key, in, want string }{
		{"cleanup.policy", " compact ,delete", "compact,delete"},
		{"preallocate", "TRUE", "true"},
		{"retention.ms", " 1000 ", "1000"},
		{"min.cleanable.dirty.ratio", "1", "1.0"},
		{"min.cleanable.dirty.ratio", ".25", "0.25"},
		{"compression.type", " lz4 ", "lz4"},
	}
	for _, tt := range tests {
		d, _ := TopicDef(tt.key)
		got, err := d.Canonical(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s %q: %q %v, want %q", tt.key, tt.in, got, err, tt.want)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {0.5, "0.5"}, {1, "1.0"}, {0.9, "0.9"}, {-2.5, "-2.5"},
		{1e7, "1.0E7"}, {1.5e-4, "1.5E-4"}, {math.MaxFloat64, "1.7976931348623157E308"},
		{1234567.5, "1234567.5"}, {math.Inf(1), "Infinity"},
	}
	for _, tt := range tests {
		if got := javaDouble(tt.f); got != tt.want {
			t.Errorf("javaDouble(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestTypeAndSourceNames(t *testing.T) {
	if TypeList.String() != "list" || Type(42).String() != "type(42)" {
		t.Error("Type.String")
	}
	if SourceStaticBrokerConfig.String() != "STATIC_BROKER_CONFIG" || Source(9).String() != "Source(9)" {
		t.Error("Source.String")
	}
	// The numbers are Kafka's wire values.
	if SourceDynamicTopicConfig != 1 || SourceDefaultConfig != 5 || TypeBoolean != 1 || TypePassword != 9 {
		t.Error("wire numbering changed")
	}
}
