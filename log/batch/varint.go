package batch

// Records use zig-zag varints (protobuf's sint32/sint64 encoding) for every
// length and delta. Decoding is strict: an int32 takes at most 5 bytes and
// an int64 at most 10, and the last byte may not carry bits beyond the
// type's width, so every value has exactly one accepted longest form.
// Kafka's own reader silently drops such excess bits; no client writes
// them, and rejecting them keeps a batch's meaning unambiguous.

const (
	maxVarint32Len = 5
	maxVarint64Len = 10
)

// readVarint32 decodes the zig-zag varint at b[p:]. It returns the value
// and the position after it; ok is false if b ends first or the encoding is
// too long.
func readVarint32(b []byte, p int) (v int32, next int, ok bool) {
	if p < len(b) && b[p] < 0x80 {
		u := uint32(b[p])
		return int32(u>>1) ^ -int32(u&1), p + 1, true
	}
	var u uint32
	for i := 0; i < maxVarint32Len; i++ {
		if p+i >= len(b) {
			return 0, p, false
		}
		c := b[p+i]
		if i == maxVarint32Len-1 && c > 0x0f {
			return 0, p, false
		}
		u |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int32(u>>1) ^ -int32(u&1), p + i + 1, true
		}
	}
	return 0, p, false
}

// readVarint64 decodes the zig-zag varlong at b[p:], like readVarint32.
func readVarint64(b []byte, p int) (v int64, next int, ok bool) {
	if p < len(b) && b[p] < 0x80 {
		u := uint64(b[p])
		return int64(u>>1) ^ -int64(u&1), p + 1, true
	}
	var u uint64
	for i := 0; i < maxVarint64Len; i++ {
		if p+i >= len(b) {
			return 0, p, false
		}
		c := b[p+i]
		if i == maxVarint64Len-1 && c > 0x01 {
			return 0, p, false
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), p + i + 1, true
		}
	}
	return 0, p, false
}

func appendVarint32(dst []byte, v int32) []byte {
	return appendUvarint(dst, uint64(uint32(v<<1)^uint32(v>>31)))
}

func appendVarint64(dst []byte, v int64) []byte {
	return appendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func appendUvarint(dst []byte, u uint64) []byte {
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

func varint32Len(v int32) int { return uvarintLen(uint64(uint32(v<<1) ^ uint32(v>>31))) }

func varint64Len(v int64) int { return uvarintLen(uint64(v<<1) ^ uint64(v>>63)) }

func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
