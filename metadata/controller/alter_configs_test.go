package controller

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

func set(name, value string) configOp {
	return configOp{name: name, op: kmsg.IncrementalAlterConfigOpSet, value: &value}
}

func del(name string) configOp { return configOp{name: name, op: kmsg.IncrementalAlterConfigOpDelete} }

func appendOp(name, value string) configOp {
	return configOp{name: name, op: kmsg.IncrementalAlterConfigOpAppend, value: &value}
}

func subtractOp(name, value string) configOp {
	return configOp{name: name, op: kmsg.IncrementalAlterConfigOpSubtract, value: &value}
}

func topicRes(name string, ops ...configOp) configRequest {
	return configRequest{typ: kmsg.ConfigResourceTypeTopic, name: name, ops: ops}
}

// configCluster has topic "t" with overrides retention.ms=1000 and
// cleanup.policy=delete.
func configCluster(t *testing.T) *cluster {
	c := newCluster(t).brokers("")
	c.apply(&record.Topic{Name: "t", TopicID: record.UUID{3}},
		&record.Config{ResourceType: record.ResourceTopic, ResourceName: "t", Name: "retention.ms", Value: str("1000")},
		&record.Config{ResourceType: record.ResourceTopic, ResourceName: "t", Name: "cleanup.policy", Value: str("delete")})
	return c
}

func TestIncrementalAlterConfigs(t *testing.T) {
	tests := []struct {
		name    string
		res     configRequest
		code    *kerr.Error // nil = success
		msg     string
		want    map[string]string // overrides afterwards, on success
		noWrite bool
	}{
		{"set", topicRes("t", set("retention.ms", "5")), nil, "", map[string]string{"retention.ms": "5", "cleanup.policy": "delete"}, false},
		{"delete", topicRes("t", del("retention.ms")), nil, "", map[string]string{"cleanup.policy": "delete"}, false},
		{"delete absent key", topicRes("t", del("segment.bytes")), nil, "", map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}, true},
		{"set same value", topicRes("t", set("retention.ms", "1000")), nil, "", map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}, true},
		{"append", topicRes("t", appendOp("cleanup.policy", "compact")), nil, "", map[string]string{"retention.ms": "1000", "cleanup.policy": "delete,compact"}, false},
		{"append present", topicRes("t", appendOp("cleanup.policy", "delete")), nil, "", map[string]string{"retention.ms": "1000", "cleanup.policy": "delete"}, true},
		{"subtract", topicRes("t", subtractOp("cleanup.policy", "delete")), nil, "", map[string]string{"retention.ms": "1000", "cleanup.policy": ""}, false},
		{"append to default", topicRes("t", del("cleanup.policy"), appendOp("leader.replication.throttled.replicas", "0:1")), nil, "",
			map[string]string{"retention.ms": "1000", "leader.replication.throttled.replicas": "0:1"}, false},
		{"unknown topic", topicRes("nope", set("retention.ms", "5")), kerr.UnknownTopicOrPartition, "does not exist", nil, true},
		{"invalid value", topicRes("t", set("retention.ms", "x")), kerr.InvalidConfig, "Not a number", nil, true},
		{"unknown key", topicRes("t", set("retension.ms", "1")), kerr.InvalidConfig, "Unknown topic config name", nil, true},
		{"null set", topicRes("t", configOp{name: "retention.ms", op: kmsg.IncrementalAlterConfigOpSet}), kerr.InvalidRequest, "Null value", nil, true},
		{"append to non-list", topicRes("t", appendOp("retention.ms", "1")), kerr.InvalidConfig, "type is not LIST", nil, true},
		{"unknown op", topicRes("t", configOp{name: "retention.ms", op: 9, value: str("1")}), kerr.InvalidRequest, "Unknown operation type 9", nil, true},
		{"duplicate key", topicRes("t", set("retention.ms", "1"), del("retention.ms")), kerr.InvalidRequest, "Duplicate config key", nil, true},
		{"broker config", configRequest{typ: kmsg.ConfigResourceTypeBroker, name: "1", ops: []configOp{set("log.retention.ms", "1")}},
			kerr.InvalidRequest, "Cannot update these configs dynamically: Set(log.retention.ms)", nil, true},
		{"broker config empty change", configRequest{typ: kmsg.ConfigResourceTypeBroker, name: ""}, nil, "", nil, true},
		{"bad broker name", configRequest{typ: kmsg.ConfigResourceTypeBroker, name: "x"}, kerr.InvalidRequest, "Invalid broker id", nil, true},
		{"broker logger", configRequest{typ: kmsg.ConfigResourceTypeBrokerLogger, name: "1"}, kerr.InvalidRequest, "Unexpected resource type BROKER_LOGGER", nil, true},
		{"unknown resource type", configRequest{typ: 3, name: "x"}, kerr.UnsupportedVersion, "Unknown resource type 3", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := configCluster(t)
			results, entries := decideAlterConfigs(c.img, []configRequest{tt.res}, false, false, testEnv(testConfig()))
			r := results[0]
			if tt.code == nil {
				if r.err != nil {
					t.Fatalf("failed: %v", *r.err.message())
				}
			} else if r.err.code() != tt.code.Code || !strings.Contains(*r.err.message(), tt.msg) {
				t.Fatalf("got %d %q, want %s %q", r.err.code(), strOrNil(r.err.message()), tt.code.Message, tt.msg)
			}
			if tt.noWrite != (len(entries) == 0) {
				t.Fatalf("%d entries, noWrite=%v", len(entries), tt.noWrite)
			}
			c.commit(entries)
			if tt.want != nil && tt.res.typ == kmsg.ConfigResourceTypeTopic {
				got := c.img.TopicConfigs("t")
				if len(got) != len(tt.want) {
					t.Fatalf("overrides %v, want %v", got, tt.want)
				}
				for k, v := range tt.want {
					if got[k] != v {
						t.Fatalf("overrides %v, want %v", got, tt.want)
					}
				}
			}
		})
	}
}

func TestLegacyAlterConfigsReplaces(t *testing.T) {
	c := configCluster(t)
	results, entries := decideAlterConfigs(c.img, []configRequest{topicRes("t", set("segment.bytes", "1048576"))}, true, false, testEnv(testConfig()))
	if results[0].err != nil || len(entries) != 1 {
		t.Fatalf("legacy alter: %+v", results[0])
	}
	c.commit(entries)
	got := c.img.TopicConfigs("t")
	if len(got) != 1 || got["segment.bytes"] != "1048576" {
		t.Fatalf("legacy AlterConfigs must replace all overrides, got %v", got)
	}
	nullValue := topicRes("t", configOp{name: "retention.ms", op: kmsg.IncrementalAlterConfigOpSet})
	if results, _ := decideAlterConfigs(c.img, []configRequest{nullValue}, true, false, testEnv(testConfig())); results[0].err.code() != kerr.InvalidRequest.Code {
		t.Fatal("legacy null value accepted")
	}
}

func TestAlterConfigsRequestLevelRules(t *testing.T) {
	c := configCluster(t)
	res := []configRequest{topicRes("t", set("retention.ms", "1")), topicRes("t", del("retention.ms")), topicRes("other")}
	results, entries := decideAlterConfigs(c.img, res, false, false, testEnv(testConfig()))
	if len(results) != 2 || results[0].err.code() != kerr.InvalidRequest.Code || *results[0].err.message() != "Duplicate resource." || len(entries) != 0 {
		t.Fatalf("duplicate resources: %+v", results)
	}
	results, entries = decideAlterConfigs(c.img, []configRequest{topicRes("t", set("retention.ms", "9"))}, false, true, testEnv(testConfig()))
	if results[0].err != nil || len(entries) != 0 {
		t.Fatal("validate only wrote entries")
	}
	cfg := testConfig()
	cfg.ConfigValidator = plainValidator{}
	results, _ = decideAlterConfigs(c.img, []configRequest{topicRes("t", appendOp("cleanup.policy", "compact"))}, false, false, testEnv(cfg))
	if results[0].err.code() != kerr.InvalidConfig.Code {
		t.Fatal("APPEND allowed without a list schema")
	}
	resp := incrementalAlterConfigsResponse(1, []configResult{{typ: kmsg.ConfigResourceTypeTopic, name: "t"}})
	if resp.Resources[0].ErrorMessage != nil || resp.Resources[0].ResourceName != "t" || resp.Version != 1 {
		t.Fatalf("response %+v", resp)
	}
}
