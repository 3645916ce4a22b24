package log

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiffhq/skiff/log/batch"
)

// batchAt is one batch's place in a segment file.
type batchAt struct {
	pos        int64
	base, next int64
	size       int
}

type segLayout struct {
	base    int64
	path    string
	batches []batchAt
}

// layoutOf reads the segment files of dir directly, independent of Log.
func layoutOf(t *testing.T, dir string) []segLayout {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []segLayout
	for _, e := range ents {
		base, ok := parseOffsetFileName(e.Name(), logSuffix)
		if !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sl := segLayout{base: base, path: path}
		for pos := 0; pos < len(data); {
			raw, _, ok := batch.Next(data[pos:])
			if !ok {
				t.Fatalf("%s: bad batch at %d", path, pos)
			}
			h, _ := batch.ParseHeader(raw)
			sl.batches = append(sl.batches, batchAt{pos: int64(pos), base: h.BaseOffset, next: h.NextOffset(), size: len(raw)})
			pos += len(raw)
		}
		out = append(out, sl)
	}
	return out
}

// writeCrashedLog builds a log of several segments and leaves it as a
// crashed process would (no clean close).
func writeCrashedLog(t *testing.T, dir string) Options {
	t.Helper()
	opts := testOptions(t, dir, smallConfig())
	l := openTestLog(t, opts)
	for i := range 45 {
		mustAppend(t, l, buildBatch(plainBatch(3, int64(i))), int32(i/15))
	}
	crashClose(l)
	return opts
}

func patchFile(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryRepairsDamage(t *testing.T) {
	type damage struct {
		name string
		// corrupt damages the files and returns the segment index, byte
		// position and log end offset recovery must arrive at.
		corrupt func(t *testing.T, segs []segLayout) (seg int, pos, end int64)
		reason  string
	}
	lastOf := func(segs []segLayout) (int, segLayout, batchAt) {
		i := len(segs) - 1
		return i, segs[i], segs[i].batches[len(segs[i].batches)-1]
	}
	cases := []damage{
		{"torn tail: last batch cut short", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			i, s, b := lastOf(segs)
			patchFile(t, s.path, func(d []byte) []byte { return d[:len(d)-7] })
			return i, b.pos, b.base
		}, "runs past the end"},
		{"torn tail: half a header", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			i, s, b := lastOf(segs)
			patchFile(t, s.path, func(d []byte) []byte { return d[:b.pos+20] })
			return i, b.pos, b.base
		}, "incomplete batch header"},
		{"zeros after the last batch", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			i, s, b := lastOf(segs)
			patchFile(t, s.path, func(d []byte) []byte { return append(d, make([]byte, 300)...) })
			return i, b.pos + int64(b.size), b.next
		}, ""},
		{"bit flip in the records of the first batch of the active segment", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			i := len(segs) - 1
			patchFile(t, segs[i].path, func(d []byte) []byte { d[batch.HeaderSize+3] ^= 0x10; return d })
			return i, 0, segs[i].base
		}, "invalid batch"},
		{"bit flip at the start of the first segment", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			patchFile(t, segs[0].path, func(d []byte) []byte { d[30] ^= 0x01; return d })
			return 0, 0, 0
		}, "invalid batch"},
		{"crc field damaged in a middle segment", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			b := segs[1].batches[2]
			patchFile(t, segs[1].path, func(d []byte) []byte { d[b.pos+17] ^= 0xff; return d })
			return 1, b.pos, b.base
		}, "invalid batch"},
		{"length field too small", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			b := segs[1].batches[1]
			patchFile(t, segs[1].path, func(d []byte) []byte { binary.BigEndian.PutUint32(d[b.pos+8:], 10); return d })
			return 1, b.pos, b.base
		}, "too small"},
		{"base offset going backwards", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			b := segs[1].batches[3]
			patchFile(t, segs[1].path, func(d []byte) []byte { binary.BigEndian.PutUint64(d[b.pos:], 1); return d })
			return 1, b.pos, b.base
		}, "below expected"},
		{"magic byte changed", func(t *testing.T, segs []segLayout) (int, int64, int64) {
			b := segs[2].batches[0]
			patchFile(t, segs[2].path, func(d []byte) []byte { d[b.pos+16] = 1; return d })
			return 2, b.pos, b.base
		}, "unreadable batch header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := writeCrashedLog(t, dir)
			segs := layoutOf(t, dir)
			if len(segs) < 4 {
				t.Fatalf("need at least 4 segments, have %d", len(segs))
			}
			wantSeg, wantPos, wantEnd := c.corrupt(t, segs)
			l := openTestLog(t, opts)
			defer l.Close()
			r := l.Recovery()
			if c.reason == "" {
				if r.Truncation == nil || r.TruncatedBytes != 300 {
					t.Fatalf("trailing zeros should be cut: %+v", r)
				}
			} else if r.Truncation == nil || !contains(r.Truncation.Reason, c.reason) {
				t.Fatalf("truncation %v, want reason containing %q", r.Truncation, c.reason)
			}
			if r.Truncation.Segment != segs[wantSeg].path || r.Truncation.Position != wantPos {
				t.Fatalf("truncated %s at %d, want %s at %d", r.Truncation.Segment, r.Truncation.Position, segs[wantSeg].path, wantPos)
			}
			if len(r.SegmentsDeleted) != len(segs)-wantSeg-1 {
				t.Fatalf("deleted %v, want the %d segments after %d", r.SegmentsDeleted, len(segs)-wantSeg-1, wantSeg)
			}
			if l.EndOffset() != wantEnd {
				t.Fatalf("log end %d, want %d", l.EndOffset(), wantEnd)
			}
			checkContiguous(t, readAll(t, l), 0, wantEnd)
			if got := l.EpochEntries(); len(got) > 0 && got[len(got)-1].StartOffset >= wantEnd {
				t.Fatalf("epoch cache has entries past the end: %v", got)
			}
			res := mustAppend(t, l, buildBatch(plainBatch(1, 0)), 9)
			if res.FirstOffset != wantEnd {
				t.Fatalf("append after recovery at %d, want %d", res.FirstOffset, wantEnd)
			}
			// The repaired log reopens cleanly as it is.
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			opts.CleanShutdown = true
			l2 := openTestLog(t, opts)
			defer l2.Close()
			checkContiguous(t, readAll(t, l2), 0, wantEnd+1)
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestCorruptIndexIsRebuilt(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(data []byte) []byte
	}{
		{"size not a multiple of the entry size", func(d []byte) []byte { return append(d, 1, 2, 3) }},
		{"entries not increasing", func(d []byte) []byte { copy(d[8:16], d[0:8]); return d }},
		{"entry beyond the segment", func(d []byte) []byte {
			binary.BigEndian.PutUint32(d[len(d)-4:], 1<<30)
			return d
		}},
		{"index missing", func(d []byte) []byte { return nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := testOptions(t, dir, smallConfig())
			l := openTestLog(t, opts)
			for i := range 40 {
				mustAppend(t, l, buildBatch(plainBatch(3, int64(i))), 0)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			segs := layoutOf(t, dir)
			index := segmentPath(dir, segs[0].base, indexSuffix)
			good, _ := os.ReadFile(index)
			original := append([]byte(nil), good...)
			if len(good) < 16 {
				t.Fatalf("index too small to corrupt: %d bytes", len(good))
			}
			if damaged := c.corrupt(good); damaged == nil {
				os.Remove(index)
			} else {
				patchFile(t, index, func([]byte) []byte { return damaged })
			}
			opts.CleanShutdown = true
			l2 := openTestLog(t, opts)
			defer l2.Close()
			// Read every offset of the damaged segment.
			for off := segs[0].base; off < segs[1].base; off++ {
				res, err := l2.Read(off, 1000, l2.EndOffset(), true)
				if err != nil {
					t.Fatal(err)
				}
				hs := headers(t, res.Records)
				if len(hs) == 0 || hs[0].BaseOffset > off || hs[0].LastOffset() < off {
					t.Fatalf("read at %d got %s", off, describe(hs))
				}
			}
			if r := l2.Recovery(); len(r.IndexRebuilds) != 1 {
				t.Fatalf("index rebuilds %v", r.IndexRebuilds)
			}
			rebuilt, _ := os.ReadFile(index)
			if string(rebuilt) != string(original) {
				t.Fatalf("rebuilt index differs from the original (%d vs %d bytes)", len(rebuilt), len(original))
			}
		})
	}
}
