package record

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestUUIDStringParse(t *testing.T) {
	tests := []struct {
		id   UUID
		want string
	}{
		{ZeroUUID, "AAAAAAAAAAAAAAAAAAAAAA"},
		{MetadataTopicID, "AAAAAAAAAAAAAAAAAAAAAQ"},
		{UUID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "_____________________w"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("String(%x) = %q, want %q", tt.id[:], got, tt.want)
		}
		back, err := ParseUUID(tt.want)
		if err != nil || back != tt.id {
			t.Errorf("ParseUUID(%q) = %x, %v", tt.want, back[:], err)
		}
	}
}

func TestParseUUIDRejects(t *testing.T) {
	for _, s := range []string{"", "short", "AAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAB"} {
		if _, err := ParseUUID(s); err == nil {
			t.Errorf("ParseUUID(%q) accepted", s)
		}
	}
}

func TestUUIDText(t *testing.T) {
	var u UUID
	if err := u.UnmarshalText([]byte("PB-aAlUQToufABEiM0RVZg")); err != nil {
		t.Fatal(err)
	}
	out, _ := u.MarshalText()
	if string(out) != "PB-aAlUQToufABEiM0RVZg" {
		t.Fatalf("text round trip: %s", out)
	}
}

// zeroThenRandom yields all-zero bytes first, then a seeded stream, so
// RandomUUID must loop past ids whose string starts with '-'.
type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestRandomUUID(t *testing.T) {
	src := seeded{rand.NewChaCha8([32]byte{1})}
	seen := map[UUID]bool{}
	for i := 0; i < 5000; i++ {
		u, err := RandomUUID(src)
		if err != nil {
			t.Fatal(err)
		}
		if u.IsZero() || u == MetadataTopicID || strings.HasPrefix(u.String(), "-") {
			t.Fatalf("reserved or dash-leading id %s", u)
		}
		if seen[u] {
			t.Fatalf("duplicate id %s", u)
		}
		seen[u] = true
	}
	// A source whose first id would start with '-' is skipped over.
	dash := append([]byte{0xf8}, bytes.Repeat([]byte{1}, 15)...)
	u, err := RandomUUID(bytes.NewReader(append(dash, bytes.Repeat([]byte{2}, 16)...)))
	if err != nil || strings.HasPrefix(u.String(), "-") || u[0] != 2 {
		t.Fatalf("got %s, %v", u, err)
	}
	if _, err := RandomUUID(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Fatal("short source accepted")
	}
}
