package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProduceConsume(t *testing.T) {
	b := startTestBroker(t)
	runCLI(t, "", "topic", "create", "events", "-p", "2", "-b", b).ok(t)

	input := "k1:v1\nk2:v2\n\nno-separator\nk1:v3\n"
	r := runCLI(t, input, "produce", "events", "--key-sep", ":", "-b", b).ok(t)
	if n := strings.Count(r.out, "Produced to partition"); n != 4 {
		t.Errorf("produced %d records:\n%s", n, r.out)
	}

	r = runCLI(t, "", "consume", "events", "-o", "start", "-n", "4", "-f", `%k=%v\n`, "-b", b).ok(t)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	got := map[string]bool{}
	for _, l := range lines {
		got[l] = true
	}
	for _, want := range []string{"k1=v1", "k2=v2", "=no-separator", "k1=v3"} {
		if !got[want] {
			t.Errorf("consumed %q, missing %q", lines, want)
		}
	}
	// Records of one key keep their order in their partition.
	if strings.Index(r.out, "k1=v1") > strings.Index(r.out, "k1=v3") {
		t.Errorf("k1 records out of order:\n%s", r.out)
	}

	r = runCLI(t, "", "consume", "events", "-n", "4", "--format", "json", "-b", b).ok(t)
	var keyless int
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var rec consumedRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("json line %q: %v", line, err)
		}
		if rec.Topic != "events" || rec.Timestamp == 0 {
			t.Errorf("record %+v", rec)
		}
		if rec.Key == nil {
			keyless++
		}
	}
	if keyless != 1 {
		t.Errorf("%d keyless records, want 1", keyless)
	}

	// One partition, an absolute offset, acks=1, JSON produce output.
	r = runCLI(t, "a\nb\nc\n", "produce", "events", "-p", "1", "--acks", "1", "--format", "json", "-b", b).ok(t)
	var last producedRecord
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if err := json.Unmarshal([]byte(line), &last); err != nil || last.Partition != 1 {
			t.Fatalf("produce json %q: %v", line, err)
		}
	}
	r = runCLI(t, "", "consume", "events", "-p", "1", "-o", "-2", "-n", "2", "-f", `%p:%v\n`, "-b", b).ok(t)
	if r.out != "1:b\n1:c\n" {
		t.Errorf("last two of partition 1: %q", r.out)
	}
	r = runCLI(t, "", "consume", "events", "-p", "1", "-o", "-1", "-n", "1", "-f", `%o`, "-b", b).ok(t)
	if want := last.Offset; r.out != itoa64(want) {
		t.Errorf("offset %q, want %d", r.out, want)
	}

	runCLI(t, "x\n", "produce", "events", "--acks", "2", "-b", b).fails(t, "--acks")
	runCLI(t, "", "consume", "events", "-o", "soon", "-b", b).fails(t, "-o")
	runCLI(t, "", "consume", "events", "-f", "%q", "-b", b).fails(t, "unknown field %q")
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
