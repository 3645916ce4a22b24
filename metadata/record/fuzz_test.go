package record

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics on arbitrary bytes, and that
// whatever it accepts re-encodes to bytes that decode to the same records.
func FuzzDecode(f *testing.F) {
	for _, s := range samples {
		f.Add(Encode([]Record{s.rec}))
	}
	var all []Record
	for _, s := range samples {
		all = append(all, s.rec)
	}
	f.Add(Encode(all))
	f.Add([]byte{entryFormat, 1, byte(TypeTopic), 1, 3, 0, 1, 2})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Decode(Encode(recs))
		if err != nil {
			t.Fatalf("re-encoded entry does not decode: %v", err)
		}
		if !reflect.DeepEqual(recs, again) {
			t.Fatalf("re-encode changed records:\n%#v\n%#v", recs, again)
		}
	})
}

// FuzzReader checks that the snapshot stream reader never panics and stops
// with an error or io.EOF on arbitrary bytes.
func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, s := range samples {
		_ = w.Write([]Record{s.rec})
	}
	f.Add(buf.Bytes())
	f.Add([]byte{0x05, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 1<<16)
		// Every frame takes at least 6 bytes (length, checksum, format, count).
		for frames := 0; ; frames++ {
			if frames > len(data)/6 {
				t.Fatalf("read %d frames from %d bytes", frames, len(data))
			}
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}
