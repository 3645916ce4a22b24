package wire

import "testing"

func TestFrameClass(t *testing.T) {
	for _, tc := range []struct{ n, class int }{
		{1, 0}, {1024, 0}, {1025, 1}, {2048, 1}, {1 << 20, 10}, {1<<20 + 1, 11},
		{1 << maxFrameClassShift, numFrameClasses - 1}, {1<<maxFrameClassShift + 1, -1},
	} {
		if got := frameClass(tc.n); got != tc.class {
			t.Errorf("frameClass(%d) = %d, want %d", tc.n, got, tc.class)
		}
	}
}

func TestFramePoolReuse(t *testing.T) {
	var p framePool
	fb := p.get(3000)
	if len(fb.buf) != 3000 || cap(fb.buf) != 4096 {
		t.Fatalf("len %d cap %d", len(fb.buf), cap(fb.buf))
	}
	p.put(fb)
	if again := p.get(2500); len(again.buf) != 2500 || cap(again.buf) != 4096 {
		t.Fatalf("len %d cap %d", len(again.buf), cap(again.buf))
	}
	if p.get(1<<maxFrameClassShift+1) != nil {
		t.Fatal("an oversize frame was pooled")
	}
	p.put(nil) // no-op
}

func TestFramePoolGetDoesNotAllocateWhenWarm(t *testing.T) {
	var p framePool
	p.put(p.get(1 << 20))
	allocs := testing.AllocsPerRun(100, func() { p.put(p.get(1 << 20)) })
	if allocs > 0 {
		t.Fatalf("%v allocations per get/put of a warm class", allocs)
	}
}
