package log

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/skiffhq/skiff/log/vfs"
)

func TestEpochCacheAssign(t *testing.T) {
	tests := []struct {
		name        string
		start       []EpochEntry
		epoch       int32
		offset      int64
		wantChanged bool
		want        []EpochEntry
	}{
		{"first entry", nil, 0, 0, true, []EpochEntry{{0, 0}}},
		{"same epoch later offset is no news", []EpochEntry{{1, 5}}, 1, 9, false, []EpochEntry{{1, 5}}},
		{"same epoch earlier offset replaces", []EpochEntry{{0, 0}, {1, 5}}, 1, 3, true, []EpochEntry{{0, 0}, {1, 3}}},
		{"new epoch appends", []EpochEntry{{1, 5}}, 3, 9, true, []EpochEntry{{1, 5}, {3, 9}}},
		{"lower epoch drops conflicting entries", []EpochEntry{{1, 5}, {3, 9}}, 2, 12, true, []EpochEntry{{1, 5}, {2, 12}}},
		{"offset not above drops conflicting entries", []EpochEntry{{1, 5}, {3, 9}}, 4, 9, true, []EpochEntry{{1, 5}, {4, 9}}},
		{"negative epoch ignored", []EpochEntry{{1, 5}}, -1, 9, false, []EpochEntry{{1, 5}}},
	}
	for _, tt := range tests {
		c := newEpochCache(nil, "", append([]EpochEntry(nil), tt.start...))
		if changed := c.assign(tt.epoch, tt.offset); changed != tt.wantChanged || !equalEpochs(c.snapshot(), tt.want) {
			t.Errorf("%s: changed %v entries %v, want %v %v", tt.name, changed, c.snapshot(), tt.wantChanged, tt.want)
		}
	}
}

func TestEpochCacheTruncation(t *testing.T) {
	base := []EpochEntry{{0, 0}, {2, 10}, {5, 20}}
	tests := []struct {
		name      string
		fromStart bool
		offset    int64
		want      []EpochEntry
	}{
		{"end above everything", false, 25, base},
		{"end at an epoch start", false, 20, []EpochEntry{{0, 0}, {2, 10}}},
		{"end at zero", false, 0, nil},
		{"start inside the first epoch", true, 5, []EpochEntry{{0, 5}, {2, 10}, {5, 20}}},
		{"start at an epoch start", true, 10, []EpochEntry{{2, 10}, {5, 20}}},
		{"start past the last epoch start", true, 30, []EpochEntry{{5, 30}}},
		{"start at zero", true, 0, base},
	}
	for _, tt := range tests {
		c := newEpochCache(nil, "", append([]EpochEntry(nil), base...))
		if tt.fromStart {
			c.truncateFromStart(tt.offset)
		} else {
			c.truncateFromEnd(tt.offset)
		}
		if !equalEpochs(c.snapshot(), tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, c.snapshot(), tt.want)
		}
	}
}

func TestEpochCheckpointFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), epochCheckpoint)
	c := newEpochCache(vfs.OS(), path, []EpochEntry{{0, 0}, {4, 100}})
	if err := c.write(); err != nil {
		t.Fatal(err)
	}
	data, _ := vfs.ReadFile(vfs.OS(), path)
	if string(data) != "0\n2\n0 0\n4 100\n" {
		t.Fatalf("file contents %q", data)
	}
	got, found, err := loadEpochEntries(vfs.OS(), path)
	if err != nil || !found || !equalEpochs(got, c.snapshot()) {
		t.Fatalf("load %v %v %v", got, found, err)
	}
	for _, bad := range []string{"0\n2\n0 0\n", "0\n2\n3 5\n1 9\n", "1\n0\n", "0\n1\n-1 0\n", "0\n1\n1 2 3\n"} {
		if _, err := ParseEpochCheckpoint([]byte(bad)); !errors.Is(err, ErrCheckpointFormat) {
			t.Errorf("%q parsed: %v", bad, err)
		}
	}
}

func TestEpochCacheRebuiltWhenCheckpointLost(t *testing.T) {
	l, opts := epochLog(t)
	want := l.EpochEntries()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	patchFile(t, filepath.Join(opts.Dir, epochCheckpoint), func([]byte) []byte { return []byte("garbage") })
	opts.CleanShutdown = true
	l2 := openTestLog(t, opts)
	defer l2.Close()
	if r := l2.Recovery(); !r.EpochCacheRebuilt || !equalEpochs(l2.EpochEntries(), want) {
		t.Fatalf("rebuilt %v: %v, want %v", r.EpochCacheRebuilt, l2.EpochEntries(), want)
	}
}
