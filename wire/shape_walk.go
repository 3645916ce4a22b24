package wire

import "encoding/binary"

// checkBody reports whether body is a well-formed encoding of s: every
// length fits in the bytes that follow it, every array count is backed by
// that many elements, and every tagged section holds as many tags as it
// claims. Trailing bytes after the body are allowed, as Kafka and kmsg
// ignore them.
//
// It reads lengths exactly as kmsg does, so a body that passes decodes in
// kmsg without running past its end; lengths that kmsg rejects but this walk
// tolerates (a negative length on a non-nullable string) only make kmsg stop
// early, which is harmless. The walk allocates nothing and its work is
// bounded by len(body): each array element and each tag consumes input.
func checkBody(s *shape, body []byte, flexible bool) bool {
	_, ok := walkBody(s, body, flexible)
	return ok
}

// walkBody walks body against s and returns how many bytes the body used.
func walkBody(s *shape, body []byte, flexible bool) (int, bool) {
	w := shapeWalker{buf: body, flexible: flexible}
	if !w.structure(s) {
		return 0, false
	}
	return len(body) - len(w.buf), true
}

type shapeWalker struct {
	buf      []byte
	flexible bool
}

func (w *shapeWalker) value(s *shape) bool {
	switch s.kind {
	case shapeFixed:
		return w.skip(s.size)
	case shapeString:
		return w.lengthPrefixed(2)
	case shapeBytes:
		return w.lengthPrefixed(4)
	case shapeArray:
		return w.array(s)
	case shapeStruct:
		return w.structure(s)
	case shapeNullableStruct:
		if len(w.buf) < 1 {
			return false
		}
		present := int8(w.buf[0])
		w.buf = w.buf[1:]
		return present == -1 || w.structure(s)
	}
	return false
}

func (w *shapeWalker) structure(s *shape) bool {
	for _, f := range s.fields {
		if !w.value(f) {
			return false
		}
	}
	if !w.flexible {
		return true
	}
	return w.tags(s.tagged)
}

// tags walks a tagged-field section. Known tags are walked against their
// shape inside their own bytes, as kmsg decodes them; unknown ones are
// skipped.
func (w *shapeWalker) tags(known map[uint32]*shape) bool {
	n, ok := w.uvarint()
	if !ok {
		return false
	}
	for ; n > 0; n-- {
		key, ok1 := w.uvarint()
		size, ok2 := w.uvarint()
		if !ok1 || !ok2 || int(size) > len(w.buf) {
			return false
		}
		span := w.buf[:size]
		w.buf = w.buf[size:]
		if s := known[key]; s != nil {
			inner := shapeWalker{buf: span, flexible: w.flexible}
			if !inner.value(s) {
				return false
			}
		}
	}
	return true
}

func (w *shapeWalker) array(s *shape) bool {
	var count int32
	if w.flexible {
		u, ok := w.uvarint()
		if !ok {
			return false
		}
		count = int32(u) - 1 // kmsg's arithmetic: huge values wrap to "null"
	} else {
		if len(w.buf) < 4 {
			return false
		}
		count = int32(binary.BigEndian.Uint32(w.buf))
		w.buf = w.buf[4:]
	}
	if count <= 0 {
		return true // null or empty
	}
	if int(count) > len(w.buf) {
		return false // kmsg assumes at least a byte per element
	}
	for ; count > 0; count-- {
		if !w.value(s.elem) {
			return false
		}
	}
	return true
}

// lengthPrefixed skips a string (width 2) or bytes (width 4), or the compact
// form of either in flexible versions. Negative lengths mean null.
func (w *shapeWalker) lengthPrefixed(width int) bool {
	var n int64
	switch {
	case w.flexible:
		u, ok := w.uvarint()
		if !ok {
			return false
		}
		n = int64(u) - 1
	case len(w.buf) < width:
		return false
	case width == 2:
		n = int64(int16(binary.BigEndian.Uint16(w.buf)))
		w.buf = w.buf[2:]
	default:
		n = int64(int32(binary.BigEndian.Uint32(w.buf)))
		w.buf = w.buf[4:]
	}
	if n < 0 {
		return true
	}
	return w.skip64(n)
}

func (w *shapeWalker) skip(n int) bool { return w.skip64(int64(n)) }

func (w *shapeWalker) skip64(n int64) bool {
	if n > int64(len(w.buf)) {
		return false
	}
	w.buf = w.buf[n:]
	return true
}

func (w *shapeWalker) uvarint() (uint32, bool) {
	u, n := readUvarint32(w.buf)
	if n == 0 {
		return 0, false
	}
	w.buf = w.buf[n:]
	return u, true
}

// readUvarint32 decodes Kafka's unsigned varint as a 32-bit value: at most
// five bytes, the fifth holding only the top four bits. It returns n == 0 if
// the input is short or the value overflows 32 bits.
func readUvarint32(b []byte) (uint32, int) {
	var x uint32
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		if i == 4 {
			if c > 0x0f {
				return 0, 0
			}
			return x | uint32(c)<<28, 5
		}
		x |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return x, i + 1
		}
	}
	return 0, 0
}
