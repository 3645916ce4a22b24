package config

import (
	"testing"
)

// FuzzTopicConfig feeds arbitrary key/value pairs, as CreateTopics and
// AlterConfigs carry them from the network, through validation and
// resolution: nothing may panic, and a value that validates must
// canonicalise to a fixed point and resolve to itself as an override.
func FuzzTopicConfig(f *testing.F) {
	for _, d := range TopicDefs() {
		f.Add(d.Name, d.Default)
	}
	f.Add("retention.ms", "-1")
	f.Add("cleanup.policy", " compact , delete ")
	f.Add("min.cleanable.dirty.ratio", "1e-300")
	f.Add("leader.replication.throttled.replicas", "*")
	f.Add("segment.bytes", "\x00")
	f.Add("no.such.key", "1")
	f.Fuzz(func(t *testing.T, key, value string) {
		err := ValidateTopicConfig(key, &value)
		_ = ValidateTopicConfigs(map[string]string{key: value}, map[string]string{"log." + key: value})
		_ = DescribeTopic(map[string]string{key: value}, map[string]string{key: value})
		_ = EffectiveTopic(map[string]string{key: value}, map[string]string{"log.retention.hours": value})
		if err != nil {
			return
		}
		d, _ := TopicDef(key)
		c, err := d.Canonical(value)
		if err != nil {
			t.Fatalf("%s=%q validates but does not canonicalise: %v", key, value, err)
		}
		if again, err := d.Canonical(c); err != nil || again != c {
			t.Fatalf("%s: canonical %q is not a fixed point (%q, %v)", key, c, again, err)
		}
		e := entryNamed(t, DescribeTopic(map[string]string{key: value}, nil), key)
		if e.Source != SourceDynamicTopicConfig || deref(e.Value) != c {
			t.Fatalf("%s=%q described as %s (%v)", key, value, deref(e.Value), e.Source)
		}
	})
}

// FuzzBrokerConfig checks broker-key validation never panics on input from
// a properties file or the environment.
func FuzzBrokerConfig(f *testing.F) {
	f.Add("listeners", "PLAINTEXT://[::1]:9092,CONTROLLER://:9093")
	f.Add("controller.quorum.voters", "1@host:9093,2@[::1]:1")
	f.Add("listener.security.protocol.map", "A:SSL,B:PLAINTEXT")
	f.Add("log.dirs", "/a,,/b")
	f.Add("http.listener", "[::]:0")
	f.Fuzz(func(t *testing.T, key, value string) {
		_ = ValidateBrokerConfig(key, value)
		_ = DescribeBroker(map[string]string{key: value})
	})
}
