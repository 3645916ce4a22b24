package quorum

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// bigImage builds an image with n topics of 3 partitions each.
func bigImage(t testing.TB, n int) *image.Image {
	b := image.NewBuilder("test-cluster")
	if err := b.Add(registerBroker(1, 1)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := b.Add(createTopic(fmt.Sprintf("topic-%06d", i), record.UUID{1, 2, 3, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}, 3)...); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build(int64(n+7), 3)
}

func TestSnapshotRoundTripLarge(t *testing.T) {
	img := bigImage(t, 5000) // several frames
	var buf bytes.Buffer
	if err := writeSnapshot(&buf, img); err != nil {
		t.Fatal(err)
	}
	got, err := readSnapshot(bytes.NewReader(buf.Bytes()), "test-cluster")
	if err != nil {
		t.Fatal(err)
	}
	if !image.Equal(img, got) {
		t.Fatal("snapshot round trip changed the image")
	}
}

func TestSnapshotRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSnapshot(&buf, bigImage(t, 3)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	tests := []struct {
		name    string
		data    []byte
		cluster string
		want    string
	}{
		{"other cluster", good, "other", "belongs to cluster"},
		{"bad magic", append([]byte("NOTSKIFF"), good[8:]...), "test-cluster", "bad magic"},
		{"empty", nil, "test-cluster", "short header"},
		{"truncated before end marker", good[:len(good)-7], "test-cluster", "missing end marker"},
		{"truncated inside frame", good[:len(good)-10], "test-cluster", "unexpected EOF"},
		{"bytes after end", append(bytes.Clone(good), 0), "test-cluster", "after end marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readSnapshot(bytes.NewReader(tt.data), tt.cluster)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := readSnapshot(bytes.NewReader(good[:5]), "test-cluster"); !errors.Is(err, ErrSnapshotFormat) {
		t.Fatalf("short header: %v", err)
	}
}

// FuzzReadSnapshot feeds arbitrary bytes to the snapshot reader, which
// reads files from disk and from the leader's InstallSnapshot.
func FuzzReadSnapshot(f *testing.F) {
	var buf bytes.Buffer
	_ = writeSnapshot(&buf, bigImage(f, 2))
	f.Add(buf.Bytes())
	buf.Reset()
	_ = writeSnapshot(&buf, image.New("test-cluster"))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := readSnapshot(bytes.NewReader(data), "test-cluster")
		if err != nil {
			return
		}
		// Whatever was accepted must survive a round trip.
		var out bytes.Buffer
		if err := writeSnapshot(&out, img); err != nil {
			t.Fatal(err)
		}
		again, err := readSnapshot(&out, "test-cluster")
		if err != nil || !image.Equal(img, again) {
			t.Fatalf("accepted snapshot does not round trip: %v", err)
		}
	})
}

// BenchmarkSnapshot measures writing and reading a snapshot of 100k topics
// (300k partitions).
func BenchmarkSnapshot(b *testing.B) {
	img := bigImage(b, 100000)
	var buf bytes.Buffer
	b.Run("write", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf.Reset()
			if err := writeSnapshot(&buf, img); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	})
	b.Run("read", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := readSnapshot(bytes.NewReader(buf.Bytes()), "test-cluster"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
