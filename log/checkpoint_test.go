package log

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/skiffhq/skiff/log/vfs"
)

func TestOffsetCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), RecoveryPointCheckpointFile)
	offsets := map[TopicPartition]int64{{"orders", 0}: 15, {"orders", 10}: 3, {"a-b-c", 2}: 0, {"__consumer_offsets", 49}: 1 << 40}
	if err := WriteOffsetCheckpoint(vfs.OS(), path, offsets); err != nil {
		t.Fatal(err)
	}
	data, _ := vfs.ReadFile(vfs.OS(), path)
	want := "0\n4\n__consumer_offsets 49 1099511627776\na-b-c 2 0\norders 0 15\norders 10 3\n"
	if string(data) != want {
		t.Fatalf("contents %q, want %q", data, want)
	}
	got, err := ReadOffsetCheckpoint(vfs.OS(), path)
	if err != nil || len(got) != len(offsets) {
		t.Fatalf("read %v %v", got, err)
	}
	for tp, off := range offsets {
		if got[tp] != off {
			t.Fatalf("%s: %d, want %d", tp, got[tp], off)
		}
	}
	if got, err := ReadOffsetCheckpoint(vfs.OS(), path+".missing"); err != nil || len(got) != 0 {
		t.Fatalf("missing file: %v %v", got, err)
	}
}

func TestOffsetCheckpointRejectsMalformed(t *testing.T) {
	for _, bad := range []string{
		"", "0\n", "1\n0\n", "0\nx\n", "0\n2\nt 0 1\n", "0\n1\nt 0\n", "0\n1\nt x 1\n",
		"0\n1\nt 0 x\n", "0\n1\nt -1 5\n", "0\n2\nt 0 1\nt 0 2\n", "0\n1\n 0 1\n",
	} {
		if _, err := ParseOffsetCheckpoint([]byte(bad)); !errors.Is(err, ErrCheckpointFormat) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestPartitionMetadataFormat(t *testing.T) {
	id := [16]byte{0x5a, 0x1f}
	data := FormatPartitionMetadata(id)
	if string(data) != "version: 0\ntopic_id: "+TopicIDString(id)+"\n" || len(TopicIDString(id)) != 22 {
		t.Fatalf("format %q", data)
	}
	got, err := ParsePartitionMetadata(data)
	if err != nil || got != id {
		t.Fatalf("parse %v %v", got, err)
	}
	for _, bad := range []string{"version: 1\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n", "version: 0\n", "version: 0\ntopic_id: short\n"} {
		if _, err := ParsePartitionMetadata([]byte(bad)); !errors.Is(err, ErrPartitionMetadataFormat) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestParsePartitionDirName(t *testing.T) {
	tests := []struct {
		name      string
		topic     string
		partition int32
		ok        bool
	}{
		{"orders-0", "orders", 0, true},
		{"my-topic-with-dashes-12", "my-topic-with-dashes", 12, true},
		{"__consumer_offsets-49", "__consumer_offsets", 49, true},
		{"orders", "", 0, false},
		{"orders-", "", 0, false},
		{"-3", "", 0, false},
		{"orders-x", "", 0, false},
		{"orders-+1", "", 0, false},
		{"orders--1", "orders-", 1, true},
		{"orders-0.abcdef-delete", "", 0, false},
		{"orders-0.abcdef-future", "", 0, false},
		{"orders-99999999999", "", 0, false},
	}
	for _, tt := range tests {
		topic, p, ok := ParsePartitionDirName(tt.name)
		if ok != tt.ok || topic != tt.topic || p != tt.partition {
			t.Errorf("%q: (%q, %d, %v), want (%q, %d, %v)", tt.name, topic, p, ok, tt.topic, tt.partition, tt.ok)
		}
	}
	if PartitionDirName("a-b", 7) != "a-b-7" {
		t.Error("PartitionDirName")
	}
	if offsetFileName(1234, logSuffix) != "00000000000000001234.log" {
		t.Error(offsetFileName(1234, logSuffix))
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Config){
		"segment.bytes":        func(c *Config) { c.SegmentBytes = 10 },
		"segment.ms":           func(c *Config) { c.SegmentMs = 0 },
		"segment.index.bytes":  func(c *Config) { c.SegmentIndexBytes = 3 },
		"retention.ms":         func(c *Config) { c.RetentionMs = -2 },
		"retention.bytes":      func(c *Config) { c.RetentionBytes = -5 },
		"flush.messages":       func(c *Config) { c.FlushMessages = 0 },
		"max.message.bytes":    func(c *Config) { c.MaxMessageBytes = -1 },
		"index.interval.bytes": func(c *Config) { c.IndexIntervalBytes = -1 },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		if err := cfg.Validate(); err == nil || !contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := DefaultManagerConfig().Validate(); err == nil {
		t.Error("manager config without dirs accepted")
	}
}
