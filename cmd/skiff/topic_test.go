package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTopicLifecycle(t *testing.T) {
	b := startTestBroker(t)

	// Flags may follow the names; a config value may contain commas.
	r := runCLI(t, "", "topic", "create", "orders", "payments", "-b", b, "-p", "3", "-r", "1",
		"-c", "cleanup.policy=compact,delete", "-c", "retention.ms=3600000").ok(t)
	if !strings.Contains(r.out, "TOPIC") || !strings.Contains(r.out, "orders    OK") || !strings.Contains(r.out, "payments  OK") {
		t.Errorf("create output:\n%s", r.out)
	}

	r = runCLI(t, "", "topic", "create", "orders", "-b", b).fails(t, "create topic orders", "TOPIC_ALREADY_EXISTS", "code 36", "hint:")
	if !strings.Contains(r.out, "orders  TOPIC_ALREADY_EXISTS") {
		t.Errorf("status table:\n%s", r.out)
	}

	r = runCLI(t, "", "topic", "list", "-b", b).ok(t)
	want := "NAME      PARTITIONS  REPLICAS\norders    3           1\npayments  3           1\n"
	if r.out != want {
		t.Errorf("list:\n%q\nwant\n%q", r.out, want)
	}
	var listed []topicListRow
	r = runCLI(t, "", "topic", "list", "-b", b, "--format", "json").ok(t)
	if err := json.Unmarshal([]byte(r.out), &listed); err != nil || len(listed) != 2 || listed[0].Name != "orders" || listed[0].Partitions != 3 {
		t.Errorf("list json %s: %v", r.out, err)
	}

	r = runCLI(t, "", "topic", "describe", "orders", "-b", b).ok(t)
	for _, s := range []string{"SUMMARY", "NAME        orders", "PARTITIONS  3", "CONFIGS", "cleanup.policy", "compact,delete",
		"retention.ms", "3600000", "PARTITIONS\n==========", "PARTITION  LEADER", "[1]"} {
		if !strings.Contains(r.out, s) {
			t.Errorf("describe output lacks %q:\n%s", s, r.out)
		}
	}

	r = runCLI(t, "", "topic", "add-partitions", "orders", "--to", "5", "-b", b).ok(t)
	r = runCLI(t, "", "topic", "alter-config", "orders", "--set", "retention.ms=1000", "--delete", "cleanup.policy", "-b", b).ok(t)
	var d topicDescription
	r = runCLI(t, "", "topic", "describe", "orders", "-b", b, "--format", "json").ok(t)
	if err := json.Unmarshal([]byte(r.out), &d); err != nil {
		t.Fatalf("describe json: %v\n%s", err, r.out)
	}
	if len(d.Partitions) != 5 || d.Partitions[4].Partition != 4 || d.Partitions[0].HighWatermark != 0 {
		t.Errorf("partitions %+v", d.Partitions)
	}
	configs := map[string]string{}
	for _, c := range d.Configs {
		if c.Value != nil {
			configs[c.Name] = *c.Value
		}
	}
	if configs["retention.ms"] != "1000" || configs["cleanup.policy"] == "compact,delete" {
		t.Errorf("configs after alter: %v", configs)
	}

	runCLI(t, "", "topic", "alter-config", "orders", "-b", b).fails(t, "nothing to change")
	runCLI(t, "", "topic", "add-partitions", "orders", "-b", b).fails(t, "--to N")
	runCLI(t, "", "topic", "describe", "nope", "-b", b).fails(t, "UNKNOWN_TOPIC_OR_PARTITION", "skiff topic list")

	r = runCLI(t, "", "topic", "delete", "payments", "-b", b, "--format", "json").ok(t)
	var statuses []topicStatus
	if err := json.Unmarshal([]byte(r.out), &statuses); err != nil || len(statuses) != 1 || !statuses[0].OK {
		t.Errorf("delete json %s: %v", r.out, err)
	}
	r = runCLI(t, "", "topic", "list", "-b", b).ok(t)
	if strings.Contains(r.out, "payments") {
		t.Errorf("deleted topic still listed:\n%s", r.out)
	}
	runCLI(t, "", "topic", "delete", "payments", "-b", b).fails(t, "UNKNOWN_TOPIC_OR_PARTITION")
}

func TestClusterInfo(t *testing.T) {
	b := startTestBroker(t)
	r := runCLI(t, "", "cluster", "info", "-b", b).ok(t)
	port := b[strings.LastIndex(b, ":")+1:]
	if !strings.Contains(r.out, "CLUSTER\n=======") || !strings.Contains(r.out, "BROKERS") || !strings.Contains(r.out, port) {
		t.Errorf("cluster info:\n%s", r.out)
	}
	var d clusterDescription
	r = runCLI(t, "", "cluster", "info", "--bootstrap-server", b, "--format", "json").ok(t)
	if err := json.Unmarshal([]byte(r.out), &d); err != nil || len(d.Brokers) != 1 || d.ClusterID == "" {
		t.Errorf("cluster json %s: %v", r.out, err)
	}
}

func TestUnreachableBrokerHint(t *testing.T) {
	r := runCLI(t, "", "topic", "list", "-b", "127.0.0.1:1", "--timeout", "500ms")
	r.fails(t, "hint: no broker answered at 127.0.0.1:1")
}

func TestBrokersFromEnv(t *testing.T) {
	b := startTestBroker(t)
	a := &app{env: nil, start: startNode}
	t.Setenv("SKIFF_BROKERS", b) // urfave reads flag env vars from the process
	r := runCLIWith(t, a, "topic", "create", "from-env")
	r.ok(t)
}
