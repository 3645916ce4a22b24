package log

import "testing"

func TestAppendRing(t *testing.T) {
	// ring(n) holds batches k = 1..n of one offset each in a segment based
	// at 100: batch k is offset 99+k, ends at byte 10k, and starts exactly
	// where batch k-1 ended except batch 5 (a gap before it).
	ring := func(n int) *appendRing {
		r := newAppendRing(100, true)
		for k := 1; k <= n; k++ {
			r.push(100+int64(k), int64(10*k), k != 5)
		}
		return r
	}
	full := 3 * appendRingSize
	tests := []struct {
		name      string
		r         *appendRing
		next      int64
		want      ringHit
		wantFound bool
	}{
		{"the newest entry has no following batch", ring(10), 110, ringHit{end: 100}, true},
		{"an entry with the batch after it", ring(10), 105, ringHit{end: 50, following: true, followingSize: 10}, true},
		{"the batch after it follows a gap", ring(10), 104, ringHit{end: 40}, true},
		{"the segment's base, from the first batch", ring(10), 100, ringHit{end: 0, following: true, followingSize: 10}, true},
		{"the base of a ring that did not start with the segment", newAppendRing(100, false), 100, ringHit{}, false},
		{"beyond the newest entry", ring(10), 111, ringHit{}, false},
		{"below the base", ring(10), 99, ringHit{}, false},
		{"an empty ring", newAppendRing(100, true), 101, ringHit{}, false},
		// The slot of the oldest of the last appendRingSize entries is the
		// next to be rewritten, so it no longer counts.
		{"the oldest entry still held", ring(full), 100 + int64(full-appendRingSize+2), ringHit{end: int64(10 * (full - appendRingSize + 2)), following: true, followingSize: 10}, true},
		{"the oldest slot, next to be rewritten", ring(full), 100 + int64(full-appendRingSize+1), ringHit{}, false},
		{"the base once entry 0 is recycled", ring(full), 100, ringHit{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := tt.r.lookup(tt.next)
			if found != tt.wantFound || got != tt.want {
				t.Fatalf("lookup(%d) = %+v, %t; want %+v, %t", tt.next, got, found, tt.want, tt.wantFound)
			}
		})
	}
}

func TestAppendRingUnencodableEntries(t *testing.T) {
	r := newAppendRing(0, false)
	r.push(10, 100, true)
	r.push(1<<31, 200, true) // a next offset too far from the base for 31 bits
	r.push(1<<31+5, 300, true)
	r.push(1<<31+6, 1<<33, true) // a position beyond 32 bits
	if hit, ok := r.lookup(10); !ok || hit != (ringHit{end: 100}) {
		t.Fatalf("entry before an unencodable one: %+v, %t", hit, ok)
	}
	for _, next := range []int64{1 << 31, 1<<31 + 5, 1<<31 + 6} {
		if hit, ok := r.lookup(next); ok {
			t.Fatalf("lookup(%d) found %+v", next, hit)
		}
	}
}
