package kafkaapi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// describeConfigs asks DescribeConfigs (at version) about one resource.
func describeConfigs(t *testing.T, c *rawConn, version int16, typ kmsg.ConfigResourceType, name string, names ...string) kmsg.DescribeConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.SetVersion(version)
	req.IncludeSynonyms = version >= 1
	req.IncludeDocumentation = version >= 3
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = typ, name, names
	req.Resources = append(req.Resources, r)
	resp := c.roundTrip(req).(*kmsg.DescribeConfigsResponse)
	if len(resp.Resources) != 1 {
		t.Fatalf("DescribeConfigs v%d: %d resources", version, len(resp.Resources))
	}
	return resp.Resources[0]
}

func configsByName(r kmsg.DescribeConfigsResponseResource) map[string]kmsg.DescribeConfigsResponseResourceConfig {
	out := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, c := range r.Configs {
		out[c.Name] = c
	}
	return out
}

// topicConfig is one topic config's value as DescribeConfigs v4 reports it.
func topicConfig(t *testing.T, c *rawConn, topic, name string) string {
	t.Helper()
	cfg, ok := configsByName(describeConfigs(t, c, 4, kmsg.ConfigResourceTypeTopic, topic))[name]
	if !ok || cfg.Value == nil {
		t.Fatalf("%s has no value for %s", topic, name)
	}
	return *cfg.Value
}

// waitTopicConfig waits, bounded, until topic's config name is want. An
// admin change can be answered a moment before this broker applies it (see
// TestAdminChangeVisibleWhenAnswered); a value that never comes fails.
func waitTopicConfig(t *testing.T, c *rawConn, topic, name, want string) {
	t.Helper()
	ctx := testCtx(t)
	for {
		got := topicConfig(t, c, topic, name)
		if got == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s %s = %s, want %s", topic, name, got, want)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestDescribeConfigs(t *testing.T) {
	n := servertest.Start(t, servertest.Override("log.retention.ms", "7200000"), servertest.Override("ssl.key.password", "hunter2"))
	createTopic(t, n.Admin(), "dc", 1, map[string]*string{"segment.ms": ptr("60000")})
	c := dialRaw(t, n.Addr())

	for v := int16(0); v <= 4; v++ {
		what := "v" + strconv.Itoa(int(v))
		res := describeConfigs(t, c, v, kmsg.ConfigResourceTypeTopic, "dc")
		wantCode(t, what+" describe topic", res.ErrorCode, nil)
		cfgs := configsByName(res)
		if len(cfgs) < 20 {
			t.Errorf("%s: %d topic configs, want all of them", what, len(cfgs))
		}
		checks := []struct {
			name, value string
			source      kmsg.ConfigSource
		}{
			{"segment.ms", "60000", kmsg.ConfigSourceDynamicTopicConfig},
			{"retention.ms", "7200000", kmsg.ConfigSourceStaticBrokerConfig},
			{"cleanup.policy", "delete", kmsg.ConfigSourceDefaultConfig},
		}
		for _, ch := range checks {
			got, ok := cfgs[ch.name]
			if !ok || got.Value == nil || *got.Value != ch.value {
				t.Errorf("%s %s = %v, want %s", what, ch.name, got.Value, ch.value)
				continue
			}
			if v >= 1 && got.Source != ch.source {
				t.Errorf("%s %s source %v, want %v", what, ch.name, got.Source, ch.source)
			}
			if v == 0 && got.IsDefault != (ch.source == kmsg.ConfigSourceDefaultConfig) {
				t.Errorf("v0 %s IsDefault %v", ch.name, got.IsDefault)
			}
		}
		if v >= 1 {
			// Synonyms, highest precedence first: the override, then the
			// broker's static value, then the broker default.
			var syn []string
			for _, s := range cfgs["retention.ms"].ConfigSynonyms {
				syn = append(syn, s.Name+"="+strings.TrimSpace(deref(s.Value))+"/"+strconv.Itoa(int(s.Source)))
			}
			if len(syn) == 0 || syn[0] != "log.retention.ms=7200000/4" {
				t.Errorf("%s retention.ms synonyms %v, want log.retention.ms=7200000 (STATIC_BROKER_CONFIG) first", what, syn)
			}
		}
		if v >= 3 {
			if doc := cfgs["retention.ms"].Documentation; doc == nil || *doc == "" {
				t.Errorf("%s: no documentation for retention.ms", what)
			}
			if cfgs["retention.ms"].ConfigType != kmsg.ConfigTypeLong {
				t.Errorf("%s: retention.ms type %v, want LONG", what, cfgs["retention.ms"].ConfigType)
			}
		}
	}

	// Only the names asked for.
	res := describeConfigs(t, c, 4, kmsg.ConfigResourceTypeTopic, "dc", "retention.ms", "segment.ms")
	if len(res.Configs) != 2 {
		t.Errorf("asked for 2 configs, got %d", len(res.Configs))
	}
	res = describeConfigs(t, c, 4, kmsg.ConfigResourceTypeTopic, "nope")
	wantCode(t, "unknown topic", res.ErrorCode, kerr.UnknownTopicOrPartition)

	// The broker: its static configs, with the sensitive one hidden.
	res = describeConfigs(t, c, 4, kmsg.ConfigResourceTypeBroker, "1")
	wantCode(t, "describe broker 1", res.ErrorCode, nil)
	bcfgs := configsByName(res)
	if got := bcfgs["log.retention.ms"]; got.Value == nil || *got.Value != "7200000" || got.Source != kmsg.ConfigSourceStaticBrokerConfig {
		t.Errorf("broker log.retention.ms = %v source %v, want 7200000 STATIC_BROKER_CONFIG", got.Value, got.Source)
	}
	var bsyn []string
	for _, sy := range bcfgs["log.retention.ms"].ConfigSynonyms {
		bsyn = append(bsyn, sy.Name+"/"+strconv.Itoa(int(sy.Source)))
	}
	if len(bsyn) == 0 || bsyn[0] != "log.retention.ms/4" {
		t.Errorf("broker log.retention.ms synonyms %v, want the static value first", bsyn)
	}
	if doc := bcfgs["log.retention.ms"].Documentation; doc == nil || *doc == "" {
		t.Error("no documentation for broker log.retention.ms")
	}
	if got := bcfgs["num.partitions"]; got.Value == nil || *got.Value != "1" || got.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("broker num.partitions = %v source %v, want 1 DEFAULT_CONFIG", got.Value, got.Source)
	}
	if got, ok := bcfgs["ssl.key.password"]; !ok || got.Value != nil || !got.IsSensitive {
		t.Errorf("ssl.key.password described as %v sensitive %v, want a null value marked sensitive", got.Value, got.IsSensitive)
	}
	res = describeConfigs(t, c, 4, kmsg.ConfigResourceTypeBroker, "2")
	wantCode(t, "describe another broker", res.ErrorCode, kerr.InvalidRequest)
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// alterConfigs replaces topic's overrides with set (legacy AlterConfigs v2).
func alterConfigs(t *testing.T, c *rawConn, topic string, validateOnly bool, set map[string]string) kmsg.AlterConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrAlterConfigsRequest()
	req.SetVersion(2)
	req.ValidateOnly = validateOnly
	r := kmsg.NewAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	for k, v := range set {
		cfg := kmsg.NewAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Value = k, kmsg.StringPtr(v)
		r.Configs = append(r.Configs, cfg)
	}
	req.Resources = append(req.Resources, r)
	return c.roundTrip(req).(*kmsg.AlterConfigsResponse).Resources[0]
}

type incOp struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value string
}

// incrementalAlter applies ops to topic (IncrementalAlterConfigs v1).
func incrementalAlter(t *testing.T, c *rawConn, topic string, validateOnly bool, ops ...incOp) kmsg.IncrementalAlterConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.SetVersion(1)
	req.ValidateOnly = validateOnly
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	for _, o := range ops {
		cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Op = o.name, o.op
		if o.op != kmsg.IncrementalAlterConfigOpDelete {
			cfg.Value = kmsg.StringPtr(o.value)
		}
		r.Configs = append(r.Configs, cfg)
	}
	req.Resources = append(req.Resources, r)
	return c.roundTrip(req).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
}

func TestAlterConfigs(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "ac", 1, map[string]*string{"retention.ms": ptr("1000"), "cleanup.policy": ptr("compact")})
	c := dialRaw(t, n.Addr())

	// Validate-only and invalid requests change nothing.
	wantCode(t, "validate only", alterConfigs(t, c, "ac", true, map[string]string{"segment.ms": "60000"}).ErrorCode, nil)
	wantCode(t, "bad value", alterConfigs(t, c, "ac", false, map[string]string{"retention.ms": "-7x"}).ErrorCode, kerr.InvalidConfig)
	wantCode(t, "unknown key", alterConfigs(t, c, "ac", false, map[string]string{"no.such.key": "1"}).ErrorCode, kerr.InvalidConfig)
	wantCode(t, "unknown topic", alterConfigs(t, c, "nope", false, map[string]string{"segment.ms": "60000"}).ErrorCode, kerr.UnknownTopicOrPartition)
	waitTopicConfig(t, c, "ac", "retention.ms", "1000")
	if got := topicConfig(t, c, "ac", "segment.ms"); got == "60000" {
		t.Error("validate-only AlterConfigs changed segment.ms")
	}

	// The legacy API replaces the whole set: keys not named go back to
	// their defaults.
	wantCode(t, "replace", alterConfigs(t, c, "ac", false, map[string]string{"segment.ms": "60000"}).ErrorCode, nil)
	for name, want := range map[string]string{"segment.ms": "60000", "retention.ms": "604800000", "cleanup.policy": "delete"} {
		waitTopicConfig(t, c, "ac", name, want)
	}
}

func TestIncrementalAlterConfigs(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "iac", 1, map[string]*string{"segment.ms": ptr("60000")})
	c := dialRaw(t, n.Addr())
	set, del := kmsg.IncrementalAlterConfigOpSet, kmsg.IncrementalAlterConfigOpDelete
	appendOp, subtract := kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract

	steps := []struct {
		what         string
		validateOnly bool
		ops          []incOp
		want         *kerr.Error
		after        map[string]string
	}{
		{"set", false, []incOp{{"retention.ms", set, "5000"}}, nil,
			map[string]string{"retention.ms": "5000", "segment.ms": "60000"}},
		{"delete", false, []incOp{{"segment.ms", del, ""}}, nil,
			map[string]string{"retention.ms": "5000", "segment.ms": "604800000"}},
		{"append to a list", false, []incOp{{"cleanup.policy", appendOp, "compact"}}, nil,
			map[string]string{"cleanup.policy": "delete,compact"}},
		{"subtract from a list", false, []incOp{{"cleanup.policy", subtract, "delete"}}, nil,
			map[string]string{"cleanup.policy": "compact"}},
		{"validate only", true, []incOp{{"retention.ms", set, "9999"}}, nil,
			map[string]string{"retention.ms": "5000"}},
		{"bad value", false, []incOp{{"retention.ms", set, "forever"}}, kerr.InvalidConfig,
			map[string]string{"retention.ms": "5000"}},
		{"bad list value", false, []incOp{{"cleanup.policy", appendOp, "sometimes"}}, kerr.InvalidConfig,
			map[string]string{"cleanup.policy": "compact"}},
		{"append to a non-list", false, []incOp{{"retention.ms", appendOp, "1"}}, kerr.InvalidConfig,
			map[string]string{"retention.ms": "5000"}},
		{"unknown key", false, []incOp{{"no.such.key", set, "1"}}, kerr.InvalidConfig, nil},
	}
	for _, s := range steps {
		res := incrementalAlter(t, c, "iac", s.validateOnly, s.ops...)
		wantCode(t, s.what, res.ErrorCode, s.want)
		for name, want := range s.after {
			waitTopicConfig(t, c, "iac", name, want)
		}
	}
	// Where a value comes from follows the changes.
	source := func(name string) kmsg.ConfigSource {
		return configsByName(describeConfigs(t, c, 4, kmsg.ConfigResourceTypeTopic, "iac", name))[name].Source
	}
	if got := source("retention.ms"); got != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("retention.ms source %v after SET, want DYNAMIC_TOPIC_CONFIG", got)
	}
	if got := source("segment.ms"); got != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("segment.ms source %v after DELETE, want DEFAULT_CONFIG", got)
	}
	res := incrementalAlter(t, c, "nope", false, incOp{"retention.ms", set, "1"})
	wantCode(t, "unknown topic", res.ErrorCode, kerr.UnknownTopicOrPartition)
}

func TestAlteredConfigsTakeEffect(t *testing.T) {
	n := servertest.Start(t, servertest.Override("log.retention.check.interval.ms", "20"))
	adm := n.Admin()
	createTopic(t, adm, "live", 1, nil)
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()
	batchOf := func(size int) []byte { return simpleBatch(now, string(bytes.Repeat([]byte("L"), size))) }

	// max.message.bytes is enforced once the change is in.
	wantCode(t, "produce 3000 bytes", produceRaw(t, c, "live", 0, -1, batchOf(3000)).ErrorCode, nil)
	wantCode(t, "lower max.message.bytes", incrementalAlter(t, c, "live", false, incOp{"max.message.bytes", kmsg.IncrementalAlterConfigOpSet, "1000"}).ErrorCode, nil)
	waitTopicConfig(t, c, "live", "max.message.bytes", "1000")
	wantCode(t, "produce 3000 bytes over the new limit", produceRaw(t, c, "live", 0, -1, batchOf(3000)).ErrorCode, kerr.MessageTooLarge)
	wantCode(t, "remove the limit", incrementalAlter(t, c, "live", false, incOp{"max.message.bytes", kmsg.IncrementalAlterConfigOpDelete, ""}).ErrorCode, nil)
	waitTopicConfig(t, c, "live", "max.message.bytes", "1048588")
	wantCode(t, "produce 3000 bytes again", produceRaw(t, c, "live", 0, -1, batchOf(3000)).ErrorCode, nil)

	// segment.bytes and retention.bytes: the log rolls 1 MiB segments and
	// deletes the old ones beyond 1 MiB.
	wantCode(t, "small segments and retention", incrementalAlter(t, c, "live", false,
		incOp{"segment.bytes", kmsg.IncrementalAlterConfigOpSet, "1048576"},
		incOp{"retention.bytes", kmsg.IncrementalAlterConfigOpSet, "1048576"}).ErrorCode, nil)
	for name, want := range map[string]string{"segment.bytes": "1048576", "retention.bytes": "1048576"} {
		waitTopicConfig(t, c, "live", name, want)
	}
	for range 30 {
		wantCode(t, "produce 100 KiB", produceRaw(t, c, "live", 0, -1, batchOf(100<<10)).ErrorCode, nil)
	}
	start := waitStartOffset(t, adm, "live", 0)
	segments, _ := filepath.Glob(filepath.Join(n.LogDir(), "live-0", "*.log"))
	if len(segments) < 2 || len(segments) > 4 {
		t.Errorf("%d segment files for ~3 MiB with 1 MiB segments and 1 MiB retention (log start %d)", len(segments), start)
	}
	var total int64
	for _, s := range segments {
		if fi, err := os.Stat(s); err == nil {
			total += fi.Size()
		}
	}
	if total > 3<<20 {
		t.Errorf("%d bytes kept with retention.bytes=1 MiB", total)
	}
}

func TestDescribeCluster(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	for v := int16(0); v <= 1; v++ {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.SetVersion(v)
		req.IncludeClusterAuthorizedOperations = true
		req.EndpointType = 1
		resp := c.roundTrip(req).(*kmsg.DescribeClusterResponse)
		wantCode(t, "DescribeCluster v"+strconv.Itoa(int(v)), resp.ErrorCode, nil)
		if resp.ClusterID != n.ClusterID() || resp.ControllerID != 1 || len(resp.Brokers) != 1 {
			t.Errorf("v%d: cluster %s controller %d brokers %d", v, resp.ClusterID, resp.ControllerID, len(resp.Brokers))
		} else if b := resp.Brokers[0]; b.NodeID != 1 || b.Host+":"+strconv.Itoa(int(b.Port)) != n.Addr() {
			t.Errorf("v%d: broker %d at %s:%d, want 1 at %s", v, b.NodeID, b.Host, b.Port, n.Addr())
		}
		if resp.ClusterAuthorizedOperations <= 0 {
			t.Errorf("v%d: cluster authorized operations %d, want every operation", v, resp.ClusterAuthorizedOperations)
		}
		if v == 1 && resp.EndpointType != 1 {
			t.Errorf("v1: endpoint type %d, want 1 (brokers)", resp.EndpointType)
		}
	}
	req := kmsg.NewPtrDescribeClusterRequest()
	req.SetVersion(1)
	req.EndpointType = 2 // controllers (KIP-919): a broker refuses
	resp := c.roundTrip(req).(*kmsg.DescribeClusterResponse)
	wantCode(t, "DescribeCluster v1 for controllers", resp.ErrorCode, kerr.UnsupportedEndpointType)
}
