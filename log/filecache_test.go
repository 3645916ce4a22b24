package log

import (
	"testing"
)

func TestFileCacheBoundsOpenSegmentFiles(t *testing.T) {
	cache := NewFileCache(2)
	dir := t.TempDir()
	opts := testOptions(t, dir, smallConfig())
	opts.Files = cache
	l := openTestLog(t, opts)
	defer l.Close()
	for i := range 60 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	if l.NumSegments() < 4 {
		t.Fatalf("need several segments, have %d", l.NumSegments())
	}
	readAll(t, l)
	if n := cache.Open(); n > 2 {
		t.Fatalf("%d files open with capacity 2", n)
	}
	if _, fds := openResources(t, dir); fds > 2 {
		t.Fatalf("%d descriptors open with capacity 2", fds)
	}
	// A file in use is never closed under its user.
	segs := l.segments
	f, err := segs[0].file.acquire()
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, l)
	buf := make([]byte, 10)
	if _, err := f.ReadAt(buf, 0); err != nil {
		t.Fatalf("acquired file closed by eviction: %v", err)
	}
	segs[0].file.release()
	readAll(t, l)
	if segs[0].file.isOpen() && cache.Open() > 2 {
		t.Fatalf("released file not evicted: %d open", cache.Open())
	}
}
