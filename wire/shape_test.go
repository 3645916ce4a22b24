package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func allShapes(t testing.TB) *bodyShapes {
	t.Helper()
	shapes, err := deriveBodyShapes()
	if err != nil {
		t.Fatal(err)
	}
	return shapes
}

// TestShapesMatchKmsgEncoding: for every request kmsg knows, at every
// version, requests filled with random values (random array lengths, nulls,
// nested structs) encode to bytes that walk exactly to their end, and kmsg
// decodes them. This is what makes the walk a faithful preview of kmsg's
// decoder.
func TestShapesMatchKmsgEncoding(t *testing.T) {
	shapes := allShapes(t)
	rng := rand.New(rand.NewPCG(1, 2))
	pairs := 0
	for key := int16(0); key < maxProbeKey; key++ {
		proto := kmsg.RequestForKey(key)
		if proto == nil {
			continue
		}
		for v := int16(0); v <= proto.MaxVersion(); v++ {
			pairs++
			s := shapes.lookup(key, v)
			if s == nil {
				t.Fatalf("%s v%d: no shape", kmsg.NameForKey(key), v)
			}
			for i := 0; i < 25; i++ {
				req := kmsg.RequestForKey(key)
				fillRandom(rng, reflect.ValueOf(req).Elem(), true, 0)
				req.SetVersion(v)
				body := req.AppendTo(nil)
				n, ok := walkBody(s, body, req.IsFlexible())
				if !ok || n != len(body) {
					t.Fatalf("%s v%d: walk ok=%v used %d of %d bytes", kmsg.NameForKey(key), v, ok, n, len(body))
				}
				back := kmsg.RequestForKey(key)
				back.SetVersion(v)
				if err := back.ReadFrom(body); err != nil {
					t.Fatalf("%s v%d: kmsg cannot decode its own encoding: %v", kmsg.NameForKey(key), v, err)
				}
				if len(body) > 0 && checkBody(s, body[:len(body)-1], req.IsFlexible()) {
					t.Fatalf("%s v%d: truncated body passed", kmsg.NameForKey(key), v)
				}
			}
		}
	}
	if pairs < 300 {
		t.Fatalf("only %d key/version pairs checked", pairs)
	}
}

// fillRandom fills v with random values: arrays of 0-3 elements, strings
// and byte slices sometimes nil.
func fillRandom(rng *rand.Rand, v reflect.Value, top bool, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			switch {
			case f.Type == tagsType && rng.IntN(4) == 0:
				// A tag no version defines, as a newer client may send.
				tags := v.Field(i).Addr().Interface().(*kmsg.Tags)
				tags.Set(uint32(10000+rng.IntN(100)), []byte(randomString(rng)))
			case !skipField(f, top):
				fillRandom(rng, v.Field(i), false, depth+1)
			}
		}
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64() >> rng.IntN(64))
	case reflect.Uint16, reflect.Uint32:
		v.SetUint(rng.Uint64() >> rng.IntN(64))
	case reflect.Float64:
		v.SetFloat(rng.Float64())
	case reflect.String:
		v.SetString(randomString(rng))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			v.Index(i).SetUint(uint64(rng.IntN(256)))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if rng.IntN(4) > 0 {
				v.SetBytes([]byte(randomString(rng)))
			}
			return
		}
		n := rng.IntN(4)
		if depth > 6 {
			n = 0
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fillRandom(rng, v.Index(i), false, depth+1)
		}
	case reflect.Ptr:
		if rng.IntN(4) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fillRandom(rng, v.Elem(), false, depth+1)
	}
}

func randomString(rng *rand.Rand) string {
	b := make([]byte, rng.IntN(8))
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return string(b)
}

// TestHostileBodies: inputs that make kmsg spin or over-allocate are
// refused by the walk.
func TestHostileBodies(t *testing.T) {
	shapes := allShapes(t)
	uv := func(u uint64) []byte { return binary.AppendUvarint(nil, u) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name         string
		key, version int16
		body         []byte
	}{
		// ApiVersions v3: two empty compact strings, then 2^32-1 tags
		// with nothing behind them (kmsg loops ~4e9 times).
		{"tag count beyond input", 18, 3, cat([]byte{1, 1}, uv(1<<32-1))},
		{"tag size beyond input", 18, 3, cat([]byte{1, 1}, uv(1), uv(0), uv(1000), []byte{1, 2})},
		// Metadata v12: a topic array claiming more elements than bytes.
		{"compact array count beyond input", 3, 12, cat(uv(1<<24), []byte{0, 0, 0})},
		// Metadata v4: a non-flexible array claiming 2^31-1 topics.
		{"array count beyond input", 3, 4, []byte{0x7f, 0xff, 0xff, 0xff, 0, 1}},
		// Produce v3: one topic claiming a million partitions, backed
		// by a few bytes.
		{"nested array count", 0, 3, cat([]byte{0xff, 0xff, 0, 1, 0, 0, 0, 0}, []byte{0, 0, 0, 1, 0, 1, 't'}, []byte{0, 0x0f, 0x42, 0x40}, make([]byte, 16))},
		// Produce v9: records length overrunning the frame.
		{"bytes length beyond input", 0, 9, cat([]byte{0}, []byte{0, 1, 0, 0, 0, 0}, uv(2), uv(2), []byte{'t'}, uv(2), []byte{0, 0, 0, 0}, uv(1<<20))},
		{"uvarint overflow", 18, 3, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"empty flexible body", 18, 3, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := kmsg.RequestForKey(tc.key)
			req.SetVersion(tc.version)
			if checkBody(shapes.lookup(tc.key, tc.version), tc.body, req.IsFlexible()) {
				t.Fatal("hostile body passed the walk")
			}
		})
	}
}

// TestWalkAllowsTrailingBytes: Kafka ignores bytes after a request body
// (newer clients may append fields an older broker does not know), so the
// walk does too.
func TestWalkAllowsTrailingBytes(t *testing.T) {
	shapes := allShapes(t)
	req := metadataRequest(4, "a")
	body := append(req.AppendTo(nil), 0xde, 0xad)
	n, ok := walkBody(shapes.lookup(3, 4), body, false)
	if !ok || n != len(body)-2 {
		t.Fatalf("walk ok=%v used %d of %d", ok, n, len(body))
	}
}

func TestReadUvarint32(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint32
		n    int
	}{
		{[]byte{0}, 0, 1},
		{[]byte{0x7f}, 127, 1},
		{[]byte{0x80, 0x01}, 128, 2},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, 5},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x10}, 0, 0}, // overflows 32 bits
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 0, 0},
		{[]byte{0x80}, 0, 0},
		{nil, 0, 0},
	} {
		got, n := readUvarint32(tc.in)
		if got != tc.want || n != tc.n {
			t.Errorf("readUvarint32(% x) = %d, %d; want %d, %d", tc.in, got, n, tc.want, tc.n)
		}
	}
	for _, u := range []uint64{0, 1, 300, 1 << 21, 1<<32 - 1} {
		got, n := readUvarint32(binary.AppendUvarint(nil, u))
		if uint64(got) != u || n != len(binary.AppendUvarint(nil, u)) {
			t.Errorf("round trip %d = %d (%d bytes)", u, got, n)
		}
	}
}
