package record

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FormatError reports bytes that are not a well-formed metadata entry,
// record or stream frame.
type FormatError struct {
	Offset int    // byte offset in the entry (or stream) where decoding failed
	Reason string // what was wrong
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("metadata record: malformed at byte %d: %s", e.Offset, e.Reason)
}

// The helpers below append one field each; decoder reads them back.

func appendInt(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }
func appendUint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendString(b []byte, s string) []byte {
	b = appendUint(b, uint64(len(s)))
	return append(b, s...)
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return appendUint(b, 0)
	}
	b = appendUint(b, uint64(len(*s))+1)
	return append(b, *s...)
}

func appendInt32s(b []byte, vs []int32) []byte {
	b = appendUint(b, uint64(len(vs)))
	for _, v := range vs {
		b = appendInt(b, int64(v))
	}
	return b
}

// appendNullableInt32s writes nil as null and a non-nil empty slice as an
// empty array; the two mean different things in PartitionChange.
func appendNullableInt32s(b []byte, vs []int32) []byte {
	if vs == nil {
		return appendUint(b, 0)
	}
	b = appendUint(b, uint64(len(vs))+1)
	for _, v := range vs {
		b = appendInt(b, int64(v))
	}
	return b
}

func appendUUID(b []byte, u UUID) []byte { return append(b, u[:]...) }

// decoder reads fields from buf[pos:]. The first error sticks: later reads
// return zero values, so body decoders read straight through and check
// d.err once at the end.
type decoder struct {
	buf  []byte
	pos  int
	base int // offset of buf[0] in the whole input, for error messages
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &FormatError{Offset: d.base + d.pos, Reason: fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		d.fail("bad uvarint for %s", what)
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.pos:])
	if n <= 0 {
		d.fail("bad varint for %s", what)
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) int64(what string) int64 { return d.varint(what) }

func (d *decoder) intRange(what string, lo, hi int64) int64 {
	v := d.varint(what)
	if d.err == nil && (v < lo || v > hi) {
		d.fail("%s %d out of range", what, v)
		return 0
	}
	return v
}

func (d *decoder) int32(what string) int32 {
	return int32(d.intRange(what, math.MinInt32, math.MaxInt32))
}

func (d *decoder) int16(what string) int16 {
	return int16(d.intRange(what, math.MinInt16, math.MaxInt16))
}

func (d *decoder) int8(what string) int8 {
	return int8(d.intRange(what, math.MinInt8, math.MaxInt8))
}

func (d *decoder) uint16(what string) uint16 {
	v := d.uvarint(what)
	if d.err == nil && v > math.MaxUint16 {
		d.fail("%s %d out of range", what, v)
		return 0
	}
	return uint16(v)
}

func (d *decoder) bool(what string) bool {
	if d.err != nil {
		return false
	}
	if d.remaining() < 1 {
		d.fail("short %s", what)
		return false
	}
	v := d.buf[d.pos]
	if v > 1 {
		d.fail("bad bool %d for %s", v, what)
		return false
	}
	d.pos++
	return v == 1
}

// length reads a length or count and checks it against the bytes left,
// assuming each element takes at least minSize bytes, so a hostile length
// can never make the caller allocate more than the input's size.
func (d *decoder) length(what string, minSize int) int {
	n := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if n > uint64(d.remaining()/minSize) {
		d.fail("%s %d exceeds remaining %d bytes", what, n, d.remaining())
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(n int) []byte {
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *decoder) string(what string) string {
	n := d.length(what+" length", 1)
	if d.err != nil {
		return ""
	}
	return string(d.bytes(n))
}

func (d *decoder) nullableString(what string) *string {
	n := d.uvarint(what + " length")
	if d.err != nil || n == 0 {
		return nil
	}
	if n-1 > uint64(d.remaining()) {
		d.fail("%s length %d exceeds remaining %d bytes", what, n-1, d.remaining())
		return nil
	}
	s := string(d.bytes(int(n - 1)))
	return &s
}

func (d *decoder) int32s(what string) []int32 {
	n := d.length(what+" count", 1)
	return d.int32Elems(what, n)
}

func (d *decoder) nullableInt32s(what string) []int32 {
	n := d.uvarint(what + " count")
	if d.err != nil || n == 0 {
		return nil
	}
	if n-1 > uint64(d.remaining()) {
		d.fail("%s count %d exceeds remaining %d bytes", what, n-1, d.remaining())
		return nil
	}
	vs := d.int32Elems(what, int(n-1))
	if vs == nil && d.err == nil {
		vs = []int32{}
	}
	return vs
}

func (d *decoder) int32Elems(what string, n int) []int32 {
	if d.err != nil || n == 0 {
		return nil
	}
	vs := make([]int32, n)
	for i := range vs {
		vs[i] = d.int32(what)
	}
	if d.err != nil {
		return nil
	}
	return vs
}

func (d *decoder) uuid(what string) UUID {
	var u UUID
	if d.err != nil {
		return u
	}
	if d.remaining() < len(u) {
		d.fail("short %s", what)
		return u
	}
	copy(u[:], d.bytes(len(u)))
	return u
}
