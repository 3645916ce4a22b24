package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecordTemplate(t *testing.T) {
	r := &kgo.Record{
		Topic: "t", Partition: 2, Offset: 41, Key: []byte("k"), Value: []byte("v"),
		Timestamp: time.UnixMilli(1700000000123),
		Headers:   []kgo.RecordHeader{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}},
	}
	tests := []struct{ format, want string }{
		{"text", "v\n"},
		{`%t/%p/%o %k=%v %T [%h] 100%%\t\\\n`, "t/2/41 k=v 1700000000123 [a=1,b=2] 100%\t\\\n"},
		{`plain`, "plain"},
		{`trailing %`, "trailing %"},
		{`\x`, `\x`},
		{"json", `{"topic":"t","partition":2,"offset":41,"timestamp":1700000000123,"key":"k","value":"v","headers":{"a":"1","b":"2"}}` + "\n"},
	}
	for _, tt := range tests {
		p, err := newRecordPrinter(tt.format)
		if err != nil {
			t.Fatalf("%q: %v", tt.format, err)
		}
		var b bytes.Buffer
		if err := p(&b, r); err != nil || b.String() != tt.want {
			t.Errorf("%q printed %q, want %q (%v)", tt.format, b.String(), tt.want, err)
		}
	}
	if _, err := newRecordPrinter("%z"); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestParseStartOffset(t *testing.T) {
	for _, ok := range []string{"start", "end", "0", "42", "-5", "oldest", "newest", ""} {
		if _, err := parseStartOffset(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if _, err := parseStartOffset("later"); err == nil {
		t.Error("later accepted")
	}
}

func TestProduceClientOpts(t *testing.T) {
	for acks, n := range map[string]int{"all": 1, "-1": 1, "1": 2, "0": 2} {
		opts, err := produceClientOpts(acks, -1)
		if err != nil || len(opts) != n {
			t.Errorf("acks %s: %d opts, %v", acks, len(opts), err)
		}
	}
	if opts, _ := produceClientOpts("all", 0); len(opts) != 2 {
		t.Error("a chosen partition needs the manual partitioner")
	}
}

func TestExplain(t *testing.T) {
	err := fmt.Errorf("create topic x: %w", kerr.InvalidReplicationFactor)
	msg := explain(err, []string{"b:9092"})
	for _, want := range []string{"INVALID_REPLICATION_FACTOR", "code 38", "hint:", "skiff cluster info"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	msg = explain(fmt.Errorf("list: %w", syscall.ECONNREFUSED), []string{"a:1", "b:2"})
	if !strings.Contains(msg, "no broker answered at a:1,b:2") {
		t.Errorf("%q", msg)
	}
	if msg := explain(errors.New("plain"), nil); msg != "plain" {
		t.Errorf("%q", msg)
	}
	if msg := errorMessage(&cliError{err: fmt.Errorf("x: %w", syscall.ECONNREFUSED), brokers: []string{"h:1"}}); !strings.Contains(msg, "h:1") {
		t.Errorf("%q", msg)
	}
}

func TestPositionalTerminator(t *testing.T) {
	b := startTestBroker(t)
	// After "--", an argument that starts with a dash is a name ('-' is legal
	// in Kafka topic names).
	runCLI(t, "", "topic", "create", "plain", "-b", b, "--", "-dashed").ok(t)
	r := runCLI(t, "", "topic", "list", "-b", b).ok(t)
	if !strings.Contains(r.out, "-dashed") || !strings.Contains(r.out, "plain") {
		t.Errorf("list:\n%s", r.out)
	}
}
