package batch

import (
	"encoding/binary"
	"math"
	"testing"
)

// Our zig-zag varints are the standard ones: Go's encoding/binary (which
// kmsg and the Java client agree with) decodes what we write, and we decode
// what it writes.
func TestVarintsMatchEncodingBinary(t *testing.T) {
	values := []int64{0, 1, -1, 63, -64, 64, -65, 300, -300, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 1 << 40, -(1 << 40)}
	for _, v := range values {
		std := binary.AppendVarint(nil, v)
		got, n, ok := readVarint64(std, 0)
		if !ok || got != v || n != len(std) {
			t.Errorf("readVarint64(%d): %d %d %v", v, got, n, ok)
		}
		if enc := appendVarint64(nil, v); string(enc) != string(std) || varint64Len(v) != len(std) {
			t.Errorf("appendVarint64(%d) = %x, want %x", v, enc, std)
		}
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			got32, n, ok := readVarint32(std, 0)
			if !ok || int64(got32) != v || n != len(std) {
				t.Errorf("readVarint32(%d): %d %d %v", v, got32, n, ok)
			}
			if enc := appendVarint32(nil, int32(v)); string(enc) != string(std) || varint32Len(int32(v)) != len(std) {
				t.Errorf("appendVarint32(%d) = %x, want %x", v, enc, std)
			}
		}
	}
}

func TestVarintRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		is64 bool
	}{
		{"empty", nil, false},
		{"continuation at end", []byte{0x80}, false},
		{"int32 of six bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, false},
		{"int32 fifth byte beyond 32 bits", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, false},
		{"int64 of eleven bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, true},
		{"int64 tenth byte beyond 64 bits", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, true},
	} {
		var ok bool
		if tc.is64 {
			_, _, ok = readVarint64(tc.in, 0)
		} else {
			_, _, ok = readVarint32(tc.in, 0)
		}
		if ok {
			t.Errorf("%s accepted", tc.name)
		}
	}
	// The longest legal forms are accepted.
	if v, _, ok := readVarint32([]byte{0xfe, 0xff, 0xff, 0xff, 0x0f}, 0); !ok || v != math.MaxInt32 {
		t.Errorf("max int32: %d %v", v, ok)
	}
	if v, _, ok := readVarint64([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 0); !ok || v != math.MinInt64 {
		t.Errorf("min int64: %d %v", v, ok)
	}
}
