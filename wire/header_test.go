package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseRequestHeader(t *testing.T) {
	base := header(3, 4, 7, "cli") // key 3, version 4, correlation 7
	tests := []struct {
		name       string
		frame      []byte
		flexible   bool
		wantErr    bool
		wantClient string
		wantNull   bool
		wantBody   []byte
	}{
		{name: "v1", frame: append(append([]byte{}, base...), 9, 9), wantClient: "cli", wantBody: []byte{9, 9}},
		{name: "v2 no tags", frame: append(append([]byte{}, base...), 0, 9), flexible: true, wantClient: "cli", wantBody: []byte{9}},
		{name: "v2 with tags", frame: append(append([]byte{}, base...), 2, 0, 1, 'x', 5, 2, 'y', 'z', 9), flexible: true, wantClient: "cli", wantBody: []byte{9}},
		{name: "null client id", frame: []byte{0, 3, 0, 4, 0, 0, 0, 7, 0xff, 0xff, 9}, wantNull: true, wantBody: []byte{9}},
		{name: "empty client id", frame: []byte{0, 3, 0, 4, 0, 0, 0, 7, 0, 0}, wantBody: []byte{}},
		{name: "controlled shutdown v0 has no client id", frame: []byte{0, 7, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1}, wantNull: true, wantBody: []byte{0, 0, 0, 1}},
		{name: "short", frame: []byte{0, 3, 0, 4, 0, 0, 0}, wantErr: true},
		{name: "no client id length", frame: []byte{0, 3, 0, 4, 0, 0, 0, 7, 0}, wantErr: true},
		{name: "client id overruns", frame: []byte{0, 3, 0, 4, 0, 0, 0, 7, 0, 9, 'a'}, wantErr: true},
		{name: "v2 missing tag section", frame: base, flexible: true, wantErr: true},
		{name: "v2 tag count overruns", frame: append(append([]byte{}, base...), 0xff, 0xff, 0xff, 0xff, 0x0f), flexible: true, wantErr: true},
		{name: "v2 tag size overruns", frame: append(append([]byte{}, base...), 1, 0, 10, 'x'), flexible: true, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseRequestHeader(tc.frame, tc.flexible)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformedRequest) {
					t.Fatalf("err = %v, want ErrMalformedRequest", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.clientIDNull != tc.wantNull || string(h.clientID) != tc.wantClient {
				t.Fatalf("client id %q null=%v", h.clientID, h.clientIDNull)
			}
			if !bytes.Equal(h.body, tc.wantBody) {
				t.Fatalf("body % x, want % x", h.body, tc.wantBody)
			}
			if h.correlationID != 7 {
				t.Fatalf("correlation id %d", h.correlationID)
			}
		})
	}
}

func TestAppendResponseHeader(t *testing.T) {
	for _, tc := range []struct {
		key      int16
		flexible bool
		want     []byte
	}{
		{3, false, []byte{0, 0, 1, 2}},
		{3, true, []byte{0, 0, 1, 2, 0}},
		{18, true, []byte{0, 0, 1, 2}}, // ApiVersions: always header v0
	} {
		if got := appendResponseHeader(nil, tc.key, 0x102, tc.flexible); !bytes.Equal(got, tc.want) {
			t.Errorf("key %d flexible %v: % x, want % x", tc.key, tc.flexible, got, tc.want)
		}
	}
}

// FuzzRequestHeader: header parsing never panics, and a parsed header's
// body is a suffix of the frame.
func FuzzRequestHeader(f *testing.F) {
	f.Add(header(3, 12, 1, "client"), true)
	f.Add(append(header(0, 9, 1, ""), 0, 1, 2), true)
	f.Add([]byte{0, 7, 0, 0, 0, 0, 0, 1}, false)
	f.Add(append(header(18, 3, 1, "c"), 0xff, 0xff, 0xff, 0xff, 0x0f), true)
	f.Fuzz(func(t *testing.T, frame []byte, flexible bool) {
		h, err := parseRequestHeader(frame, flexible)
		if err != nil {
			return
		}
		if !bytes.HasSuffix(frame, h.body) || len(h.body) > len(frame)-minFrameSize {
			t.Fatalf("body is not a suffix of the frame")
		}
	})
}
