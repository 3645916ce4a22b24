package quorum

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := Default()
		c.Dir, c.ClusterID = "/tmp/x", "c"
		return c
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"negative node id", func(c *Config) { c.NodeID = -1 }, "negative"},
		{"no dir", func(c *Config) { c.Dir = "" }, "dir"},
		{"no cluster id", func(c *Config) { c.ClusterID = "" }, "cluster id"},
		{"no voters", func(c *Config) { c.Voters = nil }, "voters is empty"},
		{"duplicate voter", func(c *Config) { c.Voters = []Voter{{1, "a:1"}, {1, "b:1"}} }, "twice"},
		{"bad voter addr", func(c *Config) { c.Voters = []Voter{{1, "nohost"}} }, "address"},
		{"voter not listed", func(c *Config) { c.NodeID = 2 }, "not in controller.quorum.voters"},
		{"observer listed", func(c *Config) { c.Voter = false; c.Addr = "x:1" }, "configured as an observer"},
		{"observer without addr", func(c *Config) { c.NodeID = 5; c.Voter = false }, "own controller address"},
		{"tiny heartbeat", func(c *Config) { c.HeartbeatTimeout = time.Millisecond }, "at least"},
		{"lease above heartbeat", func(c *Config) { c.LeaderLeaseTimeout = 2 * c.HeartbeatTimeout }, "lease"},
		{"election below heartbeat", func(c *Config) { c.ElectionTimeout = c.HeartbeatTimeout / 2 }, "election timeout"},
		{"zero commit timeout", func(c *Config) { c.CommitTimeout = 0 }, "commit timeout"},
		{"zero threshold", func(c *Config) { c.SnapshotThreshold = 0 }, "threshold"},
		{"no retained snapshots", func(c *Config) { c.RetainSnapshots = 0 }, "retain"},
		{"huge batches", func(c *Config) { c.MaxAppendEntries = 5000 }, "append entries"},
		{"zero transport timeout", func(c *Config) { c.TransportTimeout = 0 }, "transport"},
		{"tiny snapshot interval", func(c *Config) { c.SnapshotInterval = 0 }, "snapshot interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.modify(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseVoters(t *testing.T) {
	got, err := ParseVoters("1@127.0.0.1:9093, 2@node-2:9093,3@[::1]:9093")
	if err != nil {
		t.Fatal(err)
	}
	want := []Voter{{1, "127.0.0.1:9093"}, {2, "node-2:9093"}, {3, "[::1]:9093"}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("got %v", got)
	}
	if FormatVoters(got) != "1@127.0.0.1:9093,2@node-2:9093,3@[::1]:9093" {
		t.Fatalf("format: %s", FormatVoters(got))
	}
	for _, bad := range []string{"", "1", "x@h:1", "-1@h:1", "1@nohost", "1@h:1,1@h:2"} {
		if _, err := ParseVoters(bad); err == nil {
			t.Errorf("ParseVoters(%q) accepted", bad)
		}
	}
}
