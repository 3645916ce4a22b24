package record

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func writeFrames(t *testing.T, frames ...[]Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, f := range frames {
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func readAll(r *Reader) ([][]Record, error) {
	var out [][]Record
	for {
		recs, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, recs)
	}
}

func TestStreamRoundTrip(t *testing.T) {
	var all []Record
	for _, s := range samples {
		all = append(all, s.rec)
	}
	frames := [][]Record{all, {&NoOp{}}, nil, all[:3]}
	got, err := readAll(NewReader(bytes.NewReader(writeFrames(t, frames...)), 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(frames) {
		t.Fatalf("read %d frames, wrote %d", len(got), len(frames))
	}
	for i := range frames {
		if len(frames[i]) == 0 && len(got[i]) == 0 {
			continue
		}
		if !reflect.DeepEqual(got[i], frames[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestStreamCorruption(t *testing.T) {
	good := writeFrames(t, []Record{&Topic{Name: "a", TopicID: topicID}}, []Record{&NoOp{}})
	flipped := bytes.Clone(good)
	flipped[8] ^= 0x40 // inside the first payload
	tests := []struct {
		name      string
		data      []byte
		maxFrame  int
		wantFrame int // frames read before the error
		wantErr   func(error) bool
		mentions  string
	}{
		{"cut inside header", good[:3], 0, 0, isUnexpectedEOF, "frame checksum"},
		{"cut inside payload", good[:10], 0, 0, isUnexpectedEOF, "frame payload"},
		{"cut inside second frame", good[:len(good)-1], 0, 1, isUnexpectedEOF, "frame payload"},
		{"checksum mismatch", flipped, 0, 0, isFormatError, "checksum mismatch"},
		{"frame over limit", good, 4, 0, isFormatError, "exceeds limit 4"},
		{"length overflow", bytes.Repeat([]byte{0xff}, 11), 0, 0, isFormatError, "overflows"},
		{"huge length, short stream", append([]byte{0xff, 0xff, 0xff, 0x1f}, 0, 0, 0, 0, 1), 1 << 30, 0, isUnexpectedEOF, "frame payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := readAll(NewReader(bytes.NewReader(tt.data), tt.maxFrame))
			if len(frames) != tt.wantFrame {
				t.Errorf("read %d good frames, want %d", len(frames), tt.wantFrame)
			}
			if err == nil || !tt.wantErr(err) || !strings.Contains(err.Error(), tt.mentions) {
				t.Fatalf("got error %v, want one mentioning %q", err, tt.mentions)
			}
		})
	}
}

func isUnexpectedEOF(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }

func isFormatError(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe)
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestStreamWriteErrors(t *testing.T) {
	for after := 0; after < 2; after++ {
		err := NewWriter(&failingWriter{after: after}).Write([]Record{&NoOp{}})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("after %d writes: got %v", after, err)
		}
	}
}
