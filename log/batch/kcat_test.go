package batch

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// librdkafka (through kcat) is the other family of clients (kcat,
// confluent-kafka-python/go/dotnet): its batches, for every codec, pass
// validation and decode to the lines it was given. librdkafka writes raw
// snappy, not xerial, so this also covers the other snappy framing.
func TestLibrdkafkaProducerBatches(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if kcat, err = exec.LookPath("kafkacat"); err != nil {
			t.Skip("kcat not installed")
		}
	}
	value := strings.Repeat("librdkafka compresses this line well ", 20)
	var input bytes.Buffer
	const n = 20
	for i := 0; i < n; i++ {
		fmt.Fprintf(&input, "key%d:%s%d\n", i, value, i)
	}
	for _, c := range []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		t.Run(c.String(), func(t *testing.T) {
			cb := startCaptureBroker(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, kcat, "-P", "-b", cb.ln.Addr().String(), "-t", captureTopic, "-p", "0",
				"-K", ":", "-z", c.String(), "-H", "origin=kcat", "-X", "linger.ms=100", "-X", "api.version.request=true")
			cmd.Stdin = bytes.NewReader(input.Bytes())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kcat: %v\n%s", err, out)
			}
			var got []Record
			for _, raw := range cb.batches() {
				for len(raw) > 0 {
					b, rest, ok := Next(raw)
					if !ok {
						t.Fatal("torn batch from librdkafka")
					}
					raw = rest
					h, err := Validate(b)
					if err != nil {
						t.Fatalf("Validate: %v", err)
					}
					if c != CodecNone && h.Codec() != c {
						t.Fatalf("librdkafka sent codec %v, want %v", h.Codec(), c)
					}
					if c == CodecSnappy && bytes.HasPrefix(b[HeaderSize:], xerialMagic) {
						t.Log("librdkafka wrote xerial-framed snappy")
					}
					opts := ValidateOptions{Now: time.Now(), TimestampBeforeMaxMs: 3_600_000, TimestampAfterMaxMs: 3_600_000, RequireKeys: true}
					if errs, err := ValidateRecords(b, h, opts); err != nil || errs != nil {
						t.Fatalf("ValidateRecords: %v %v", err, errs)
					}
					recs, err := Records(b, DecodeOptions{})
					if err != nil {
						t.Fatalf("Records: %v", err)
					}
					got = append(got, recs...)
				}
			}
			if len(got) != n {
				t.Fatalf("got %d records, want %d", len(got), n)
			}
			for i, r := range got {
				if string(r.Key) != fmt.Sprintf("key%d", i) || string(r.Value) != fmt.Sprintf("%s%d", value, i) {
					t.Fatalf("record %d: %q=%q", i, r.Key, r.Value)
				}
				if len(r.Headers) != 1 || r.Headers[0].Key != "origin" || string(r.Headers[0].Value) != "kcat" {
					t.Fatalf("record %d headers %+v", i, r.Headers)
				}
			}
		})
	}
}
