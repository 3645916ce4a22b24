package wire

import (
	"math/bits"
	"sync"
)

// Frame buffers. Produce frames (the large, hot ones) come from a pool of
// power-of-two size classes and go back to it once the request's reply has
// been written: Produce records are decoded by kmsg as sub-slices of the
// frame, so the bytes must stay untouched until then, and no longer. Other
// requests' frames are ordinary allocations owned by the garbage collector,
// so handlers of those APIs (JoinGroup metadata, SyncGroup assignments, ...)
// cannot be bitten by a recycled buffer.
const (
	minFrameClassShift = 10 // 1 KiB
	maxFrameClassShift = 23 // 8 MiB: larger frames are not pooled
	numFrameClasses    = maxFrameClassShift - minFrameClassShift + 1

	// eagerFrameBytes: frames up to this size get their whole buffer at
	// once; larger ones grow as their bytes arrive, so a peer that claims
	// a 100 MiB frame and sends little costs little.
	eagerFrameBytes = 1 << 20
	// frameChunkBytes is how much of a large frame is read between
	// activity updates.
	frameChunkBytes = 1 << 20
)

// frameBuffer is a pooled frame; class indexes framePool.classes.
type frameBuffer struct {
	buf   []byte
	class int
}

// framePool hands out frame buffers by size class. The zero value is ready.
type framePool struct {
	classes [numFrameClasses]sync.Pool
}

// frameClass returns the class whose buffers hold n bytes, or -1 if n is
// too large to pool.
func frameClass(n int) int {
	if n <= 1<<minFrameClassShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minFrameClassShift
	if c >= numFrameClasses {
		return -1
	}
	return c
}

// get returns a buffer of length n, or nil if n is too large to pool.
func (p *framePool) get(n int) *frameBuffer {
	c := frameClass(n)
	if c < 0 {
		return nil
	}
	if fb, ok := p.classes[c].Get().(*frameBuffer); ok {
		fb.buf = fb.buf[:n]
		return fb
	}
	return &frameBuffer{buf: make([]byte, n, 1<<(c+minFrameClassShift)), class: c}
}

// put returns fb to the pool; fb must not be used afterwards. nil is a no-op.
func (p *framePool) put(fb *frameBuffer) {
	if fb == nil {
		return
	}
	p.classes[fb.class].Put(fb)
}
